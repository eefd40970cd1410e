// FastForest: the prediction layout of a validated forest, built from ForestArrays at load
// time (docs/forest.md, "Fast inference"). 8-byte nodes in depth-first order per tree (the
// left child is the next node, only the right child's offset is stored), leaves holding the
// positive-class probability (beside the nodes), several trees (one row) or several rows (batch) stepped in
// lockstep. Gives bitwise the same probabilities as the reference predictor: the same floats
// summed in double in tree order. Immutable after Build; thread-safe for concurrent use.
#ifndef RAINCHECK_FOREST_FAST_FOREST_H_
#define RAINCHECK_FOREST_FAST_FOREST_H_

#include <cstdint>
#include <span>
#include <vector>

#include "forest/forest_ir.h"

namespace raincheck::forest {

class FastForest {
 public:
  // Node word layout: bits 0-7 feature, bits 8-29 right-child offset (0 for a leaf),
  // bit 30 missing goes left. A leaf has threshold NaN and word 0; its value is in leaf_.
  static constexpr uint32_t kFeatureBits = 8;
  static constexpr uint32_t kOffsetBits = 22;
  static constexpr uint32_t kMaxFeatures = 1u << kFeatureBits;
  static constexpr uint32_t kMaxOffset = (1u << kOffsetBits) - 1;

  struct Node {
    float value;    // internal node: threshold; leaf: NaN
    uint32_t meta;  // see above
  };
  static_assert(sizeof(Node) == 8);

  FastForest() = default;

  // Builds the layout for class index `positive` of a forest that ModelBuilder validated.
  // Returns an empty (unusable) FastForest when the forest does not fit the node word
  // (more than kMaxFeatures features, or a subtree larger than kMaxOffset nodes); callers
  // then use the reference predictor.
  static FastForest Build(const ForestArrays& a, size_t positive);

  bool usable() const { return !root_.empty(); }
  size_t n_trees() const { return root_.size(); }

  // Mean over the trees of the leaf value `row` reaches. `row` holds at least n_features
  // floats. Allocates nothing.
  double PredictOne(const float* row) const;
  // Row-major rows (out.size() rows of `width` floats) -> out. Allocates nothing.
  void PredictMany(const float* rows, size_t width, std::span<double> out) const;

 private:
  template <bool kMaybeNaN>
  double PredictOneImpl(const float* row) const;
  template <bool kMaybeNaN>
  void PredictBlock(const float* block, size_t width, std::span<double> out) const;

  size_t n_features_ = 0;
  std::vector<Node> nodes_;
  std::vector<float> leaf_;      // per node: P(positive class) at a leaf, 0 elsewhere
  std::vector<uint32_t> root_;   // per tree: index of its root in nodes_
  std::vector<uint32_t> depth_;  // per tree: longest root-to-leaf path in edges
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_FAST_FOREST_H_
