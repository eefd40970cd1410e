#include "base/checksum.h"

// Header-only use of libxxhash: the functions are compiled here, with XXH64 inlined.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace raincheck::base {

uint64_t Xxh64(std::string_view bytes) {
  return static_cast<uint64_t>(XXH64(bytes.data(), bytes.size(), 0));
}

}  // namespace raincheck::base
