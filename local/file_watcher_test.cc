#include "local/file_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace raincheck::local {
namespace {

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rc-watch-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "models");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(FileWatcherTest, SignaturesChangeWithContentNamesAndReplacement) {
  const std::string file = (dir_ / "bootstrap").string();
  EXPECT_EQ(FileSignature(file), "missing");
  std::ofstream(file) << "one";
  const std::string one = FileSignature(file);
  std::ofstream(file) << "three";
  EXPECT_NE(FileSignature(file), one);

  const std::string models = (dir_ / "models").string();
  const std::string empty = FileSignature(models);
  std::ofstream(dir_ / "models" / "a.rcf") << "a";
  const std::string with_a = FileSignature(models);
  EXPECT_NE(with_a, empty);
  // Replaced by rename: same name and size, another file.
  std::ofstream(dir_ / "models" / "b.tmp") << "b";
  std::filesystem::rename(dir_ / "models" / "b.tmp", dir_ / "models" / "a.rcf");
  EXPECT_NE(FileSignature(models), with_a);
  EXPECT_EQ(FileSignature(models), FileSignature(models));
}

// A change is reported once it has settled, once per change, with the path that changed.
TEST_F(FileWatcherTest, ReportsASettledChangeOnce) {
  std::mutex mu;
  std::vector<std::string> reported;
  const std::string models = (dir_ / "models").string();
  const std::string other = (dir_ / "bootstrap").string();
  std::ofstream(other) << "x";
  FileWatcher watcher({other, models}, std::chrono::milliseconds(20), [&](const std::string& p) {
    std::lock_guard<std::mutex> lock(mu);
    reported.push_back(p);
  });
  watcher.Start();
  std::ofstream(dir_ / "models" / "new.rcf") << "model";
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return reported.size();
  };
  for (int i = 0; i < 500 && count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Several more intervals without a change: still one report.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  watcher.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0], models);
}

}  // namespace
}  // namespace raincheck::local
