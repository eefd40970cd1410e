// Fuzz target: the offline gazetteer's index (docs/providers.md) read by Gazetteer::FromBytes,
// then looked up. Each input is tried as it is (header, sizes and checksum checks) and
// "resealed" with a correct checksum, so that mutations reach the lookups behind it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/checksum.h"
#include "fuzz/fake_http.h"
#include "providers/gazetteer.h"

namespace {

// Rewrites the index's checksum (providers/gazetteer.cc, format 3: XXH64 of the bytes after the
// header, a u64 at offset 32; the header's size is the u32 at offset 20).
std::string Reseal(std::string_view input) {
  std::string s(input);
  if (s.size() < 40) return s;
  uint32_t header = 0;
  std::memcpy(&header, s.data() + 20, 4);
  if (header < 40 || header > s.size()) return s;
  const uint64_t sum = raincheck::base::Xxh64(std::string_view(s).substr(header));
  std::memcpy(s.data() + 32, &sum, 8);
  return s;
}

void Try(std::string bytes) {
  using namespace raincheck;
  const auto gazetteer = providers::Gazetteer::FromBytes(std::move(bytes));
  if (!gazetteer.ok()) return;
  for (const char* query : {"Cape Town", "paris, fr", "Sao Paulo, Brazil", "Portland, Oregon",
                            "München", "Springfield, XX", "Cpae Town"}) {
    // A checksummed index is trusted for its values; every lookup still ends in an answer.
    const auto place = (*gazetteer)->Lookup(query);
    if (!place.ok() && place.status().message().empty()) __builtin_trap();
    (void)(*gazetteer)->Suggestions(query);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = raincheck::fuzz::AsText(data, size);
  Try(std::string(bytes));
  Try(Reseal(bytes));
  return 0;
}
