// Records as files under a local directory: <root>/dt=YYYY-MM-DD/<key>.
#ifndef RAINCHECK_STORE_DIRECTORY_STORE_H_
#define RAINCHECK_STORE_DIRECTORY_STORE_H_

#include <string>

#include "store/record_store.h"

namespace raincheck::store {

// Each write goes to a file in the target directory that nobody can see yet, is fsynced,
// then published with link(2), which fails instead of replacing an existing file, and the
// directory is fsynced: a record is either absent or complete, and never overwritten,
// across threads and processes. Needs a
// filesystem with hard links (any Linux local filesystem, Lambda's /tmp). Deadlines are not
// enforced (local writes do not block on the network). Thread-safe.
class DirectoryStore final : public RecordStore {
 public:
  // How a record is staged before it is linked to its key.
  enum class Staging {
    kAuto,       // an unnamed O_TMPFILE inode where the filesystem and /proc allow it
    kNamedFile,  // always a private dot-file, linked then unlinked
  };

  DirectoryStore(std::string root, RecordFormat format, Staging staging = Staging::kAuto);

  Result<std::string> Put(const Record& record, base::TimePoint deadline) override;
  Result<std::string> Write(const EncodedRecord& object, base::TimePoint deadline) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Result<std::string> Get(std::string_view key) override;
  std::string Describe() const override { return "dir:" + root_; }

  // Deletes `key` (and its partition directory when that becomes empty). NotFound when
  // absent.
  Status Remove(std::string_view key);

  const std::string& root() const { return root_; }

 private:
  std::string root_;
  RecordFormat format_;
  Staging staging_;
};

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_DIRECTORY_STORE_H_
