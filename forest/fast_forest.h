// FastForest: the prediction layout of a forest, built from a ForestView at load time in the
// same pass that checks every node (docs/forest.md, "Fast inference"). 8-byte nodes in
// depth-first order per tree (the left child is the next node, only the right child's offset
// is stored), a leaf holding its value (a random forest's positive-class probability, a
// boosted tree's margin) in place of a threshold, several trees (one row) or several rows
// (batch) stepped in lockstep; one row steps 16 trees per AVX-512 register where the CPU has
// it, else 8 per AVX2 register. Combines the leaf values as the forest's Combination says
// (forest/forest_ir.h: the mean, or the base score plus the sum, in double or float32) and
// gives bitwise the same result as the reference predictor: the same floats added in the
// same order. The link function (logistic) is the caller's (forest::Model).
// Immutable after building; thread-safe for concurrent use.
#ifndef RAINCHECK_FOREST_FAST_FOREST_H_
#define RAINCHECK_FOREST_FAST_FOREST_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "forest/forest_ir.h"

namespace raincheck::forest {

class FastForest {
 public:
  // Node word layout: bits 0-7 feature, bit 8 missing goes left, bits 9-31 right-child
  // offset. A leaf's value is its probability and its word is the feature index
  // n_features (the "sentinel": the predictor's copy of the row holds NaN there), so nothing
  // goes left of a leaf and its offset of 0 keeps a lockstep walk on it.
  static constexpr uint32_t kFeatureBits = 8;
  // One feature index is left for the sentinel.
  static constexpr uint32_t kMaxFeatures = (1u << kFeatureBits) - 1;
  static constexpr uint32_t kMissingLeftBit = 1u << kFeatureBits;
  static constexpr uint32_t kOffsetShift = kFeatureBits + 1;
  static constexpr uint32_t kMaxOffset = (1u << (32 - kOffsetShift)) - 1;

  struct Node {
    float value;    // internal node: threshold; leaf: P(positive class)
    uint32_t meta;  // see above
  };
  static_assert(sizeof(Node) == 8);

  FastForest() = default;

  // Checks every tree of `a` (each node reached exactly once from its root through children
  // that lie after their parent; feature indices, thresholds, flags, leaf slots and class
  // frequencies) and, in the same pass, builds the layout for class index `positive` into
  // `out`. Corruption naming the first problem found. The forest-wide tables (array lengths,
  // tree and leaf tables, counts) must have been checked by the caller (ModelBuilder).
  // A valid forest that does not fit the node word (more than kMaxFeatures features, a
  // subtree larger than kMaxOffset nodes) leaves `out` unusable; callers then use the
  // reference predictor.
  static Status CheckAndBuild(const ForestView& a, size_t positive, FastForest& out);
  // The same for trees that combine as `c` says: a random forest's leaves hold class
  // frequencies (the layout takes class 1's), boosted trees' leaves one finite margin each.
  static Status CheckAndBuild(const ForestView& a, const Combination& c, FastForest& out);
  // The same for arrays already validated (ModelBuilder did); unusable on any problem.
  static FastForest Build(const ForestView& a, size_t positive);
  static FastForest Build(const ForestView& a, const Combination& c);

  bool usable() const { return !root_.empty(); }
  size_t n_trees() const { return root_.size(); }

  // The leaf values `row` reaches, combined: their mean over the trees (a random forest), or
  // the base score plus their sum (boosted trees: the margin, before the link). `row` holds
  // at least n_features floats. Allocates nothing.
  double PredictOne(const float* row) const;
  // The same without the vector path (the portable code every CPU runs; tests compare both).
  double PredictOneScalar(const float* row) const;
  // The same through the AVX2 path even where PredictOne would take AVX-512 (tests and
  // benchmarks compare it); the scalar path's result on a CPU without AVX2.
  double PredictOneAvx2(const float* row) const;
  // Row-major rows (out.size() rows of `width` floats) -> out. Allocates nothing.
  void PredictMany(const float* rows, size_t width, std::span<double> out) const;
  // How the batch walk goes: blocks of `block_rows` rows stepped through each tree together
  // (clamped to [1, kMaxBlockRows] and to what the block's copy holds), and whether each
  // step prefetches the node its row goes to next (it is read when the block's other rows
  // have stepped).
  struct BatchWalk {
    size_t block_rows = 64;
    bool prefetch = false;
  };
  // The walk PredictMany takes: short blocks without prefetching for a layout of at most
  // kCachedLayoutBytes (it stays in L2), long blocks that prefetch for larger ones (read
  // from L3 or memory).
  BatchWalk ChosenWalk() const;
  static constexpr size_t kSmallBlockRows = 64;
  static constexpr size_t kMaxBlockRows = 2048;
  static constexpr size_t kCachedLayoutBytes = size_t{2} << 20;
  // PredictMany with the walk `walk` instead of ChosenWalk(): the result does not depend on
  // it (tests and benchmarks compare walks).
  void PredictMany(const float* rows, size_t width, std::span<double> out, BatchWalk walk) const;

 private:
  template <bool kMaybeNaN>
  double PredictOneImpl(const float* row) const;
  template <bool kMaybeNaN, bool kPrefetch>
  void PredictBlock(const float* block, size_t stride, std::span<double> out) const;

  // std::allocator that default-initialises: the layout is written node by node, so the
  // zero-fill of vector::resize would be a wasted pass over it.
  template <typename T>
  struct NoInit : std::allocator<T> {
    template <typename U>
    struct rebind {
      using other = NoInit<U>;
    };
    NoInit() = default;
    template <typename U>
    NoInit(const NoInit<U>&) noexcept {}  // NOLINT: allocator conversion
    template <typename U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
  };

  static Status CheckAndBuildImpl(const ForestView& a, size_t positive, const Combination& c,
                                  FastForest& out);
  // CheckAndBuildImpl's steps besides checking the trees (fast_forest.cc's TreeChecker).
  void SetCombination(const Combination& c);
  void AllocateLayout(size_t nodes, size_t trees);
  void DetectVectorUnits();  // avx512_, avx2_ from the CPU this runs on

  size_t n_features_ = 0;
  bool mean_ = true;          // Combination::kMean: divide the sum by the number of trees
  bool float32_sum_ = false;  // add in float32 rather than double
  double base_ = 0.0;         // where the sum starts (0 for a mean)
  bool avx512_ = false;       // the CPU runs the 16-lane path
  bool avx2_ = false;         // the CPU runs the 8-lane path (used where avx512_ is false)
  uint32_t parking_ = 0;      // a leaf: where unused vector lanes wait
  std::vector<Node, NoInit<Node>> nodes_;
  std::vector<uint32_t> root_;   // per tree: index of its root in nodes_
  std::vector<uint32_t> depth_;  // per tree: longest root-to-leaf path in edges
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_FAST_FOREST_H_
