// XXH64 (seed 0), the model file's checksum: fast enough that checking a large model costs
// a small fraction of loading it. Hand-written (~60 lines) so that the predict side depends
// on nothing but the standard library and nlohmann-json; see docs/model_format.md.
#ifndef RAINCHECK_FOREST_CHECKSUM_H_
#define RAINCHECK_FOREST_CHECKSUM_H_

#include <cstdint>
#include <string_view>

namespace raincheck::forest {

// XXH64 of `bytes` with seed 0, as `xxhsum -H1` prints it: Xxh64("") == 0xEF46DB3751D8E999.
uint64_t Xxh64(std::string_view bytes);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_CHECKSUM_H_
