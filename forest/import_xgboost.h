// XGBoost's JSON model format (`Booster.save_model("m.json")`, XGBoost 1.x) -> forest::Model.
// Supported: the gbtree booster (num_parallel_tree >= 1, so XGBoost's random-forest mode
// too) with the objectives binary:logistic (a classifier: P(positive) through the logistic
// link) and reg:squarederror (regression); numerical splits only. The model predicts what
// XGBoost predicts, bit for bit in the margin: `x < threshold` becomes `x <= the float below
// threshold`, a missing value follows default_left, and the leaf values are added in float32
// in tree order from the base margin, as XGBoost adds them (docs/import.md).
#ifndef RAINCHECK_FOREST_IMPORT_XGBOOST_H_
#define RAINCHECK_FOREST_IMPORT_XGBOOST_H_

#include <string_view>

#include "base/status.h"
#include "forest/import_common.h"
#include "forest/model.h"

namespace raincheck::forest {

// The importers' contract (forest/import_common.h). Not supported: another objective or
// booster, multi-class or multi-target, categorical splits, a feature name list that
// disagrees. Not JSON includes the binary UBJSON format.
Result<Model> ImportXgboost(std::string_view json_text, const ImportOptions& options);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_IMPORT_XGBOOST_H_
