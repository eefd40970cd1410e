// What the model importers (forest/import_xgboost.h, forest/import_sklearn.h) share: their
// options, their contract, the walk that reads and checks one tree of another library's
// file, the exact translation of its split conditions into raincheck's `x <= threshold` on
// float32, feature names, and the card of an imported model (docs/import.md).
//
// The importers' contract: pure functions, JSON text -> forest::Model, that predict what the
// library predicts (docs/import.md, "Exactness"). InvalidArgument with one line naming what
// raincheck does not support; Corruption when the text is not JSON or not well-formed in the
// format (a missing array or one of the wrong length, a child index out of range, a node
// reached twice, a leaf value that is not finite).
#ifndef RAINCHECK_FOREST_IMPORT_COMMON_H_
#define RAINCHECK_FOREST_IMPORT_COMMON_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "forest/forest_ir.h"
#include "forest/schema.h"

namespace raincheck::forest {

struct ImportOptions {
  // Feature names for a model that does not name its features (in the model's column
  // order). When the model names them too, the two lists must agree.
  std::vector<std::string> features;
  std::string name;         // the card's "name"
  std::string source_file;  // the file the model came from, recorded in the card
};

// One tree of an imported file, its nodes by the file's index, and what differs between
// formats.
struct ImportedTree {
  std::string where;                     // "tree 3": how messages name the tree
  std::string malformed;                 // the start of a Corruption message for this format
  std::span<const int64_t> left, right;  // children by file index; left == -1 marks a leaf
  std::span<const int64_t> feature;      // a split's feature index
  size_t n_features = 0;
  // Appends leaf i's value(s) to `values`, or the error (a Corruption for a bad value).
  std::function<Status(size_t i, std::vector<float>& values)> leaf;
  // Split i's threshold for `x <= threshold` and whether a missing value goes left (0 or 1),
  // or the error (InvalidArgument for what is not supported, Corruption for a bad value).
  // Called after the feature index was checked.
  std::function<Status(size_t i, float& threshold, uint8_t& missing_left)> split;
};

// Reads the tree from its root (file index 0): the nodes in the order they are reached,
// children after their parents (what ModelBuilder::AddTree takes), so the file's node
// numbering and unreachable nodes do not matter. Corruption (tree.malformed + "<where>: ...")
// for a child index out of range, a node reached twice or a split feature out of range;
// the callbacks' errors as they return them. left, right and feature have the same size.
Result<TreeArrays> ReadImportedTree(const ImportedTree& tree);

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
