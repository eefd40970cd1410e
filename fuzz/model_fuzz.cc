// Fuzz target for the model loader. Built with libFuzzer in the fuzz preset (clang);
// otherwise fuzz_main.cc gives it a main() that runs files given on the command line, which is
// how the test suite replays the corpus (fuzz/CMakeLists.txt, docs/fuzzing.md).
//
// Each input is tried twice: as it is (exercising the header, length and checksum checks),
// and "resealed" with a correct length field and checksum, so that mutations reach the
// section parsers and the model validation behind the checksum.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/checksum.h"
#include "forest/model.h"
#include "forest/model_file.h"

namespace {

void Try(std::string_view bytes) {
  auto model = raincheck::forest::Model::FromBytes(bytes);
  if (!model.ok()) return;
  // A model that loads must predict without faults, NaN rows included, and round-trip.
  std::vector<float> row(model->schema().size(), 0.5f);
  (void)model->PredictProba(row);
  row.assign(row.size(), __builtin_nanf(""));
  (void)model->PredictProba(row);
  auto again = raincheck::forest::Model::FromBytes(model->ToBytes());
  if (!again.ok()) __builtin_trap();
}

std::string Reseal(std::string_view input) {
  using namespace raincheck::forest;
  std::string s(input);
  if (s.size() < kModelHeaderSize + kModelTrailerSize) return s;
  const uint64_t total = s.size();
  for (size_t i = 0; i < 8; ++i) s[16 + i] = static_cast<char>((total >> (8 * i)) & 0xFFu);
  const size_t body = s.size() - kModelTrailerSize;
  const uint64_t sum = raincheck::base::Xxh64(std::string_view(s).substr(0, body));
  for (size_t i = 0; i < 8; ++i) s[body + i] = static_cast<char>((sum >> (8 * i)) & 0xFFu);
  s.replace(body + 8, 4, kModelEndMagic);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Try(bytes);
  Try(Reseal(bytes));
  return 0;
}
