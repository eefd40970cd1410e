#include "store/directory_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace raincheck::store {
namespace {

namespace fs = std::filesystem;

class DirectoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/raincheck-dirstore-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  static Record MakeRecord(int n) {
    Record r;
    r.timestamp = base::FromUnixMillis(1795832165123);  // the same millisecond for all
    r.city = "Cape Town";
    r.request_id = "same-request";
    r.Set("n", n);
    r.Set("prob_rain", 0.25);
    return r;
  }

  std::string root_;
  const base::TimePoint deadline_ = base::TimePoint::max();
};

class DirectoryStoreStagingTest : public DirectoryStoreTest,
                                  public ::testing::WithParamInterface<DirectoryStore::Staging> {};

INSTANTIATE_TEST_SUITE_P(Staging, DirectoryStoreStagingTest,
                         ::testing::Values(DirectoryStore::Staging::kAuto,
                                           DirectoryStore::Staging::kNamedFile),
                         [](const auto& param_info) {
                           return param_info.param == DirectoryStore::Staging::kAuto ? "Auto"
                                                                                     : "NamedFile";
                         });

TEST_F(DirectoryStoreTest, PutThenGetAndList) {
  DirectoryStore store(root_, RecordFormat::kCsv);
  const auto key = store.Put(MakeRecord(1), deadline_);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, "dt=2026-11-28/20261128T021605.123Z_cape-town_same-request.csv");
  EXPECT_EQ(*store.Get(*key), "n,prob_rain\r\n1,0.25\r\n");
  EXPECT_EQ(*store.List(""), std::vector<std::string>{*key});
  EXPECT_EQ(*store.List("dt=2026-11-28/"), std::vector<std::string>{*key});
  EXPECT_TRUE(store.List("dt=2026-11-29/")->empty());
  EXPECT_TRUE(fs::is_regular_file(fs::path(root_) / *key));
}

TEST_P(DirectoryStoreStagingTest, SameKeyDifferentBytesGetsASuffixNeverOverwrites) {
  DirectoryStore store(root_, RecordFormat::kJsonLines, GetParam());
  const auto first = store.Put(MakeRecord(1), deadline_);
  const auto second = store.Put(MakeRecord(2), deadline_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(*second, CollisionKey(*first, 1));
  EXPECT_EQ(*store.Get(*first), "{\"n\":1,\"prob_rain\":0.25}\n");
  EXPECT_EQ(*store.Get(*second), "{\"n\":2,\"prob_rain\":0.25}\n");
}

TEST_P(DirectoryStoreStagingTest, RewritingTheSameBytesIsIdempotent) {
  DirectoryStore store(root_, RecordFormat::kCsv, GetParam());
  const auto first = store.Put(MakeRecord(7), deadline_);
  const auto again = store.Put(MakeRecord(7), deadline_);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(store.List("")->size(), 1u);
}

TEST_F(DirectoryStoreTest, ExistingForeignFileIsKept) {
  DirectoryStore store(root_, RecordFormat::kCsv);
  const std::string key = RecordKey(MakeRecord(1), RecordFormat::kCsv);
  fs::create_directories((fs::path(root_) / key).parent_path());
  std::ofstream(fs::path(root_) / key) << "precious";
  const auto written = store.Put(MakeRecord(1), deadline_);
  ASSERT_TRUE(written.ok());
  EXPECT_NE(*written, key);
  EXPECT_EQ(*store.Get(key), "precious");
}

TEST_P(DirectoryStoreStagingTest, ConcurrentPutsFromManyThreadsGetUniqueKeysAndLoseNothing) {
  DirectoryStore store(root_, RecordFormat::kCsv, GetParam());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  std::vector<std::vector<std::string>> keys(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto key = store.Put(MakeRecord(t * kPerThread + i), deadline_);
        keys[static_cast<size_t>(t)].push_back(key.ok() ? *key
                                                        : "error: " + key.status().ToString());
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<std::string> unique;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string& key = keys[static_cast<size_t>(t)][static_cast<size_t>(i)];
      ASSERT_TRUE(IsSafeKey(key)) << key;
      unique.insert(key);
      const int n = t * kPerThread + i;
      EXPECT_EQ(*store.Get(key), "n,prob_rain\r\n" + std::to_string(n) + ",0.25\r\n");
    }
  }
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(store.List("")->size(), static_cast<size_t>(kThreads * kPerThread));
  // Nothing but the records is left behind (no staging file, named or not).
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    EXPECT_NE(entry.path().filename().string().rfind(".tmp-", 0), 0u) << entry.path();
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(DirectoryStoreTest, EveryCollisionKeyTakenIsAnErrorThatNamesNoCity) {
  // A key and its 999 collision keys already hold other bytes: the record cannot be published,
  // and the error, which reaches the function's log, names the partition but not the key.
  DirectoryStore store(root_, RecordFormat::kCsv);
  const std::string key = "dt=2026-11-29/20261129T000000.000Z_sao-paulo_req-1.csv";
  fs::create_directories(fs::path(root_) / "dt=2026-11-29");
  for (int n = 0; n < 1000; ++n) {
    std::ofstream(fs::path(root_) / (n == 0 ? key : CollisionKey(key, n))) << "other " << n;
  }
  const auto written = store.Write(EncodedRecord{key, "mine", "text/csv"}, deadline_);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(written.status().message().find("dt=2026-11-29"), std::string::npos);
  EXPECT_EQ(written.status().message().find("sao-paulo"), std::string::npos)
      << written.status().message();
}

TEST_F(DirectoryStoreTest, RefusesUnsafeKeysAndReportsMissingOnes) {
  DirectoryStore store(root_, RecordFormat::kCsv);
  EXPECT_EQ(store.Get("../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Get("dt=2026-01-01/nothing.csv").status().code(), StatusCode::kNotFound);
  EncodedRecord bad{"../escape.csv", "x", "text/csv"};
  EXPECT_EQ(store.Write(bad, deadline_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store.List("")->empty());  // a missing root lists as empty
}

// A key names a regular file inside the records directory: a symbolic link placed there
// (to /etc/passwd, or a partition linked to /etc) is refused, never followed out of it.
TEST_F(DirectoryStoreTest, SymlinksOutOfTheDirectoryAreRefusedNotFollowed) {
  DirectoryStore store(root_, RecordFormat::kCsv);
  const fs::path root(root_);
  fs::create_directories(root / "dt=2026-11-28");
  fs::create_symlink("/etc/passwd", root / "dt=2026-11-28" / "passwd.csv");
  fs::create_symlink("/etc/passwd", root / "passwd");
  fs::create_directory_symlink("/etc", root / "dt=2026-11-29");
  fs::create_directories(root / "dt=2026-11-30" / "a-directory.csv");
  for (const std::string key : {"dt=2026-11-28/passwd.csv", "passwd", "dt=2026-11-29/passwd",
                                "dt=2026-11-30/a-directory.csv", "dt=2026-11-30"}) {
    SCOPED_TRACE(key);
    Result<std::string> body = store.Get(key);
    ASSERT_FALSE(body.ok()) << "read through a link: " << body->substr(0, 40);
    EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(body.status().message(),
              "record " + key + " is not a regular file inside " + store.Describe());
  }
  Result<std::vector<std::string>> keys = store.List("");
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty()) << "listed: " << keys->front();
  // A real record beside them still reads.
  Result<std::string> key = store.Put(MakeRecord(1), deadline_);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(store.Get(*key).ok());
  EXPECT_EQ(*store.List(""), std::vector<std::string>{*key});
}

TEST_F(DirectoryStoreTest, RemoveDeletesRecordAndEmptyPartition) {
  DirectoryStore store(root_, RecordFormat::kCsv);
  const auto key = store.Put(MakeRecord(1), deadline_);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(store.Remove(*key).ok());
  EXPECT_EQ(store.Get(*key).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(fs::path(root_) / "dt=2026-11-28"));
  EXPECT_EQ(store.Remove(*key).code(), StatusCode::kNotFound);
}

TEST_F(DirectoryStoreTest, UnwritableRootIsAnIOError) {
  DirectoryStore store("/proc/raincheck-cannot-exist", RecordFormat::kCsv);
  const auto key = store.Put(MakeRecord(1), deadline_);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kIOError);
}

TEST(CollisionKeyTest, InsertsBeforeExtension) {
  EXPECT_EQ(CollisionKey("dt=2026-01-01/a_b.csv", 2), "dt=2026-01-01/a_b-2.csv");
  EXPECT_EQ(CollisionKey("dt=2026.01/a", 1), "dt=2026.01/a-1");
  EXPECT_EQ(ContentTypeForKey("x.jsonl"), "application/x-ndjson");
}

}  // namespace
}  // namespace raincheck::store
