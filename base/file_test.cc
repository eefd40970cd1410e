#include "base/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

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

size_t EntriesIn(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(FileTest, AtomicWriterStreamsAndAbortsOnDestruction) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-writer-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.csv").string();
  {
    AtomicFileWriter w;
    ASSERT_TRUE(w.Open(path).ok());
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(w.Append("row " + std::to_string(i) + "\n").ok());
    EXPECT_FALSE(std::filesystem::exists(path));  // nothing under the final name yet
    ASSERT_TRUE(w.Commit().ok());
  }
  auto back = ReadFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->substr(0, 12), "row 0\nrow 1\n");
  EXPECT_EQ(back->size(), 7890u);  // 10*6 + 90*7 + 900*8
  const std::string committed = *back;
  {
    AtomicFileWriter abandoned;  // an error path: destroyed before Commit
    ASSERT_TRUE(abandoned.Open(path).ok());
    ASSERT_TRUE(abandoned.Append("half a file").ok());
    EXPECT_EQ(EntriesIn(dir), 2u);
  }
  EXPECT_EQ(EntriesIn(dir), 1u);  // the temporary file is gone
  EXPECT_EQ(*ReadFile(path), committed);
  AtomicFileWriter unopened;
  EXPECT_EQ(unopened.Append("x").code(), StatusCode::kInternal);
  EXPECT_EQ(unopened.Commit().code(), StatusCode::kInternal);
  std::filesystem::remove_all(dir);
}

TEST(FileTest, ANonRegularFileIsWrittenInPlaceNotReplaced) {
  // Renaming over /dev/null as root would leave a plain file there for every later process; a
  // FIFO shows the same without root: it must still be a FIFO afterwards, holding the bytes.
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-fifo-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string fifo = (dir / "out").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The read end is opened first, without blocking, so that the writer's open returns at once;
  // the bytes fit in the pipe's buffer, so nothing waits on anything.
  const int read_end = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(read_end, 0);
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(fifo).ok());
  ASSERT_TRUE(w.Append("prediction,probability\n").ok());
  ASSERT_TRUE(w.Append("1,0.75\n").ok());
  ASSERT_TRUE(w.Commit().ok());
  char buf[256];
  const ssize_t n = ::read(read_end, buf, sizeof buf);
  ::close(read_end);
  const std::string received = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  EXPECT_EQ(received, "prediction,probability\n1,0.75\n");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_EQ(EntriesIn(dir), 1u);  // no temporary file beside it

  // A symbolic link to a regular file: the file it names gets the new bytes, the link stays.
  const std::string target = (dir / "model.rcf").string();
  const std::string link = (dir / "current.rcf").string();
  ASSERT_TRUE(WriteFileAtomic(target, "old").ok());
  std::filesystem::create_symlink(target, link);
  ASSERT_TRUE(WriteFileAtomic(link, "new").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(*ReadFile(target), "new");
  EXPECT_EQ(EntriesIn(dir), 3u);
  std::filesystem::remove_all(dir);
}

TEST(FileTest, UnwritableDirectoryIsAClearIOError) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-unwritable-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A directory that does not exist, and one that is a regular file: nothing is created.
  const Status missing = WriteFileAtomic((dir / "no-such-dir" / "m.rcf").string(), "x");
  EXPECT_EQ(missing.code(), StatusCode::kIOError);
  EXPECT_NE(missing.message().find("no-such-dir"), std::string::npos) << missing.ToString();
  EXPECT_NE(missing.message().find("No such file or directory"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic((dir / "file").string(), "x").ok());
  const Status not_dir = WriteFileAtomic((dir / "file" / "m.rcf").string(), "x");
  EXPECT_EQ(not_dir.code(), StatusCode::kIOError);
  EXPECT_NE(not_dir.message().find("Not a directory"), std::string::npos) << not_dir.ToString();
  if (::geteuid() != 0) {  // root writes through permission bits
    const auto ro = dir / "read-only";
    std::filesystem::create_directories(ro);
    ::chmod(ro.c_str(), 0555);
    const Status denied = WriteFileAtomic((ro / "m.rcf").string(), "x");
    EXPECT_EQ(denied.code(), StatusCode::kIOError);
    EXPECT_NE(denied.message().find("Permission denied"), std::string::npos) << denied.ToString();
    ::chmod(ro.c_str(), 0755);
    EXPECT_EQ(EntriesIn(ro), 0u);
  }
  EXPECT_EQ(SyncDirectory((dir / "none").string()).code(), StatusCode::kIOError);
  EXPECT_TRUE(SyncDirectory(dir.string()).ok());
  std::filesystem::remove_all(dir);
}

TEST(FileTest, MissingFileNamesPathAndReason) {
  auto r = ReadFile("/nonexistent/raincheck/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("/nonexistent/raincheck/file"), std::string::npos);
  EXPECT_NE(r.status().message().find("No such file"), std::string::npos);
}

// Whole buffers through a pipe, whose writes and reads come in pieces of at most its capacity.
TEST(FileTest, WritesAndReadsADescriptorWhole) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 % 251);
  std::thread writer([&] {
    EXPECT_TRUE(WriteAll(fds[1], data, "the pipe").ok());
    ::close(fds[1]);
  });
  const Result<std::string> back = ReadAll(fds[0], "the pipe");
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, data);
}

TEST(FileTest, DescriptorErrorsNameWhatItIs) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // The read end cannot be written, the write end cannot be read.
  const Status write = WriteAll(fds[0], "x", "stdout");
  EXPECT_EQ(write.code(), StatusCode::kIOError);
  EXPECT_EQ(write.message(), "cannot write 'stdout': Bad file descriptor");
  const Result<std::string> read = ReadAll(fds[1], "stdin");
  EXPECT_EQ(read.status().code(), StatusCode::kIOError);
  EXPECT_EQ(read.status().message(), "cannot read 'stdin': Bad file descriptor");
  ::close(fds[0]);
  ::close(fds[1]);
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
