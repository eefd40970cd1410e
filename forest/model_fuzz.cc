// Fuzz target for the model loader. Built with -fsanitize=fuzzer when RAINCHECK_LIBFUZZER is
// on (clang); otherwise fuzz_main.cc gives it a main() that runs files given on the command
// line, which is how the test suite replays the corpus.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "forest/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto model = raincheck::forest::Model::FromBytes(bytes);
  if (model.ok()) {
    // A model that loads must predict without faults, NaN rows included.
    std::vector<float> row(model->schema().size(), 0.5f);
    (void)model->PredictProba(row);
    row.assign(row.size(), __builtin_nanf(""));
    (void)model->PredictProba(row);
    (void)model->ToBytes();
  }
  return 0;
}
