#include "store/spooling_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

namespace raincheck::store {
namespace {

namespace fs = std::filesystem;

// A directory store that can be switched off, like a bucket behind a failing network.
class SwitchableStore final : public RecordStore {
 public:
  explicit SwitchableStore(std::string root) : dir_(std::move(root), RecordFormat::kCsv) {}
  Result<std::string> Put(const Record& r, base::TimePoint d) override {
    if (down) return Status::Unavailable("store down");
    return dir_.Put(r, d);
  }
  Result<std::string> Write(const EncodedRecord& o, base::TimePoint d) override {
    if (down) return Status::Unavailable("store down");
    ++writes;
    return dir_.Write(o, d);
  }
  Result<std::vector<std::string>> List(std::string_view p) override { return dir_.List(p); }
  Result<std::string> Get(std::string_view k) override { return dir_.Get(k); }
  std::string Describe() const override { return "switchable"; }

  std::atomic<bool> down{false};
  std::atomic<int> writes{0};

 private:
  DirectoryStore dir_;
};

class SpoolingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/raincheck-spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto inner = std::make_unique<SwitchableStore>(root_ + "/store");
    inner_ = inner.get();
    store_ = std::make_unique<SpoolingStore>(std::move(inner), root_ + "/spool", RecordFormat::kCsv,
                                             clock_, /*flush_per_write=*/2);
  }
  void TearDown() override { fs::remove_all(root_); }

  static Record MakeRecord(int n) {
    Record r;
    r.timestamp = base::FromUnixMillis(1795832165000 + n);
    r.city = "Cape Town";
    r.request_id = "req-" + std::to_string(n);
    r.Set("n", n);
    return r;
  }
  base::TimePoint Deadline() const { return clock_.Now() + std::chrono::seconds(1); }

  base::ManualClock clock_{base::FromUnixMillis(1795832165000)};
  std::string root_;
  SwitchableStore* inner_ = nullptr;
  std::unique_ptr<SpoolingStore> store_;
};

TEST_F(SpoolingStoreTest, StoredWhenTheStoreWorks) {
  const WriteOutcome out = store_->Store(MakeRecord(1), Deadline());
  EXPECT_EQ(out.state, WriteOutcome::State::kStored);
  EXPECT_TRUE(out.error.ok());
  EXPECT_EQ(*store_->Get(out.key), "n\r\n1\r\n");
  EXPECT_TRUE(store_->Spooled()->empty());
}

TEST_F(SpoolingStoreTest, SpooledWhenDownThenFlushedByLaterWritesNothingLost) {
  inner_->down = true;
  for (int n = 0; n < 5; ++n) {
    const WriteOutcome out = store_->Store(MakeRecord(n), Deadline());
    EXPECT_EQ(out.state, WriteOutcome::State::kSpooled);
    EXPECT_EQ(out.error.code(), StatusCode::kUnavailable);
    EXPECT_NE(out.key.find("req-" + std::to_string(n)), std::string::npos);
  }
  EXPECT_EQ(store_->Spooled()->size(), 5u);
  const auto put = store_->Put(MakeRecord(5), Deadline());
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.status().message().find("not stored, spooled as dt="), std::string::npos);

  inner_->down = false;
  // Each successful write pushes at most two spooled records.
  const WriteOutcome first = store_->Store(MakeRecord(6), Deadline());
  EXPECT_EQ(first.state, WriteOutcome::State::kStored);
  EXPECT_EQ(first.flushed, 2);
  EXPECT_EQ(store_->Spooled()->size(), 4u);
  const FlushResult rest = store_->Flush(Deadline());
  EXPECT_EQ(rest.flushed, 4);
  EXPECT_EQ(rest.remaining, 0);
  EXPECT_TRUE(rest.error.ok());
  EXPECT_TRUE(store_->Spooled()->empty());

  const auto keys = store_->List("");
  ASSERT_EQ(keys->size(), 7u);
  for (int n = 0; n <= 6; ++n) {
    bool found = false;
    for (const auto& k : *keys) {
      if (k.find("_req-" + std::to_string(n) + ".csv") != std::string::npos) {
        found = true;
        EXPECT_EQ(*store_->Get(k), "n\r\n" + std::to_string(n) + "\r\n");
      }
    }
    EXPECT_TRUE(found) << n;
  }
}

TEST_F(SpoolingStoreTest, FlushStopsAtTheFirstFailureAndKeepsTheRest) {
  inner_->down = true;
  store_->Store(MakeRecord(1), Deadline());
  store_->Store(MakeRecord(2), Deadline());
  const FlushResult r = store_->Flush(Deadline());
  EXPECT_EQ(r.flushed, 0);
  EXPECT_EQ(r.remaining, 2);
  EXPECT_EQ(r.error.code(), StatusCode::kUnavailable);
}

TEST_F(SpoolingStoreTest, FlushRespectsTheDeadline) {
  inner_->down = true;
  store_->Store(MakeRecord(1), Deadline());
  inner_->down = false;
  const FlushResult r = store_->Flush(clock_.Now());  // no time left
  EXPECT_EQ(r.flushed, 0);
  EXPECT_EQ(r.remaining, 1);
}

TEST_F(SpoolingStoreTest, ARecordStoredTwiceByARetriedFlushIsNotDuplicated) {
  inner_->down = true;
  const WriteOutcome spooled = store_->Store(MakeRecord(1), Deadline());
  ASSERT_EQ(spooled.state, WriteOutcome::State::kSpooled);
  // The store received it after all (a timed-out request that still landed).
  inner_->down = false;
  ASSERT_TRUE(fs::exists(root_ + "/spool/" + spooled.key));
  ASSERT_TRUE(inner_->Write({spooled.key, "n\r\n1\r\n", "text/csv"}, Deadline()).ok());
  const FlushResult r = store_->Flush(Deadline());
  EXPECT_EQ(r.flushed, 1);
  EXPECT_EQ(store_->List("")->size(), 1u);
}

TEST_F(SpoolingStoreTest, LostWhenNeitherStoreNorSpoolWork) {
  auto inner = std::make_unique<SwitchableStore>(root_ + "/store2");
  inner->down = true;
  SpoolingStore store(std::move(inner), "/proc/raincheck-no-spool", RecordFormat::kCsv, clock_);
  const WriteOutcome out = store.Store(MakeRecord(1), Deadline());
  EXPECT_EQ(out.state, WriteOutcome::State::kLost);
  EXPECT_NE(out.error.message().find("spooling failed too"), std::string::npos);
  EXPECT_EQ(WriteStateName(out.state), "lost");
}

TEST_F(SpoolingStoreTest, ConcurrentWritersDuringAnOutageLoseNothing) {
  inner_->down = true;
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (t == 0 && i == 5) inner_->down = false;  // the store comes back mid-way
        store_->Store(MakeRecord(t * 10 + i), Deadline());
      }
    });
  }
  for (auto& th : threads) th.join();
  store_->Flush(Deadline());
  EXPECT_TRUE(store_->Spooled()->empty());
  EXPECT_EQ(store_->List("")->size(), 80u);
}

}  // namespace
}  // namespace raincheck::store
