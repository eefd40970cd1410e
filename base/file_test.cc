#include "base/file.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace raincheck::base {
namespace {

TEST(FileTest, WritesAtomicallyAndReadsBack) {
  const auto dir = std::filesystem::temp_directory_path() / ("rc-file-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "x.bin").string();
  const std::string data("a\0b\xFF", 4);
  ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  ASSERT_TRUE(WriteFileAtomic(path, data + data).ok());
  auto back = ReadFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data + data);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);  // no temp left
  std::filesystem::remove_all(dir);
}

TEST(FileTest, MissingFileNamesPathAndReason) {
  auto r = ReadFile("/nonexistent/raincheck/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("/nonexistent/raincheck/file"), std::string::npos);
  EXPECT_NE(r.status().message().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::base
