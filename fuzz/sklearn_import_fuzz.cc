// Fuzz target: a scikit-learn ensemble as scripts/export_sklearn.py writes it, read by
// forest::ImportSklearn (raincheck import --from sklearn). A model that imports must predict
// without faults and survive the model file's round trip.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "forest/import_sklearn.h"
#include "forest/model.h"
#include "fuzz/fake_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const auto model = forest::ImportSklearn(fuzz::AsText(data, size), forest::ImportOptions{});
  if (!model.ok()) {
    if (model.status().message().empty()) __builtin_trap();
    return 0;
  }
  std::vector<float> row(model->schema().size(), 0.5f);
  (void)model->PredictProba(row);
  row.assign(row.size(), __builtin_nanf(""));
  (void)model->PredictProba(row);
  if (!forest::Model::FromBytes(model->ToBytes()).ok()) __builtin_trap();
  return 0;
}
