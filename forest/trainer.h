// The random forest trainer (Breiman; scikit-learn's RandomForestClassifier semantics):
// bootstrap samples, a random feature subset per split, best splits by Gini or entropy, a
// learned direction for missing values at every split. Binary labels.
//
// Split search: exact (every boundary between distinct values of the node, as scikit-learn)
// or on histograms of quantile bins (forest/binning.h: one pass over the node's rows per
// feature, then at most 255 boundaries), which is what makes large training sets fast. By
// default large nodes use histograms and small ones the exact search; see docs/forest.md.
#ifndef RAINCHECK_FOREST_TRAINER_H_
#define RAINCHECK_FOREST_TRAINER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "forest/dataset.h"
#include "forest/forest_ir.h"

namespace raincheck::forest {

enum class Criterion { kGini, kEntropy };

enum class SplitSearch {
  kAuto,       // exact for small training sets and small nodes, histograms otherwise
  kExact,      // exact everywhere (scikit-learn's search)
  kHistogram,  // histograms everywhere
};

// Under SplitSearch::kAuto, training sets of fewer rows use the exact search throughout (so
// small models are what scikit-learn's search gives); in larger ones, nodes of at least
// kHistogramMinNodeRows distinct rows are split on histograms and smaller nodes exactly.
// Both were chosen by measurement: see docs/forest.md.
inline constexpr size_t kHistogramMinRows = 10000;
inline constexpr size_t kHistogramMinNodeRows = 128;

struct ForestParams {
  int n_estimators = 100;
  int max_depth = -1;  // -1: unlimited
  int min_samples_split = 2;
  int min_samples_leaf = 1;
  std::string max_features = "sqrt";  // "sqrt", "log2", "all", an int, or a fraction in (0, 1]
  Criterion criterion = Criterion::kGini;
  bool class_weight_balanced = false;
  bool bootstrap = true;
  SplitSearch split_search = SplitSearch::kAuto;
  int max_bins = 255;  // value bins per feature for histogram search, 2..255
  uint64_t seed = 42;

  // Sets one parameter by its scikit-learn name (n_estimators, max_depth ("none" = unlimited),
  // min_samples_split, min_samples_leaf, max_features, criterion, class_weight
  // ("balanced"|"none"), bootstrap ("true"|"false")) and raincheck's split_search
  // ("auto"|"exact"|"histogram") and max_bins (2..255). InvalidArgument for an unknown name or
  // a bad value.
  Status Set(std::string_view name, std::string_view value);
  nlohmann::json ToJson() const;
  // Number of features tried per split for `n_features` features; InvalidArgument when
  // max_features is malformed.
  Result<size_t> MaxFeatures(size_t n_features) const;
};

struct TrainedForest {
  std::vector<TreeArrays> trees;
  // Out-of-bag P(class 1) per training row (NaN when the row was in every bootstrap sample);
  // empty without bootstrap.
  std::vector<double> oob_proba;
  double oob_accuracy = 0.0;                // NaN when no row was out of bag
  std::vector<double> impurity_importance;  // per feature, sums to 1 (or all 0)
};

// Trains on the rows `rows` of `data` (labels required). `jobs` threads (>= 1) build trees in
// parallel; the result is identical for every `jobs`. InvalidArgument for bad parameters or
// fewer than two rows.
Result<TrainedForest> TrainForest(const Dataset& data, std::span<const uint32_t> rows,
                                  const ForestParams& params, int jobs);

// How many times TrainForest draws each of `m` training rows (the rows it is given, in that
// order) into tree `tree`'s bootstrap sample: 0 for the tree's out-of-bag rows. All 1 without
// bootstrap.
std::vector<uint32_t> InBagCounts(const ForestParams& params, size_t tree, size_t m);

// The training set of `rows` rows is binned for histogram search.
bool BinsTrainingSet(SplitSearch search, size_t rows);
// A node of `rows` distinct rows of a binned training set is split on histograms.
bool UsesHistogram(SplitSearch search, size_t rows);

// P(class 1) of one tree (tree-local indices) for one row.
double TreeProba(const TreeArrays& tree, const float* row);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_TRAINER_H_
