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

// Writes `data` to a temporary file beside `path`, fsyncs it and renames it over `path`.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_FILE_H_
