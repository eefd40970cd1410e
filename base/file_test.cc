#include "base/file.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace raincheck::base {
namespace {

TEST(FileTest, WritesAtomicallyAndReadsBack) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-file-test-" + std::to_string(::getpid()));
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

// The mapping outlives a rename over the file (the way files in use are replaced), and ends
// with the last copy of its owner.
TEST(FileTest, MapsAWholeFileReadOnly) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-map-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "m.bin").string();
  const std::string data("mapped\0bytes", 12);
  ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  for (const bool populate : {false, true}) {
    auto m = MapFile(path, populate);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->bytes, data);
    const MappedFile copy = *m;
    *m = MappedFile{};
    EXPECT_EQ(copy.bytes, data);  // the copy still owns the mapping
  }
  auto kept = MapFile(path, false);
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(WriteFileAtomic(path, "replaced").ok());
  EXPECT_EQ(kept->bytes, data);

  ASSERT_TRUE(WriteFileAtomic(path, "").ok());
  auto empty = MapFile(path, true);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bytes.empty());

  auto missing = MapFile((dir / "none").string(), true);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("none"), std::string::npos);
  auto directory = MapFile(dir.string(), true);
  EXPECT_EQ(directory.status().code(), StatusCode::kIOError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace raincheck::base
