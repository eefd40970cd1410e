// The JSON that scripts/export_sklearn.py writes for a scikit-learn tree ensemble
// (RandomForestClassifier, ExtraTreesClassifier, DecisionTreeClassifier: the mean of the
// trees' class probabilities; binary GradientBoostingClassifier with the log-loss: the sum of
// the learning-rate-scaled leaf values from the initial raw prediction, then the logistic
// link) -> forest::Model. The format is documented in docs/import.md. scikit-learn compares
// its float32 input with float64 thresholds, `x <= threshold` going left: each threshold
// becomes the largest float32 at or below it, which sends every float32 x the same way.
#ifndef RAINCHECK_FOREST_IMPORT_SKLEARN_H_
#define RAINCHECK_FOREST_IMPORT_SKLEARN_H_

#include <string_view>

#include "base/status.h"
#include "forest/import_common.h"
#include "forest/model.h"

namespace raincheck::forest {

// The importers' contract (forest/import_common.h). Not supported: more than two classes, an
// unknown combination. Corruption also for the wrong format tag or version, or a leaf's
// probabilities not summing to 1.
Result<Model> ImportSklearn(std::string_view json_text, const ImportOptions& options);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_IMPORT_SKLEARN_H_
