// The `train`, `evaluate` and `predict` workflows on CSV data, independent of the command
// line: what the cli/ verbs call.
#ifndef RAINCHECK_FOREST_PIPELINE_H_
#define RAINCHECK_FOREST_PIPELINE_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "forest/csv.h"
#include "forest/dataset.h"
#include "forest/model.h"
#include "forest/model_info.h"
#include "forest/selection.h"

namespace raincheck::forest {

struct TrainOptions {
  std::string data_path;
  std::vector<std::string> features;
  std::map<std::string, std::string> units;  // feature -> unit; others are "unspecified"
  LabelSpec label;
  std::string grid;  // --grid; "" trains the defaults (n_estimators=100, ...)
  int cv = 5;        // folds; < 2 skips cross-validation (then the grid must be one point)
  CvKind cv_kind = CvKind::kRandom;
  double test_fraction = 0.2;
  // With a test set: after the held-out evaluation, fit the chosen parameters again on every
  // labelled row and ship that model (scikit-learn's GridSearchCV refit). The card says which
  // model its metrics describe. No effect without a test set.
  bool refit = true;
  uint64_t seed = 42;
  MetricKind metric = MetricKind::kAccuracy;
  int jobs = 1;
  std::string name;           // card "name"; "" -> "model"
  std::string model_version;  // card "version"; "" -> a hash of the trees
  nlohmann::json card_extra = nlohmann::json::object();  // merged into the card (provenance...)
  // Where the training data came from: card "home" (forest/model_info.h). An empty `source`
  // becomes "csv:<data file name>"; empty `from` / `to` become the first and last cells of the
  // data's "date" column when it has one. nullopt: the card claims no home.
  std::optional<ModelHome> home;
  // Card label.definition in words ("precipitation tomorrow >= 0.1 mm"); "" -> label.Describe().
  std::string label_definition;
};

// Checks what can be checked without reading the data: at least one feature, a test fraction
// in [0, 1), units naming features only, a grid that parses, several grid points only with
// cv >= 2. InvalidArgument naming the option: a fault of the command line. Train calls it first.
Status CheckTrainOptions(const TrainOptions& options);

// Reads the data, selects parameters by cross-validation on the training rows, fits the chosen
// forest on them and evaluates it out of sample: on the held-out rows with a test set, else on
// each training row's out-of-bag prediction (card "evaluation.rows"); permutation importances
// on the same rows. With a test set and `refit`, the shipped model is then fit on every row.
// Everything after the fit runs on the fast predictor on `jobs` threads (docs/forest.md).
// The result depends only on the options' data and values (not on `jobs`, time or paths).
// Errors: CheckTrainOptions' InvalidArgument; NotFound / IOError for an unreadable file;
// InvalidArgument for unusable data (an empty file, a missing column, a ragged row, a bad
// cell, a label of one class, too few rows), naming the file and the line or column.
Result<Model> Train(const TrainOptions& options, const ProgressFn& progress);

// Metrics of `model` on labelled data: {"metrics", "baselines", "reliability", "n"}.
// Baselines use the training positive rate stored in the card.
Result<nlohmann::json> Evaluate(const Model& model, const CsvTable& table, const LabelSpec& label);

// What Evaluate reports, from predictions already made: `p` = P(positive) of `model` for rows
// with labels `y` and calendar months `month` (0 = unknown); all three the same size > 0.
nlohmann::json EvaluatePredictions(const Model& model, std::span<const uint8_t> y,
                                   std::span<const double> p, std::span<const int> month,
                                   const LabelSpec& label);

// P(positive class) for every row of `table` (columns by the model's feature names).
Result<std::vector<double>> PredictTable(const Model& model, const CsvTable& table);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_PIPELINE_H_
