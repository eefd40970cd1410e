#include "forest/model.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace raincheck::forest {
namespace {

// The checks of everything but the nodes, which FastForest::CheckAndBuild checks in the pass
// that builds the prediction layout.
Status ValidateCombination(const Combination& c, const std::vector<std::string>& labels) {
  using A = Combination::Aggregation;
  using L = Combination::Link;
  if (c.aggregation != A::kMean && c.aggregation != A::kSum) {
    return Status::Corruption("unknown way of combining trees (aggregation " +
                              std::to_string(static_cast<int>(c.aggregation)) + ")");
  }
  if (c.link != L::kIdentity && c.link != L::kLogistic) {
    return Status::Corruption("unknown link function " + std::to_string(static_cast<int>(c.link)));
  }
  if (c.is_forest()) {
    if (c.link != L::kIdentity || c.base_score != 0.0 || c.float32_sum) {
      return Status::Corruption("a random forest has no link, base score or float32 sum");
    }
    if (labels.size() < 2) return Status::Corruption("a model needs at least two classes");
    return Status::Ok();
  }
  if (!std::isfinite(c.base_score)) return Status::Corruption("the base score is not finite");
  if (c.link == L::kLogistic && labels.size() != 2) {
    return Status::Corruption("boosted trees with the logistic link need exactly two classes");
  }
  if (c.link == L::kIdentity && !labels.empty()) {
    return Status::Corruption("a regression model has no class labels");
  }
  return Status::Ok();
}

// Floats per leaf slot: the class frequencies of a random forest, one margin for boosted trees.
size_t LeafWidth(const Combination& c, const std::vector<std::string>& labels) {
  return c.is_forest() ? labels.size() : 1;
}

Status ValidateTables(const FeatureSchema& schema, const std::vector<std::string>& labels,
                      const Combination& combination, const nlohmann::json& card,
                      const ForestView& a) {
  if (schema.size() == 0) return Status::Corruption("the model has no features");
  std::set<std::string> names;
  for (const Feature& f : schema.features()) {
    if (f.name.empty()) return Status::Corruption("a feature has an empty name");
    if (!names.insert(f.name).second) {
      return Status::Corruption("feature '" + f.name + "' appears twice");
    }
  }
  RC_RETURN_IF_ERROR(ValidateCombination(combination, labels));
  if (!card.is_object()) return Status::Corruption("the model card is not a JSON object");
  if (a.n_features != schema.size()) {
    return Status::Corruption("the trees and the schema disagree on the number of features");
  }
  if (a.n_classes != LeafWidth(combination, labels)) {
    return Status::Corruption(
        combination.is_forest() ? "the trees and the class labels disagree on the number of classes"
                                : "boosted trees hold one value per leaf");
  }
  if (a.node_begin.size() < 2) return Status::Corruption("the model has no trees");
  if (a.leaf_begin.size() != a.node_begin.size()) {
    return Status::Corruption("tree tables have different lengths");
  }
  const size_t n = a.feature.size();
  if (a.threshold.size() != n || a.left.size() != n || a.right.size() != n ||
      a.missing_left.size() != n) {
    return Status::Corruption("node arrays have different lengths");
  }
  if (a.node_begin.front() != 0 || a.node_begin.back() != n || a.leaf_begin.front() != 0) {
    return Status::Corruption("tree table does not cover the node arrays");
  }
  for (size_t t = 0; t + 1 < a.node_begin.size(); ++t) {
    if (a.node_begin[t] >= a.node_begin[t + 1] || a.leaf_begin[t] >= a.leaf_begin[t + 1]) {
      return Status::Corruption("tree table is not increasing at tree " + std::to_string(t));
    }
  }
  if (static_cast<size_t>(a.leaf_begin.back()) * a.n_classes != a.leaf_value.size()) {
    return Status::Corruption("leaf table has the wrong size");
  }
  return Status::Ok();
}

// The nodes of `tree` in depth-first order, left child first; its own order 0 .. n - 1 when
// it is not a well-formed tree (every child after its parent, each node but the root reached
// exactly once).
std::vector<uint32_t> DepthFirstOrder(const TreeArrays& tree) {
  const size_t n = tree.feature.size();
  std::vector<uint32_t> order;
  order.reserve(n);
  std::vector<uint8_t> seen(n, 0);
  std::vector<uint32_t> stack;
  bool tree_shaped = n > 0;
  if (tree_shaped) stack.push_back(0);
  while (tree_shaped && !stack.empty()) {
    const uint32_t i = stack.back();
    stack.pop_back();
    order.push_back(i);
    if (tree.feature[i] == ForestArrays::kLeaf) continue;
    const uint32_t l = tree.left[i], r = tree.right[i];
    tree_shaped = l > i && l < n && r > i && r < n && seen[l] == 0 && seen[r] == 0 && l != r;
    if (!tree_shaped) break;
    seen[l] = seen[r] = 1;
    stack.push_back(r);
    stack.push_back(l);
  }
  if (!tree_shaped || order.size() != n) {
    order.resize(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  }
  return order;
}

// Index of the leaf slot `row` reaches in the tree whose root is `node`.
inline size_t LeafSlot(const ForestView& a, size_t node, const float* row) {
  while (a.feature[node] != ForestArrays::kLeaf) {
    const float x = row[a.feature[node]];
    bool go_left;
    if (std::isnan(x)) {
      go_left = a.missing_left[node] != 0;
    } else {
      go_left = x <= a.threshold[node];
    }
    node = go_left ? a.left[node] : a.right[node];
  }
  return a.left[node];
}

}  // namespace

double Model::Link(double margin) const {
  if (combination_.link != Combination::Link::kLogistic) return margin;
  if (combination_.float32_sum) {
    // The margin is a float already; XGBoost's sigmoid, in float32.
    const auto m = static_cast<float>(margin);
    return static_cast<double>(1.0f / (1.0f + std::exp(-m)));
  }
  return 1.0 / (1.0 + std::exp(-margin));
}

void Model::PredictClassProba(std::span<const float> row, std::span<double> out) const {
  if (!combination_.is_forest()) {
    if (out.size() != class_labels_.size() || out.size() != 2) return;
    const double p = PredictProba(row);
    out[0] = 1.0 - p;
    out[1] = p;
    return;
  }
  const ForestView& a = forest_;
  const size_t k = a.n_classes;
  if (out.size() != k) return;
  for (double& v : out) v = std::numeric_limits<double>::quiet_NaN();
  if (row.size() != schema_.size()) return;
  for (double& v : out) v = 0.0;
  const size_t trees = a.n_trees();
  for (size_t t = 0; t < trees; ++t) {
    const size_t slot = LeafSlot(a, a.node_begin[t], row.data());
    for (size_t c = 0; c < k; ++c) out[c] += static_cast<double>(a.leaf_value[slot * k + c]);
  }
  for (double& v : out) v /= static_cast<double>(trees);
}

double Model::PredictProba(std::span<const float> row) const { return Link(PredictMargin(row)); }

double Model::PredictMargin(std::span<const float> row) const {
  if (row.size() != schema_.size()) return std::numeric_limits<double>::quiet_NaN();
  if (fast_.usable()) return fast_.PredictOne(row.data());
  return PredictMarginReference(row);
}

double Model::PredictProbaReference(std::span<const float> row) const {
  return Link(PredictMarginReference(row));
}

double Model::PredictMarginReference(std::span<const float> row) const {
  if (row.size() != schema_.size()) return std::numeric_limits<double>::quiet_NaN();
  const ForestView& a = forest_;
  const size_t k = a.n_classes;
  const size_t trees = a.n_trees();
  const Combination& c = combination_;
  if (c.is_forest()) {
    double sum = 0.0;
    for (size_t t = 0; t < trees; ++t) {
      const size_t slot = LeafSlot(a, a.node_begin[t], row.data());
      sum += static_cast<double>(a.leaf_value[slot * k + 1]);
    }
    return sum / static_cast<double>(trees);
  }
  if (c.float32_sum) {
    auto sum = static_cast<float>(c.base_score);
    for (size_t t = 0; t < trees; ++t)
      sum += a.leaf_value[LeafSlot(a, a.node_begin[t], row.data())];
    return static_cast<double>(sum);
  }
  double sum = c.base_score;
  for (size_t t = 0; t < trees; ++t) {
    sum += static_cast<double>(a.leaf_value[LeafSlot(a, a.node_begin[t], row.data())]);
  }
  return sum;
}

Status Model::PredictProbaBatch(std::span<const float> rows, std::span<double> out) const {
  RC_RETURN_IF_ERROR(PredictMarginBatch(rows, out));
  if (combination_.link != Combination::Link::kIdentity) {
    for (double& v : out) v = Link(v);
  }
  return Status::Ok();
}

Status Model::PredictMarginBatch(std::span<const float> rows, std::span<double> out) const {
  const size_t width = schema_.size();
  if (rows.size() != out.size() * width) {
    return Status::InvalidArgument("batch of " + std::to_string(rows.size()) +
                                   " values does not hold " + std::to_string(out.size()) +
                                   " rows of " + std::to_string(width) + " features");
  }
  if (fast_.usable()) {
    fast_.PredictMany(rows.data(), width, out);
    return Status::Ok();
  }
  for (size_t r = 0; r < out.size(); ++r) {
    out[r] = PredictMarginReference(rows.subspan(r * width, width));
  }
  return Status::Ok();
}

ModelBuilder& ModelBuilder::SetSchema(FeatureSchema schema) {
  schema_ = std::move(schema);
  arrays_.n_features = static_cast<uint32_t>(schema_.size());
  return *this;
}

ModelBuilder& ModelBuilder::SetClassLabels(std::vector<std::string> labels) {
  class_labels_ = std::move(labels);
  arrays_.n_classes = static_cast<uint32_t>(LeafWidth(combination_, class_labels_));
  return *this;
}

ModelBuilder& ModelBuilder::SetCombination(const Combination& combination) {
  combination_ = combination;
  arrays_.n_classes = static_cast<uint32_t>(LeafWidth(combination_, class_labels_));
  return *this;
}

ModelBuilder& ModelBuilder::SetCard(nlohmann::json card) {
  card_ = std::move(card);
  return *this;
}

ModelBuilder& ModelBuilder::SetForest(std::shared_ptr<const void> storage, ForestView forest) {
  arrays_ = ForestArrays();
  storage_ = std::move(storage);
  forest_ = forest;
  return *this;
}

ModelBuilder& ModelBuilder::AddTree(const TreeArrays& tree) {
  if (!pending_.ok()) return *this;
  const size_t k = LeafWidth(combination_, class_labels_);
  const size_t n = tree.feature.size();
  if (k == 0 || tree.leaf_value.size() % k != 0 || tree.threshold.size() != n ||
      tree.left.size() != n || tree.right.size() != n || tree.missing_left.size() != n) {
    pending_ = Status::Corruption("tree " + std::to_string(arrays_.n_trees()) +
                                  " has inconsistent arrays");
    return *this;
  }
  const uint32_t node_base = arrays_.node_begin.back();
  const uint32_t leaf_base = arrays_.leaf_begin.back();
  // Stored depth first with each left child right after its parent: the prediction layout's
  // own order, so the load's depth-first pass (forest/fast_forest.cc) reads the arrays in
  // order and puts each node at its own index.
  // A tree that is not a tree (a child out of range or before its parent, a node reached
  // twice or not at all) keeps its order, for Build() to name the problem.
  const std::vector<uint32_t> order = DepthFirstOrder(tree);
  std::vector<uint32_t> position(n);
  for (size_t p = 0; p < order.size(); ++p) position[order[p]] = static_cast<uint32_t>(p);
  for (const uint32_t i : order) {
    const bool leaf = tree.feature[i] == ForestArrays::kLeaf;
    arrays_.feature.push_back(tree.feature[i]);
    arrays_.threshold.push_back(tree.threshold[i]);
    arrays_.left.push_back(leaf ? tree.left[i] + leaf_base : position[tree.left[i]] + node_base);
    arrays_.right.push_back(leaf ? 0u : position[tree.right[i]] + node_base);
    arrays_.missing_left.push_back(tree.missing_left[i]);
  }
  arrays_.leaf_value.insert(arrays_.leaf_value.end(), tree.leaf_value.begin(),
                            tree.leaf_value.end());
  arrays_.node_begin.push_back(node_base + static_cast<uint32_t>(n));
  arrays_.leaf_begin.push_back(leaf_base + static_cast<uint32_t>(tree.leaf_value.size() / k));
  return *this;
}

Result<Model> ModelBuilder::Build() {
  if (!pending_.ok()) return pending_;
  if (storage_ == nullptr) {
    // Trained (or given) arrays: the model owns them and views them.
    auto arrays = std::make_shared<const ForestArrays>(std::move(arrays_));
    forest_ = ViewOf(*arrays);
    storage_ = std::move(arrays);
  }
  RC_RETURN_IF_ERROR(ValidateTables(schema_, class_labels_, combination_, card_, forest_));
  Result<ModelInfo> info = ReadModelInfo(card_);
  if (!info.ok()) return Status::Corruption("model " + info.status().message());
  // Every node is checked (reached exactly once, in range, finite thresholds, leaf
  // frequencies) in the same pass that lays out the fast predictor.
  FastForest fast;
  RC_RETURN_IF_ERROR(FastForest::CheckAndBuild(forest_, combination_, fast));
  Model m;
  m.schema_ = std::move(schema_);
  m.class_labels_ = std::move(class_labels_);
  m.combination_ = combination_;
  m.card_ = std::move(card_);
  m.info_ = std::move(info).value();
  m.storage_ = std::move(storage_);
  m.forest_ = forest_;
  m.fast_ = std::move(fast);
  *this = ModelBuilder();
  return m;
}

}  // namespace raincheck::forest
