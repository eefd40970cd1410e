// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), for the model file's checksum.
#ifndef RAINCHECK_FOREST_CRC32_H_
#define RAINCHECK_FOREST_CRC32_H_

#include <cstdint>
#include <string_view>

namespace raincheck::forest {

// CRC-32 of `bytes`; Crc32("123456789") == 0xCBF43926.
uint32_t Crc32(std::string_view bytes);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_CRC32_H_
