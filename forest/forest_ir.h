// The forest's intermediate representation: a structure of arrays that knows nothing about
// where a model came from (the trainer, the file reader). Built and validated only by
// ModelBuilder (forest/model.h).
#ifndef RAINCHECK_FOREST_FOREST_IR_H_
#define RAINCHECK_FOREST_FOREST_IR_H_

#include <cstdint>
#include <cstring>
#include <vector>

namespace raincheck::forest {

// How the trees' leaf values make a prediction (the model file's KIND section).
//  - kMean (random forest): the mean over the trees, in double in tree order, of the positive
//    class's frequency in the leaf each tree reaches: P(positive). link is kIdentity and
//    base_score 0.
//  - kSum (boosted trees): the margin base_score + the sum over the trees of the leaf values,
//    added in tree order in double, or in float32 when float32_sum; then the link: kLogistic
//    gives P(positive) = 1 / (1 + exp(-margin)) (in float32 too when float32_sum: XGBoost's
//    arithmetic, whose margins and probabilities it reproduces bit for bit), kIdentity the
//    margin itself (regression).
struct Combination {
  enum class Aggregation : uint8_t { kMean = 0, kSum = 1 };
  enum class Link : uint8_t { kIdentity = 0, kLogistic = 1 };

  Aggregation aggregation = Aggregation::kMean;
  Link link = Link::kIdentity;
  bool float32_sum = false;
  double base_score = 0.0;

  bool is_forest() const { return aggregation == Aggregation::kMean; }
  // Boosted trees with the identity link: the prediction is a value, not a probability.
  bool is_regression() const { return aggregation == Aggregation::kSum && link == Link::kIdentity; }
  bool operator==(const Combination&) const = default;
};

// All trees of a forest in flat arrays. Node i of the forest belongs to tree t when
// node_begin[t] <= i < node_begin[t + 1]; node indices are absolute (forest-wide).
//  - internal node: feature[i] >= 0; a row goes to left[i] when x[feature] <= threshold[i],
//    to right[i] when x > threshold[i], and to left[i] if missing_left[i] else right[i] when
//    x is NaN. Children lie after their parent inside the same tree.
//  - leaf: feature[i] == kLeaf; left[i] is the leaf's slot in leaf_value (absolute, in
//    leaf_begin[t] .. leaf_begin[t + 1]); right[i] is 0. The slot holds n_classes floats:
//    for a random forest (Combination::kMean) the class frequencies of the training samples
//    that reached the leaf (they sum to 1); for boosted trees (kSum) n_classes is 1 and the
//    float is the leaf's margin (any finite value).
// The root of tree t is node_begin[t].
struct ForestArrays {
  static constexpr int32_t kLeaf = -1;

  uint32_t n_features = 0;
  uint32_t n_classes = 0;
  std::vector<uint32_t> node_begin{0};  // n_trees + 1 entries
  std::vector<uint32_t> leaf_begin{0};  // n_trees + 1 entries
  std::vector<int32_t> feature;
  std::vector<float> threshold;
  std::vector<uint32_t> left;
  std::vector<uint32_t> right;
  std::vector<uint8_t> missing_left;
  std::vector<float> leaf_value;  // leaf_begin.back() * n_classes entries

  size_t n_trees() const { return node_begin.size() - 1; }
  size_t n_nodes() const { return feature.size(); }
  size_t n_leaves() const { return leaf_begin.back(); }
};

// A read-only column of a ForestView: `size()` values of type T stored contiguously in host
// byte order at an address that need not be aligned for T (the arrays of a mapped model
// file). Indexing compiles to a plain load.
template <typename T>
class Column {
 public:
  Column() = default;
  Column(const void* data, size_t size)
      : bytes_(static_cast<const unsigned char*>(data)), size_(size) {}
  explicit Column(const std::vector<T>& v) : Column(v.data(), v.size()) {}
  T operator[](size_t i) const {
    T v;
    std::memcpy(&v, bytes_ + i * sizeof(T), sizeof(T));
    return v;
  }
  size_t size() const { return size_; }
  const void* data() const { return bytes_; }
  bool empty() const { return size_ == 0; }
  T front() const { return (*this)[0]; }
  T back() const { return (*this)[size_ - 1]; }
  std::vector<T> ToVector() const {
    std::vector<T> out(size_);
    if (size_ != 0) std::memcpy(out.data(), bytes_, size_ * sizeof(T));
    return out;
  }

 private:
  const unsigned char* bytes_ = nullptr;
  size_t size_ = 0;
};

// The same arrays as ForestArrays (same meaning, same invariants once validated), viewed in
// place: in a ForestArrays, or in the TREE section of a model file that stays mapped, so that
// loading a model neither copies nor faults in a second copy of its trees.
struct ForestView {
  uint32_t n_features = 0;
  uint32_t n_classes = 0;
  Column<uint32_t> node_begin;
  Column<uint32_t> leaf_begin;
  Column<int32_t> feature;
  Column<float> threshold;
  Column<uint32_t> left;
  Column<uint32_t> right;
  Column<uint8_t> missing_left;
  Column<float> leaf_value;

  size_t n_trees() const { return node_begin.empty() ? 0 : node_begin.size() - 1; }
  size_t n_nodes() const { return feature.size(); }
  size_t n_leaves() const { return leaf_begin.empty() ? 0 : leaf_begin.back(); }
};

inline ForestView ViewOf(const ForestArrays& a) {
  ForestView v;
  v.n_features = a.n_features;
  v.n_classes = a.n_classes;
  v.node_begin = Column<uint32_t>(a.node_begin);
  v.leaf_begin = Column<uint32_t>(a.leaf_begin);
  v.feature = Column<int32_t>(a.feature);
  v.threshold = Column<float>(a.threshold);
  v.left = Column<uint32_t>(a.left);
  v.right = Column<uint32_t>(a.right);
  v.missing_left = Column<uint8_t>(a.missing_left);
  v.leaf_value = Column<float>(a.leaf_value);
  return v;
}

// One tree in the trainer's order, with tree-local indices (root = node 0, leaf slots from 0).
// ModelBuilder::AddTree appends it to the forest, rebasing indices.
struct TreeArrays {
  std::vector<int32_t> feature;
  std::vector<float> threshold;
  std::vector<uint32_t> left;
  std::vector<uint32_t> right;
  std::vector<uint8_t> missing_left;
  std::vector<float> leaf_value;  // n_leaves * n_classes

  // Appends a node (a leaf with no value yet) and returns its index.
  uint32_t AddNode() {
    feature.push_back(ForestArrays::kLeaf);
    threshold.push_back(0.0f);
    left.push_back(0);
    right.push_back(0);
    missing_left.push_back(0);
    return static_cast<uint32_t>(feature.size() - 1);
  }
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_FOREST_IR_H_
