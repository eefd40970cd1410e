#include "base/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "base/env.h"

namespace raincheck::base {

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

Result<std::string> ReadAll(int fd, const std::string& name) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", name);
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

Status WriteAll(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", name);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot read", path);
  Result<std::string> out = ReadAll(fd, path);
  if (fd != STDIN_FILENO) ::close(fd);
  return out;
}

Result<MappedFile> MapFile(const std::string& path, bool populate) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("'" + path + "' does not exist");
    return Errno("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError("'" + path + "' is not a regular file");
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile{};
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  const int mmap_errno = errno;
  ::close(fd);
  if (addr == MAP_FAILED) {
    errno = mmap_errno;
    return Errno("cannot map", path);
  }
  MappedFile out;
  out.owner = std::shared_ptr<const void>(
      addr, [size](const void* a) { ::munmap(const_cast<void*>(a), size); });
  out.bytes = std::string_view(static_cast<const char*>(addr), size);
  return out;
}

namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the directory", dir);
  Status s;
  if (::fsync(fd) != 0 && errno != EINVAL) s = Errno("cannot flush the directory", dir);
  ::close(fd);
  return s;
}

AtomicFileWriter::~AtomicFileWriter() { Abort(); }

Status AtomicFileWriter::Open(const std::string& path) {
  Abort();
  path_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device, a FIFO, a socket: there is nothing to replace, only something to write to.
    fd_ = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd_ < 0) return Errno("cannot open", path);
    return Status::Ok();
  }
  char resolved[PATH_MAX];
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode) &&
      ::realpath(path.c_str(), resolved) != nullptr) {
    path_ = resolved;
  }
  tmp_ = path_ + ".tmp-" + NewUuid();
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    Status s = Errno("cannot create", tmp_);
    tmp_.clear();
    return s;
  }
  return Status::Ok();
}

Status AtomicFileWriter::Append(std::string_view data) {
  if (fd_ < 0) return Status::Internal("AtomicFileWriter::Append without Open");
  Status s = WriteAll(fd_, data, tmp_.empty() ? path_ : tmp_);
  if (!s.ok()) Abort();
  return s;
}

Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return Status::Internal("AtomicFileWriter::Commit without Open");
  if (tmp_.empty()) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno("cannot write", path_);
    return Status::Ok();
  }
  if (::fsync(fd_) != 0) {
    Status s = Errno("cannot flush", tmp_);
    Abort();
    return s;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    Status s = Errno("cannot flush", tmp_);
    Abort();
    return s;
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Status s = Errno("cannot rename into", path_);
    Abort();
    return s;
  }
  tmp_.clear();
  return SyncDirectory(DirectoryOf(path_));
}

void AtomicFileWriter::Abort() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!tmp_.empty()) {
    ::unlink(tmp_.c_str());
    tmp_.clear();
  }
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  AtomicFileWriter w;
  RC_RETURN_IF_ERROR(w.Open(path));
  RC_RETURN_IF_ERROR(w.Append(data));
  return w.Commit();
}

}  // namespace raincheck::base
