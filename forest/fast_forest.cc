#include "forest/fast_forest.h"

#include <algorithm>
#include <limits>

namespace raincheck::forest {
namespace {

constexpr uint32_t kFeatureMask = FastForest::kMaxFeatures - 1;
constexpr uint32_t kMissingLeftBit = 1u << 30;  // missing values go left

// One step down a tree: the index of the child `row` goes to, or `i` itself at a leaf (a
// leaf's threshold is NaN, so nothing goes "left", and its far offset is 0: a lockstep loop
// may step past a leaf harmlessly). Written with masks rather than a ?: so that the compiler
// emits no branch: which way a row goes is data, not a predictable branch. kMaybeNaN = false
// is the shorter step for rows without missing values.
template <bool kMaybeNaN>
inline uint32_t Step(const FastForest::Node* nodes, uint32_t i, const float* row) {
  const FastForest::Node n = nodes[i];
  const float x = row[n.meta & kFeatureMask];
  uint32_t left = static_cast<uint32_t>(x <= n.value);
  if constexpr (kMaybeNaN) {
    // !(x > threshold) is also true for a NaN x (and false at a leaf, whose flag is 0).
    left |= ((n.meta >> 30) & 1u) & static_cast<uint32_t>(!(x > n.value));
  }
  const uint32_t far = (n.meta >> FastForest::kFeatureBits) & FastForest::kMaxOffset;
  const uint32_t mask = 0u - left;  // all ones when going left
  return i + ((1u & mask) | (far & ~mask));
}

bool HasNaN(const float* v, size_t n) {
  bool nan = false;
  for (size_t i = 0; i < n; ++i) nan |= v[i] != v[i];
  return nan;
}

// Trees stepped together for one row; enough independent loads to hide their latency.
constexpr size_t kTreeGroup = 16;
// Rows stepped together through one tree in a batch.
constexpr size_t kRowBlock = 64;

}  // namespace

FastForest FastForest::Build(const ForestArrays& a, size_t positive) {
  FastForest f;
  f.n_features_ = a.n_features;
  if (a.n_features > kMaxFeatures || positive >= a.n_classes) return f;
  const size_t k = a.n_classes;
  // Every node of a validated forest is reached exactly once, so the layout has as many
  // nodes as the arrays: written by index, no growth.
  f.nodes_.resize(a.n_nodes());
  f.leaf_.assign(a.n_nodes(), 0.0f);
  f.root_.resize(a.n_trees());
  f.depth_.resize(a.n_trees());
  Node* nodes = f.nodes_.data();
  // Two linear passes per tree instead of a depth-first walk with a stack (children lie after
  // their parent, validated): subtree sizes from the last node back, then each node's
  // depth-first position from the root forward (left child right after its parent, right
  // child after the whole left subtree).
  std::vector<uint32_t> size(a.n_nodes()), pos(a.n_nodes()), level(a.n_nodes());
  for (size_t t = 0; t < a.n_trees(); ++t) {
    const size_t nb = a.node_begin[t], ne = a.node_begin[t + 1];
    for (size_t i = ne; i-- > nb;) {
      size[i] = a.feature[i] == ForestArrays::kLeaf ? 1u : 1u + size[a.left[i]] + size[a.right[i]];
    }
    pos[nb] = static_cast<uint32_t>(nb);
    level[nb] = 0;
    uint32_t depth = 0;
    for (size_t i = nb; i < ne; ++i) {
      const uint32_t at = pos[i];
      depth = std::max(depth, level[i]);
      const int32_t feature = a.feature[i];
      if (feature == ForestArrays::kLeaf) {
        nodes[at] = {std::numeric_limits<float>::quiet_NaN(), 0};
        f.leaf_[at] = a.leaf_value[a.left[i] * k + positive];
        continue;
      }
      const uint32_t l = a.left[i], r = a.right[i];
      const uint32_t far = 1u + size[l];
      if (far > kMaxOffset) return FastForest();
      pos[l] = at + 1;
      pos[r] = at + far;
      level[l] = level[r] = level[i] + 1;
      uint32_t meta = static_cast<uint32_t>(feature) | (far << kFeatureBits);
      if (a.missing_left[i] != 0) meta |= kMissingLeftBit;
      nodes[at] = {a.threshold[i], meta};
    }
    f.root_[t] = static_cast<uint32_t>(nb);
    f.depth_[t] = depth;
  }
  return f;
}

template <bool kMaybeNaN>
double FastForest::PredictOneImpl(const float* row) const {
  const Node* nodes = nodes_.data();
  const float* leaf = leaf_.data();
  const size_t trees = root_.size();
  double sum = 0.0;
  size_t t0 = 0;
  for (; t0 + kTreeGroup <= trees; t0 += kTreeGroup) {
    uint32_t idx[kTreeGroup];
    uint32_t steps = 0;
    for (size_t g = 0; g < kTreeGroup; ++g) {
      idx[g] = root_[t0 + g];
      steps = std::max(steps, depth_[t0 + g]);
    }
    for (uint32_t s = 0; s < steps; ++s) {
      for (size_t g = 0; g < kTreeGroup; ++g) idx[g] = Step<kMaybeNaN>(nodes, idx[g], row);
    }
    // Summed in tree order, as the reference predictor does.
    for (size_t g = 0; g < kTreeGroup; ++g) sum += static_cast<double>(leaf[idx[g]]);
  }
  for (; t0 < trees; ++t0) {
    uint32_t i = root_[t0];
    for (uint32_t s = 0; s < depth_[t0]; ++s) i = Step<kMaybeNaN>(nodes, i, row);
    sum += static_cast<double>(leaf[i]);
  }
  return sum / static_cast<double>(trees);
}

double FastForest::PredictOne(const float* row) const {
  return HasNaN(row, n_features_) ? PredictOneImpl<true>(row) : PredictOneImpl<false>(row);
}

template <bool kMaybeNaN>
void FastForest::PredictBlock(const float* block, size_t width, std::span<double> out) const {
  const Node* nodes = nodes_.data();
  const float* leaf = leaf_.data();
  const size_t trees = root_.size();
  const size_t n = out.size();
  double sum[kRowBlock] = {};
  uint32_t idx[kRowBlock];
  for (size_t t = 0; t < trees; ++t) {
    const uint32_t root = root_[t];
    for (size_t r = 0; r < n; ++r) idx[r] = root;
    for (uint32_t s = 0; s < depth_[t]; ++s) {
      for (size_t r = 0; r < n; ++r) idx[r] = Step<kMaybeNaN>(nodes, idx[r], block + r * width);
    }
    for (size_t r = 0; r < n; ++r) sum[r] += static_cast<double>(leaf[idx[r]]);
  }
  for (size_t r = 0; r < n; ++r) out[r] = sum[r] / static_cast<double>(trees);
}

void FastForest::PredictMany(const float* rows, size_t width, std::span<double> out) const {
  for (size_t r0 = 0; r0 < out.size(); r0 += kRowBlock) {
    const size_t n = std::min(kRowBlock, out.size() - r0);
    const float* block = rows + r0 * width;
    if (HasNaN(block, n * width)) {
      PredictBlock<true>(block, width, out.subspan(r0, n));
    } else {
      PredictBlock<false>(block, width, out.subspan(r0, n));
    }
  }
}

}  // namespace raincheck::forest
