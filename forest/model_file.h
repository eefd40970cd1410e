// Constants of the model file format (docs/model_format.md).
#ifndef RAINCHECK_FOREST_MODEL_FILE_H_
#define RAINCHECK_FOREST_MODEL_FILE_H_

#include <cstdint>
#include <string_view>

namespace raincheck::forest {

inline constexpr std::string_view kModelMagic = "RCFOREST";  // 8 bytes at offset 0
inline constexpr std::string_view kModelEndMagic = "RCF!";   // last 4 bytes
inline constexpr uint16_t kModelFormatMajor = 1;  // readers refuse any other major version
inline constexpr uint16_t kModelFormatMinor = 1;  // readers accept any minor version
                                                  // (1.1: the KIND section, boosted trees)
inline constexpr size_t kModelHeaderSize = 24;    // magic, major, minor, flags, file length
inline constexpr size_t kModelTrailerSize = 12;   // XXH64 checksum, end magic
inline constexpr uint32_t kSectionRequired = 1;   // section flag: refuse the file if unknown

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_MODEL_FILE_H_
