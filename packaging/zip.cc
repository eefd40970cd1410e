#include "packaging/zip.h"

#include <zip.h>

#include <cstdio>
#include <memory>
#include <set>
#include <utility>

namespace raincheck::packaging {
namespace {

constexpr uint8_t kOpsysUnix = ZIP_OPSYS_UNIX;
constexpr uint32_t kRegularFile = 0100000;

bool SafeName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string ZipError(zip_t* archive) { return zip_strerror(archive); }

struct Discard {
  void operator()(zip_t* z) const { zip_discard(z); }
};

Result<std::unique_ptr<zip_t, Discard>> OpenForReading(const std::string& path) {
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (z == nullptr) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    std::string message = path + ": " + zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return Status::IOError(message);
  }
  return std::unique_ptr<zip_t, Discard>(z);
}

}  // namespace

Status WriteZip(const std::string& path, const std::vector<ZipEntry>& entries) {
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (!SafeName(e.name)) return Status::InvalidArgument("unsafe zip entry name '" + e.name + "'");
    if (!seen.insert(e.name).second) {
      return Status::InvalidArgument("duplicate zip entry '" + e.name + "'");
    }
  }
  const std::string tmp = path + ".tmp";
  std::remove(tmp.c_str());
  int error = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (z == nullptr)
    return Status::IOError(tmp + ": cannot create zip (libzip error " + std::to_string(error) +
                           ")");
  for (const auto& e : entries) {
    zip_source_t* src = zip_source_buffer(z, e.data.data(), e.data.size(), 0);
    if (src == nullptr) {
      Status s = Status::Internal(e.name + ": " + ZipError(z));
      zip_discard(z);
      return s;
    }
    const zip_int64_t index = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(src);
      Status s = Status::Internal(e.name + ": " + ZipError(z));
      zip_discard(z);
      return s;
    }
    const auto idx = static_cast<zip_uint64_t>(index);
    const zip_uint32_t attributes = (kRegularFile | (e.mode & 07777)) << 16;
    if (zip_file_set_external_attributes(z, idx, 0, kOpsysUnix, attributes) != 0 ||
        zip_set_file_compression(z, idx, ZIP_CM_DEFLATE, 9) != 0 ||
        zip_file_set_mtime(z, idx, 315532800, 0) != 0) {  // 1980-01-01: reproducible archives
      Status s = Status::Internal(e.name + ": " + ZipError(z));
      zip_discard(z);
      return s;
    }
  }
  // zip_source_buffer does not copy: `entries` must outlive zip_close, which it does.
  if (zip_close(z) != 0) {
    Status s = Status::IOError(tmp + ": " + ZipError(z));
    zip_discard(z);
    std::remove(tmp.c_str());
    return s;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot rename the finished zip into place");
  }
  return Status::Ok();
}

Result<std::vector<ZipListing>> ListZip(const std::string& path) {
  RC_ASSIGN_OR_RETURN(auto z, OpenForReading(path));
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  std::vector<ZipListing> out;
  for (zip_int64_t i = 0; i < n; ++i) {
    const auto idx = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), idx, 0, &st) != 0)
      return Status::Corruption(path + ": " + ZipError(z.get()));
    ZipListing l;
    l.name = st.name;
    l.size = st.size;
    l.compressed_size = st.comp_size;
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(z.get(), idx, 0, &opsys, &attributes) == 0 &&
        opsys == kOpsysUnix) {
      l.unix_attributes = true;
      l.mode = (attributes >> 16) & 07777;
    }
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::string> ReadZipEntry(const std::string& path, const std::string& name) {
  RC_ASSIGN_OR_RETURN(auto z, OpenForReading(path));
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(z.get(), name.c_str(), 0, &st) != 0)
    return Status::NotFound(path + ": no entry " + name);
  zip_file_t* f = zip_fopen(z.get(), name.c_str(), 0);
  if (f == nullptr) return Status::Corruption(path + ": " + ZipError(z.get()));
  std::string data(static_cast<size_t>(st.size), '\0');
  const zip_int64_t got = zip_fread(f, data.data(), st.size);
  zip_fclose(f);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
    return Status::Corruption(path + ": short read of " + name);
  return data;
}

}  // namespace raincheck::packaging
