// Black-box tests of `raincheck records` on a local directory store and its spool.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/directory_store.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using testing::BinaryPath;
using testing::RunProcess;

class RecordsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/raincheck-records-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    env_ = {{"RAINCHECK_RECORDS", "dir:" + root_ + "/records"},
            {"RAINCHECK_SPOOL", root_ + "/spool"}};
  }
  void TearDown() override { fs::remove_all(root_); }

  static store::Record MakeRecord(int n) {
    store::Record r;
    r.timestamp = base::FromUnixMillis(1795832165000 + n);
    r.city = "Cape Town";
    r.request_id = "req-" + std::to_string(n);
    r.Set("prob_rain", 0.5);
    return r;
  }

  std::string root_;
  std::map<std::string, std::string> env_;
};

TEST_F(RecordsCliTest, LsAndCatShowWhatWasStored) {
  store::DirectoryStore dir(root_ + "/records", store::RecordFormat::kCsv);
  const auto a = dir.Put(MakeRecord(1), base::TimePoint::max());
  const auto b = dir.Put(MakeRecord(2), base::TimePoint::max());
  ASSERT_TRUE(a.ok() && b.ok());

  const auto ls = RunProcess({BinaryPath("raincheck"), "records", "ls"}, "", env_);
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, *a + "\n" + *b + "\n");
  const auto ls_none = RunProcess({BinaryPath("raincheck"), "records", "ls", "dt=1999"}, "", env_);
  EXPECT_EQ(ls_none.exit_code, 0);
  EXPECT_EQ(ls_none.out, "");

  const auto cat = RunProcess({BinaryPath("raincheck"), "records", "cat", *b}, "", env_);
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "prob_rain\r\n0.5\r\n");

  const auto missing =
      RunProcess({BinaryPath("raincheck"), "records", "cat", "dt=2026-01-01/x.csv"}, "", env_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;
  const auto escape =
      RunProcess({BinaryPath("raincheck"), "records", "cat", "../../etc/passwd"}, "", env_);
  EXPECT_EQ(escape.exit_code, 1);
  EXPECT_NE(escape.err.find("unsafe record key"), std::string::npos) << escape.err;
}

TEST_F(RecordsCliTest, LsJsonAndCatOfKeysOnStdin) {
  store::DirectoryStore dir(root_ + "/records", store::RecordFormat::kCsv);
  const auto a = dir.Put(MakeRecord(1), base::TimePoint::max());
  const auto b = dir.Put(MakeRecord(2), base::TimePoint::max());
  ASSERT_TRUE(a.ok() && b.ok());

  const auto ls = RunProcess({BinaryPath("raincheck"), "records", "ls", "--json"}, "", env_);
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  const nlohmann::json keys = nlohmann::json::parse(ls.out);
  ASSERT_EQ(keys.size(), 2u) << ls.out;
  EXPECT_EQ(keys[0]["key"], *a);
  EXPECT_EQ(keys[1]["key"], *b);
  const auto none =
      RunProcess({BinaryPath("raincheck"), "records", "ls", "--json", "dt=1999"}, "", env_);
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(none.out), nlohmann::json::array());
  EXPECT_NE(none.err.find("no records in dir:" + root_ + "/records"), std::string::npos)
      << none.err;

  // `records ls | records cat -`: every record, one per line.
  const auto cat =
      RunProcess({BinaryPath("raincheck"), "records", "cat", "-"}, *a + "\n\n" + *b + "\n", env_);
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "prob_rain\r\n0.5\r\nprob_rain\r\n0.5\r\n");
  const auto bad =
      RunProcess({BinaryPath("raincheck"), "records", "cat", "-"}, "dt=2026-01-01/x.csv\n", env_);
  EXPECT_EQ(bad.exit_code, 1);
}

// With RAINCHECK_RECORDS unset, `records` reads records/ of the working directory, where the
// local verbs write (function/config.h DefaultLocalRecordsDir).
TEST_F(RecordsCliTest, DefaultIsTheLocalVerbsDirectory) {
  store::DirectoryStore dir(root_ + "/records", store::RecordFormat::kCsv);
  const auto a = dir.Put(MakeRecord(1), base::TimePoint::max());
  ASSERT_TRUE(a.ok());
  const auto ls =
      RunProcess({"/bin/sh", "-c",
                  "cd \"$0\" && exec env -u RAINCHECK_RECORDS -u RAINCHECK_SPOOL \"$1\" records ls",
                  root_, BinaryPath("raincheck")});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, *a + "\n");
}

TEST_F(RecordsCliTest, FlushMovesSpooledRecordsToTheStore) {
  store::DirectoryStore spool(root_ + "/spool", store::RecordFormat::kCsv);
  ASSERT_TRUE(spool.Put(MakeRecord(1), base::TimePoint::max()).ok());
  ASSERT_TRUE(spool.Put(MakeRecord(2), base::TimePoint::max()).ok());

  const auto ls = RunProcess({BinaryPath("raincheck"), "records", "ls"}, "", env_);
  EXPECT_EQ(ls.out, "");
  EXPECT_NE(ls.err.find("2 record(s) waiting in the spool"), std::string::npos) << ls.err;

  const auto flush = RunProcess({BinaryPath("raincheck"), "records", "flush"}, "", env_);
  EXPECT_EQ(flush.exit_code, 0) << flush.err;
  EXPECT_NE(flush.out.find("flushed 2 record(s)"), std::string::npos) << flush.out;
  EXPECT_TRUE(spool.List("")->empty());
  store::DirectoryStore dir(root_ + "/records", store::RecordFormat::kCsv);
  EXPECT_EQ(dir.List("")->size(), 2u);
}

TEST_F(RecordsCliTest, ConfigurationErrorsAreClear) {
  auto off =
      RunProcess({BinaryPath("raincheck"), "records", "ls"}, "", {{"RAINCHECK_RECORDS", "off"}});
  EXPECT_EQ(off.exit_code, 1);
  EXPECT_NE(off.err.find("records are off"), std::string::npos) << off.err;
  auto bad = RunProcess({BinaryPath("raincheck"), "records", "ls"}, "",
                        {{"RAINCHECK_RECORDS", "s3://rain-bucket"},
                         {"AWS_ACCESS_KEY_ID", ""},
                         {"AWS_SECRET_ACCESS_KEY", "TOPSECRET"}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("TOPSECRET"), std::string::npos);
  // Command-line mistakes fail before any store is opened (CLI11's exit codes, as `invoke`).
  EXPECT_NE(RunProcess({BinaryPath("raincheck"), "records"}).exit_code, 0);
  EXPECT_NE(RunProcess({BinaryPath("raincheck"), "records", "cat"}).exit_code, 0);
  auto help = RunProcess({BinaryPath("raincheck"), "records", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("flush"), std::string::npos);
}

}  // namespace
}  // namespace raincheck
