// Fuzz target for the CSV reader and the numeric cell parser (see model_fuzz.cc for how it
// is built and run).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forest/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = raincheck::forest::ParseCsv(text);
  if (table.ok()) {
    for (const auto& row : table->rows) {
      if (row.size() != table->header.size()) __builtin_trap();
      for (const auto& cell : row) (void)raincheck::forest::ParseNumericCell(cell);
    }
  }
  return 0;
}
