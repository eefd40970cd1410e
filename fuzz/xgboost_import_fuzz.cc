// Fuzz target: XGBoost's JSON model (save_model to .json), read by forest::ImportXgboost
// (raincheck import --from xgboost). A model that imports must predict without faults and
// survive the model file's round trip.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "forest/import_xgboost.h"
#include "forest/model.h"
#include "fuzz/fake_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const auto model = forest::ImportXgboost(fuzz::AsText(data, size), forest::ImportOptions{});
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
