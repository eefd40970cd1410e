// Whole-file reads and atomic writes.
#ifndef RAINCHECK_BASE_FILE_H_
#define RAINCHECK_BASE_FILE_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace raincheck::base {

// Reads a whole file ("-" is stdin). IOError naming the path and the reason on failure.
Result<std::string> ReadFile(const std::string& path);

// Writes `data` to a temporary file beside `path`, fsyncs it and renames it over `path`.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_FILE_H_
