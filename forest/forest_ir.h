// The forest's intermediate representation: a structure of arrays that knows nothing about
// where a model came from (the trainer, the file reader). Built and validated only by
// ModelBuilder (forest/model.h).
#ifndef RAINCHECK_FOREST_FOREST_IR_H_
#define RAINCHECK_FOREST_FOREST_IR_H_

#include <cstdint>
#include <vector>

namespace raincheck::forest {

// All trees of a forest in flat arrays. Node i of the forest belongs to tree t when
// node_begin[t] <= i < node_begin[t + 1]; node indices are absolute (forest-wide).
//  - internal node: feature[i] >= 0; a row goes to left[i] when x[feature] <= threshold[i],
//    to right[i] when x > threshold[i], and to left[i] if missing_left[i] else right[i] when
//    x is NaN. Children lie after their parent inside the same tree.
//  - leaf: feature[i] == kLeaf; left[i] is the leaf's slot in leaf_value (absolute, in
//    leaf_begin[t] .. leaf_begin[t + 1]); right[i] is 0. The slot's n_classes floats are the
//    class frequencies of the training samples that reached the leaf (they sum to 1).
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
