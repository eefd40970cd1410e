// Zip archives (libzip): writing the function and layer zips with Unix modes kept in the
// entries' external attributes (Lambda extracts them, so `bootstrap` stays executable), and
// listing them back for checks.
#ifndef RAINCHECK_PACKAGING_ZIP_H_
#define RAINCHECK_PACKAGING_ZIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::packaging {

struct ZipEntry {
  std::string name;      // path inside the archive, '/'-separated, no leading '/'
  std::string data;      // the contents
  uint32_t mode = 0644;  // Unix permission bits
};

// Writes `entries` (deflated, in order) to `path`, replacing it. Fails on duplicate or unsafe
// names (absolute, "..").
Status WriteZip(const std::string& path, const std::vector<ZipEntry>& entries);

struct ZipListing {
  std::string name;
  uint32_t mode = 0;  // Unix permission bits from the external attributes (0 if none)
  bool unix_attributes = false;
  uint64_t size = 0;  // uncompressed
  uint64_t compressed_size = 0;
};

Result<std::vector<ZipListing>> ListZip(const std::string& path);

// The uncompressed contents of one entry.
Result<std::string> ReadZipEntry(const std::string& path, const std::string& name);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_ZIP_H_
