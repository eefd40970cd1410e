#include "store/directory_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <random>

#include "base/strings.h"

namespace raincheck::store {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCollisions = 1000;

Status Errno(std::string_view what, std::string_view where) {
  return Status::IOError(std::string(what) + " " + std::string(where) + ": " + std::strerror(errno));
}

std::string TempName() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  std::snprintf(buf, sizeof buf, ".tmp-%d-%llu-%016llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(counter++), static_cast<unsigned long long>(rng()));
  return buf;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

Result<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no such record");
    return Errno("cannot open", path);
  }
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

DirectoryStore::DirectoryStore(std::string root, RecordFormat format)
    : root_(std::move(root)), format_(format) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Result<std::string> DirectoryStore::Put(const Record& record, base::TimePoint deadline) {
  RC_ASSIGN_OR_RETURN(EncodedRecord object, EncodeRecord(record, format_));
  return Write(object, deadline);
}

Result<std::string> DirectoryStore::Write(const EncodedRecord& object, base::TimePoint) {
  if (!IsSafeKey(object.key)) return Status::InvalidArgument("unsafe record key");
  const fs::path target = fs::path(root_) / object.key;
  const std::string dir = target.parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());

  // 1. The bytes go to a private temporary file, flushed to disk.
  const std::string tmp = dir + "/" + TempName();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {  // the partition was just removed by a spool flush
    fs::create_directories(dir, ec);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) return Errno("cannot create", tmp);
  Status st = WriteAll(fd, object.body, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("cannot fsync", tmp);
  if (::close(fd) != 0 && st.ok()) st = Errno("cannot close", tmp);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }

  // 2. Published under the first free key; link(2) never replaces an existing name.
  Result<std::string> result = Status::Internal("no free key");
  for (int n = 0; n < kMaxCollisions; ++n) {
    const std::string key = n == 0 ? object.key : CollisionKey(object.key, n);
    const std::string path = (fs::path(root_) / key).string();
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      SyncDirectory(dir);
      result = key;
      break;
    }
    if (errno != EEXIST) {
      result = Errno("cannot publish", path);
      break;
    }
    Result<std::string> existing = ReadFile(path);
    if (existing.ok() && *existing == object.body) {
      result = key;  // the same record, written before: nothing to do
      break;
    }
  }
  ::unlink(tmp.c_str());
  if (!result.ok() && result.status().code() == StatusCode::kInternal) {
    return Status::ResourceExhausted("more than 1000 records share the key " + object.key);
  }
  return result;
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
    if (!it->is_regular_file()) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (base::StartsWith(key, prefix) && IsSafeKey(key)) keys.push_back(std::move(key));
  }
  if (ec) return Status::IOError("cannot list " + root_ + ": " + ec.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::string> DirectoryStore::Get(std::string_view key) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe record key");
  Result<std::string> body = ReadFile((fs::path(root_) / std::string(key)).string());
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
