// Model selection: train/test splits, cross-validation folds and grid search.
#ifndef RAINCHECK_FOREST_SELECTION_H_
#define RAINCHECK_FOREST_SELECTION_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "forest/dataset.h"
#include "forest/metrics.h"
#include "forest/trainer.h"

namespace raincheck::forest {

enum class CvKind { kRandom, kTime };
Result<CvKind> ParseCvKind(std::string_view name);
std::string CvKindName(CvKind k);

struct Split {
  std::vector<uint32_t> train, test;
};

// kRandom: the rows scikit-learn's train_test_split(test_size=f, random_state=seed) picks
// (ceil(f * n) test rows; training rows in that permutation's order). kTime: the last
// ceil(f * n) rows are the test set, the rest (in file order) the training set.
Split TrainTestSplit(size_t n, double test_fraction, CvKind kind, uint32_t seed);

// Folds over positions 0..y.size()-1 of the training rows, each {fit positions, validation
// positions}. kRandom: scikit-learn's StratifiedKFold(k) without shuffling (the rows are
// already in random order). kTime: scikit-learn's TimeSeriesSplit(k): fold i fits on
// everything before its validation block. InvalidArgument when k < 2 or there are too few
// rows.
Result<std::vector<Split>> MakeFolds(const std::vector<uint8_t>& y, int k, CvKind kind);

// 'n_estimators=10,20;max_depth=8,9' (or with spaces instead of ';') -> ordered (name, values)
// pairs, names sorted as scikit-learn's ParameterGrid does. InvalidArgument for a malformed grid.
using Grid = std::vector<std::pair<std::string, std::vector<std::string>>>;
Result<Grid> ParseGrid(std::string_view text);
// Every combination, the last parameter varying fastest.
std::vector<std::vector<std::pair<std::string, std::string>>> ExpandGrid(const Grid& grid);

struct GridPoint {
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<double> fold_scores;
  double mean = 0.0, std = 0.0;
};

struct GridSearchResult {
  std::vector<GridPoint> points;
  size_t best = 0;  // first point with the best mean score
};

// (done, total, what) after each fit.
using ProgressFn = std::function<void(size_t done, size_t total, const std::string& what)>;

// Cross-validates every grid point on the rows `rows` of `data` (positions as MakeFolds),
// each fit starting from `base` with the point's parameters applied.
Result<GridSearchResult> GridSearch(const Dataset& data, const std::vector<uint32_t>& rows,
                                    const ForestParams& base, const Grid& grid, int folds,
                                    CvKind kind, MetricKind metric, int jobs,
                                    const ProgressFn& progress);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_SELECTION_H_
