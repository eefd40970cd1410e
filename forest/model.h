// forest::Model: a validated, immutable tree ensemble (a random forest, or boosted trees for
// classification or regression: forest::Combination) with its feature schema, class labels
// and model card; loading from the model file format (docs/model_format.md) and the reference
// predictor. Thread-safe for concurrent const use.
#ifndef RAINCHECK_FOREST_MODEL_H_
#define RAINCHECK_FOREST_MODEL_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "forest/fast_forest.h"
#include "forest/forest_ir.h"
#include "forest/model_info.h"
#include "forest/schema.h"

namespace raincheck::forest {

class ModelBuilder;

class Model {
 public:
  // Reads a model file with one read. NotFound/IOError when it cannot be read, Corruption
  // when it is truncated, damaged, foreign or of an unsupported major version.
  // The file stays mapped while the model (or a copy of it) lives: the trees are checked and
  // read where they are, and only the fast predictor's layout is built.
  static Result<Model> Load(const std::string& path);
  // Parses the bytes of a model file (see Load for the errors); keeps a copy of them.
  static Result<Model> FromBytes(std::string_view bytes);

  // The model file's bytes; FromBytes(ToBytes()) gives an equal model.
  std::string ToBytes() const;
  // Writes ToBytes() to `path` (through a temporary file renamed into place).
  Status Save(const std::string& path) const;

  const FeatureSchema& schema() const { return schema_; }
  // Two or more for a classifier (index 1 is the positive class); empty for regression.
  const std::vector<std::string>& class_labels() const { return class_labels_; }
  // How the trees combine (random forest, boosted classifier, boosted regression).
  const Combination& combination() const { return combination_; }
  // Boosted trees with the identity link: PredictProba gives a value, not a probability.
  bool is_regression() const { return combination_.is_regression(); }
  const nlohmann::json& card() const { return card_; }
  // The card's facts the function serves by (home, skill, climatology), read once at Build.
  const ModelInfo& info() const { return info_; }
  // card()["name"] / card()["version"] as strings ("" when absent).
  const std::string& name() const { return info_.name; }
  const std::string& version() const { return info_.version; }
  // The trees, where they are: in memory for a trained model, in the model file for a
  // loaded one.
  const ForestView& forest() const { return forest_; }
  size_t n_trees() const { return forest_.n_trees(); }

  // The model's prediction for one row. A random forest: the probability of the positive
  // class (class index 1), the mean over the trees of the class frequency in the leaf the row
  // reaches, as scikit-learn's predict_proba. Boosted trees: the link of the margin
  // (PredictMargin): with the logistic link P(positive) as XGBoost's predict; for regression
  // (is_regression()) the predicted value itself. `row` holds one value per schema feature
  // in schema order; NaN means missing. Returns NaN when row.size() != schema().size().
  // Uses the fast layout (forest/fast_forest.h) when the model fits it; allocates nothing and
  // starts no thread.
  double PredictProba(std::span<const float> row) const;
  // The raw score before the link: base score + the sum of the leaf values for boosted trees
  // (XGBoost's output_margin=True, scikit-learn's decision_function); for a random forest
  // the same as PredictProba.
  double PredictMargin(std::span<const float> row) const;
  // The same by the simple reference walk over forest(): bitwise the same result (tests
  // compare the two).
  double PredictProbaReference(std::span<const float> row) const;
  // Row-major `rows` (n * schema().size() floats) -> `out` (n probabilities).
  // InvalidArgument when the sizes do not agree.
  Status PredictProbaBatch(std::span<const float> rows, std::span<double> out) const;
  // The same with PredictMargin's raw scores.
  Status PredictMarginBatch(std::span<const float> rows, std::span<double> out) const;
  // PredictMargin by the reference walk (bitwise the same).
  double PredictMarginReference(std::span<const float> row) const;
  // All class probabilities for one row (class_labels().size() values; a boosted classifier
  // gives 1 - p, p); row size as PredictProba. Nothing for regression.
  void PredictClassProba(std::span<const float> row, std::span<double> out) const;

 private:
  friend class ModelBuilder;
  Model() = default;

  double Link(double margin) const;

  FeatureSchema schema_;
  std::vector<std::string> class_labels_;
  Combination combination_;
  nlohmann::json card_ = nlohmann::json::object();
  ModelInfo info_;
  std::shared_ptr<const void> storage_;  // owns what forest_ views (arrays or file bytes)
  ForestView forest_;
  FastForest fast_;
};

// Assembles a Model. Build() is the only place that validates a model: the trainer and the
// file reader both go through it. Not thread-safe.
class ModelBuilder {
 public:
  ModelBuilder& SetSchema(FeatureSchema schema);
  ModelBuilder& SetClassLabels(std::vector<std::string> labels);
  ModelBuilder& SetCard(nlohmann::json card);
  // A random forest unless set. Boosted trees have one value per leaf: set the class labels
  // (two for the logistic link, none for regression) before adding trees.
  ModelBuilder& SetCombination(const Combination& combination);
  // Appends a tree given with tree-local indices (see TreeArrays).
  ModelBuilder& AddTree(const TreeArrays& tree);
  // Takes a whole forest viewed in memory that `storage` keeps alive (the file reader's path:
  // the TREE section of the file's bytes).
  ModelBuilder& SetForest(std::shared_ptr<const void> storage, ForestView forest);

  // Checks everything (schema names, class count, every node and leaf) and returns the model,
  // or Corruption naming the first problem. The builder is left empty.
  Result<Model> Build();

 private:
  FeatureSchema schema_;
  std::vector<std::string> class_labels_;
  Combination combination_;
  nlohmann::json card_ = nlohmann::json::object();
  ForestArrays arrays_;
  std::shared_ptr<const void> storage_;  // set by SetForest, which then replaces arrays_
  ForestView forest_;
  Status pending_;  // first error from AddTree
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_MODEL_H_
