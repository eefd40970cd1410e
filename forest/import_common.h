// What the model importers (forest/import_xgboost.h, forest/import_sklearn.h) share: their
// options, the exact translation of another library's split conditions into raincheck's
// `x <= threshold` on float32, feature names, and the card of an imported model
// (docs/import.md).
#ifndef RAINCHECK_FOREST_IMPORT_COMMON_H_
#define RAINCHECK_FOREST_IMPORT_COMMON_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "forest/schema.h"

namespace raincheck::forest {

struct ImportOptions {
  // Feature names for a model that does not name its features (in the model's column
  // order). When the model names them too, the two lists must agree.
  std::vector<std::string> features;
  std::string name;         // the card's "name"
  std::string source_file;  // the file the model came from, recorded in the card
};

// The largest float f with f <= t: for every float x, x <= t (compared in double, as
// scikit-learn compares its float32 input with its float64 thresholds) exactly when x <= f.
// t must not be NaN.
float FloatAtOrBelow(double t);

// The largest float below t: for every float x, x < t exactly when x <= FloatBelow(t) (the
// translation of XGBoost's `x < threshold`). t must be finite or +inf.
float FloatBelow(float t);

// The schema of an imported model with `n` features: `model_names` when the model has them
// (non-empty), else options.features, else "f0", "f1", ... InvalidArgument naming the
// disagreement when a list has the wrong length, repeats a name or differs from the other.
// Units are unknown ("").
Result<FeatureSchema> ImportedSchema(const std::vector<std::string>& model_names, size_t n,
                                     const ImportOptions& options);

// The card of an imported model: name, a one-line description, "created_by", the features,
// "data" (the source file's name) and "imported_from" (`source`, to which the file name is
// added; the same object as "provenance", which `raincheck inspect` lists).
nlohmann::json ImportedCard(const ImportOptions& options, const FeatureSchema& schema,
                            const std::string& description, nlohmann::json source);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_IMPORT_COMMON_H_
