// Whole-file reads and atomic writes.
#ifndef RAINCHECK_BASE_FILE_H_
#define RAINCHECK_BASE_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace raincheck::base {

// Reads a whole file ("-" is stdin). IOError naming the path and the reason on failure.
Result<std::string> ReadFile(const std::string& path);

// Reads the open descriptor `fd` to its end (it stays open). IOError "cannot read 'NAME':
// reason", where `name` says what `fd` is (a path, "stdin").
Result<std::string> ReadAll(int fd, const std::string& name);

// Writes all of `data` to the open descriptor `fd`, through short writes and interrupted
// calls. IOError "cannot write 'NAME': reason", where `name` says what `fd` is.
Status WriteAll(int fd, std::string_view data, const std::string& name);

// A whole file mapped read-only: `bytes` stay valid while a copy of `owner` lives.
struct MappedFile {
  std::shared_ptr<const void> owner;  // unmaps the file with its last copy
  std::string_view bytes;
};

// Maps the regular file `path` read-only and private; `populate` faults every page in now, in
// one call, instead of page by page on first touch. An empty file gives empty bytes. NotFound
// when it does not exist, IOError for anything else, naming the path and the reason. A mapped
// file must be replaced by renaming a new one over it, not rewritten in place: truncating it
// would make its readers fault.
Result<MappedFile> MapFile(const std::string& path, bool populate);

// Writes `data` to a new temporary file beside `path` (same directory, so the rename stays on
// one filesystem), fsyncs it, renames it over `path` and fsyncs the directory: after a crash
// `path` holds the old bytes or the new ones, never a mix, and a reader that mapped the old file
// keeps it. On failure no temporary file is left behind. IOError naming the path and the
// reason ("cannot create '<dir>/x.tmp-...': Permission denied").
Status WriteFileAtomic(const std::string& path, std::string_view data);

// Only a regular file (or a path that does not exist yet) is replaced this way. A path that
// names something else, such as /dev/null, /dev/stdout or a FIFO, is opened and written in
// place: renaming over it would replace a device with a plain file. A symbolic link to a regular
// file is followed, and the file it names is replaced, not the link.
//
// WriteFileAtomic in pieces, for outputs too large to hold in memory:
//   AtomicFileWriter w;
//   RC_RETURN_IF_ERROR(w.Open(path));
//   RC_RETURN_IF_ERROR(w.Append(chunk));  // as often as needed
//   RC_RETURN_IF_ERROR(w.Commit());       // fsync, rename, fsync of the directory
// Destroying it before Commit (an error, an exception) removes the temporary file and leaves
// `path` as it was. Not thread-safe.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  Status Open(const std::string& path);
  Status Append(std::string_view data);
  Status Commit();
  // Removes the temporary file; `path` is left as it was. Idempotent.
  void Abort();

 private:
  int fd_ = -1;
  std::string path_;
  std::string tmp_;  // empty when writing `path_` in place (a device, a FIFO)
};

// fsyncs the directory `dir` so that a rename or link in it survives a crash. IOError naming
// the directory and the reason.
Status SyncDirectory(const std::string& dir);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_FILE_H_
