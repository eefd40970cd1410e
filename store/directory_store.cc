#include "store/directory_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strings.h"

namespace raincheck::store {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCollisions = 1000;

Status Errno(std::string_view what, std::string_view where) {
  return Status::IOError(std::string(what) + " " + std::string(where) + ": " +
                         std::strerror(errno));
}

std::string TempName() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  std::snprintf(buf, sizeof buf, ".tmp-%d-%llu-%016llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(counter++), static_cast<unsigned long long>(rng()));
  return buf;
}

// The bytes of `key` under `root`, read only from a regular file reached through real
// directories: each component is opened with O_NOFOLLOW, so a symbolic link placed in the
// records directory (to /etc/passwd, or a partition linked elsewhere) is refused, never
// followed out of it. `root` itself may be a link (it is the configuration's choice).
// NotFound when absent; InvalidArgument("record KEY is not a regular file inside WHERE").
Result<std::string> ReadInside(const std::string& root, std::string_view key,
                               std::string_view where) {
  const auto not_regular = [&] {
    return Status::InvalidArgument("record " + std::string(key) + " is not a regular file inside " +
                                   std::string(where));
  };
  const std::string path = root + "/" + std::string(key);
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no such record");
    return Errno("cannot open", root);
  }
  const std::vector<std::string> parts = base::Split(key, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    // O_NONBLOCK: a FIFO planted at the key must not block the open (it is refused below).
    const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY);
    const int next = ::openat(fd, parts[i].c_str(), flags);
    const int err = errno;
    ::close(fd);
    if (next < 0) {
      if (err == ENOENT) return Status::NotFound("no such record");
      if (err == ELOOP || err == ENOTDIR) return not_regular();
      errno = err;
      return Errno("cannot open", path);
    }
    fd = next;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return not_regular();
  }
  Result<std::string> bytes = base::ReadAll(fd, path);
  ::close(fd);
  return bytes;
}

}  // namespace

DirectoryStore::DirectoryStore(std::string root, RecordFormat format, Staging staging)
    : root_(std::move(root)), format_(format), staging_(staging) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Result<std::string> DirectoryStore::Put(const Record& record, base::TimePoint deadline) {
  RC_ASSIGN_OR_RETURN(EncodedRecord object, EncodeRecord(record, format_));
  return Write(object, deadline);
}

namespace {

// A record's bytes in a file of `dir` that no other writer or reader can see yet, flushed to
// disk. Preferably an unnamed O_TMPFILE inode (published with linkat: one directory entry per
// record, nothing to unlink, nothing left behind by a crash); where the filesystem has no
// O_TMPFILE, a private dot-file (List skips those) that the caller unlinks.
struct StagedFile {
  int fd = -1;
  std::string tmp_path;  // empty for an O_TMPFILE inode

  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile() {
    if (fd >= 0) ::close(fd);
    if (!tmp_path.empty()) ::unlink(tmp_path.c_str());
  }

  // link(2) of the staged bytes to `path`; fails with EEXIST instead of replacing.
  bool LinkTo(const std::string& path) const {
    if (!tmp_path.empty()) return ::link(tmp_path.c_str(), path.c_str()) == 0;
    // linkat(fd, "", ..., AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc name of the
    // descriptor does not.
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0;
  }
};

// Whether O_TMPFILE + linkat through /proc works here; decided by the first write.
std::atomic<int> g_tmpfile_usable{-1};  // -1 unknown, 0 no, 1 yes

int OpenStaged(const std::string& dir, bool unnamed, StagedFile* staged) {
#ifdef O_TMPFILE
  if (unnamed && g_tmpfile_usable.load(std::memory_order_relaxed) != 0) {
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      if (g_tmpfile_usable.load(std::memory_order_relaxed) < 0) {
        // linkat through /proc needs /proc; without it, use named files.
        const bool proc = ::access(("/proc/self/fd/" + std::to_string(fd)).c_str(), F_OK) == 0;
        g_tmpfile_usable.store(proc ? 1 : 0, std::memory_order_relaxed);
        if (!proc) {
          ::close(fd);
          return OpenStaged(dir, false, staged);
        }
      }
      staged->fd = fd;
      return fd;
    }
    // ENOENT: no such directory (the caller creates it); anything else may be a filesystem
    // without O_TMPFILE support (EOPNOTSUPP, EISDIR, EINVAL): fall back to a named file.
    if (errno == ENOENT) return -1;
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
      g_tmpfile_usable.store(0, std::memory_order_relaxed);
    } else {
      return -1;
    }
  }
#else
  (void)unnamed;
#endif
  std::string tmp = dir + "/" + TempName();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) {
    staged->fd = fd;
    staged->tmp_path = std::move(tmp);
  }
  return fd;
}

}  // namespace

Result<std::string> DirectoryStore::Write(const EncodedRecord& object, base::TimePoint) {
  if (!IsSafeKey(object.key)) return Status::InvalidArgument("unsafe record key");
  const fs::path target = fs::path(root_) / object.key;
  const std::string dir = target.parent_path().string();

  // 1. The bytes go to a file nobody can see yet, flushed to disk.
  StagedFile staged;
  const bool unnamed = staging_ == Staging::kAuto;
  if (OpenStaged(dir, unnamed, &staged) < 0 && errno == ENOENT) {
    // A new partition (or one just removed by a spool flush).
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
    OpenStaged(dir, unnamed, &staged);
  }
  if (staged.fd < 0) return Errno("cannot create a file in", dir);
  Status st = base::WriteAll(staged.fd, object.body, dir);
  if (st.ok() && ::fsync(staged.fd) != 0) st = Errno("cannot fsync a new file in", dir);
  if (!st.ok()) return st;

  // 2. Published under the first free key; link(2) never replaces an existing name.
  for (int n = 0; n < kMaxCollisions; ++n) {
    const std::string key = n == 0 ? object.key : CollisionKey(object.key, n);
    const std::string path = (fs::path(root_) / key).string();
    if (staged.LinkTo(path)) {
      // The record is published; a failed directory fsync only weakens its durability.
      (void)base::SyncDirectory(dir);
      return key;
    }
    // Errors name the partition, never the key: a key holds the city asked about, and errors
    // reach the function's log.
    if (errno != EEXIST) return Errno("cannot publish a record in", dir);
    Result<std::string> existing = ReadInside(root_, key, Describe());
    if (existing.ok() && *existing == object.body) {
      return key;  // the same record, written before: nothing to do
    }
  }
  return Status::ResourceExhausted("more than 1000 records share one key in " + dir);
}

Result<std::vector<std::string>> DirectoryStore::List(std::string_view prefix) {
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return keys;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    // Links are never records: they may point anywhere (Get refuses them too).
    if (it->is_symlink() || !it->is_regular_file()) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (base::StartsWith(key, prefix) && IsSafeKey(key)) keys.push_back(std::move(key));
  }
  if (ec) return Status::IOError("cannot list " + root_ + ": " + ec.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::string> DirectoryStore::Get(std::string_view key) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe record key");
  Result<std::string> body = ReadInside(root_, key, Describe());
  if (!body.ok() && body.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no record " + std::string(key) + " in " + Describe());
  }
  return body;
}

Status DirectoryStore::Remove(std::string_view key) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe record key");
  const fs::path path = fs::path(root_) / std::string(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound("no record " + std::string(key));
    return Errno("cannot remove", path.string());
  }
  std::error_code ec;
  if (path.parent_path() != fs::path(root_)) fs::remove(path.parent_path(), ec);  // only if empty
  return Status::Ok();
}

}  // namespace raincheck::store
