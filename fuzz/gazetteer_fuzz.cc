// Fuzz target: the offline gazetteer's index (docs/providers.md) read by Gazetteer::FromBytes,
// then looked up. Each input is tried as it is (header, sizes and checksum checks) and
// "resealed" with a correct checksum, so that mutations reach the lookups behind it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz/fake_http.h"
#include "providers/gazetteer.h"

namespace {

// The index's checksum (providers/gazetteer.cc): FNV-1a (64-bit) over little-endian 8-byte
// words of the bytes after the header, the tail zero-padded, folded to 32 bits.
uint32_t Checksum(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i < 8 ? bytes.size() - i : 8);
    h = (h ^ w) * 1099511628211ull;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

std::string Reseal(std::string_view input) {
  std::string s(input);
  if (s.size() < 32) return s;
  uint32_t header = 0;
  std::memcpy(&header, s.data() + 24, 4);
  if (header < 32 || header > s.size()) return s;
  const uint32_t sum = Checksum(std::string_view(s).substr(header));
  std::memcpy(s.data() + 20, &sum, 4);
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
