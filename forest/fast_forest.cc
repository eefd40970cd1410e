#include "forest/fast_forest.h"

#include <algorithm>
#include <cmath>

namespace raincheck::forest {
namespace {

constexpr uint32_t kFeatureMask = FastForest::kMaxFeatures - 1;
constexpr uint32_t kMissingLeftBit = 1u << 30;
constexpr uint32_t kLeafBit = 1u << 31;

// One step down a tree: the index of the child `row` goes to, or `i` itself at a leaf (so a
// lockstep loop may step past a leaf harmlessly). Branch-free: the compiler emits selects.
inline uint32_t Step(const FastForest::Node* nodes, uint32_t i, const float* row) {
  const FastForest::Node n = nodes[i];
  const float x = row[n.meta & kFeatureMask];
  const bool left = (x <= n.value) | (((n.meta & kMissingLeftBit) != 0) & std::isnan(x));
  const uint32_t far = (n.meta >> FastForest::kFeatureBits) & FastForest::kMaxOffset;
  const uint32_t near = (n.meta & kLeafBit) != 0 ? 0u : 1u;
  return i + (left ? near : far);
}

// Trees stepped together for one row; enough independent loads to hide their latency.
constexpr size_t kTreeGroup = 16;
// Rows stepped together through one tree in a batch.
constexpr size_t kRowBlock = 64;

}  // namespace

FastForest FastForest::Build(const ForestArrays& a, size_t positive) {
  FastForest f;
  if (a.n_features > kMaxFeatures || positive >= a.n_classes) return f;
  const size_t k = a.n_classes;
  f.nodes_.reserve(a.n_nodes());
  f.root_.reserve(a.n_trees());
  f.depth_.reserve(a.n_trees());
  struct Pending {
    uint32_t node;    // index in `a`
    uint32_t depth;
    uint32_t patch;   // index in nodes_ whose far offset points here, or UINT32_MAX
  };
  std::vector<Pending> stack;
  for (size_t t = 0; t < a.n_trees(); ++t) {
    const auto base = static_cast<uint32_t>(f.nodes_.size());
    f.root_.push_back(base);
    uint32_t depth = 0;
    stack.push_back({a.node_begin[t], 0, UINT32_MAX});
    while (!stack.empty()) {
      const Pending p = stack.back();
      stack.pop_back();
      const auto at = static_cast<uint32_t>(f.nodes_.size());
      if (p.patch != UINT32_MAX) {
        const uint32_t offset = at - p.patch;
        if (offset > kMaxOffset) return FastForest();
        f.nodes_[p.patch].meta |= offset << kFeatureBits;
      }
      depth = std::max(depth, p.depth);
      const int32_t feature = a.feature[p.node];
      if (feature == ForestArrays::kLeaf) {
        f.nodes_.push_back({a.leaf_value[a.left[p.node] * k + positive], kLeafBit});
        continue;
      }
      uint32_t meta = static_cast<uint32_t>(feature);
      if (a.missing_left[p.node] != 0) meta |= kMissingLeftBit;
      f.nodes_.push_back({a.threshold[p.node], meta});
      stack.push_back({a.right[p.node], p.depth + 1, at});
      stack.push_back({a.left[p.node], p.depth + 1, UINT32_MAX});
    }
    f.depth_.push_back(depth);
  }
  return f;
}

double FastForest::PredictOne(const float* row) const {
  const Node* nodes = nodes_.data();
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
      for (size_t g = 0; g < kTreeGroup; ++g) idx[g] = Step(nodes, idx[g], row);
    }
    // Summed in tree order, as the reference predictor does.
    for (size_t g = 0; g < kTreeGroup; ++g) sum += static_cast<double>(nodes[idx[g]].value);
  }
  for (; t0 < trees; ++t0) {
    uint32_t i = root_[t0];
    for (uint32_t s = 0; s < depth_[t0]; ++s) i = Step(nodes, i, row);
    sum += static_cast<double>(nodes[i].value);
  }
  return sum / static_cast<double>(trees);
}

void FastForest::PredictMany(const float* rows, size_t width, std::span<double> out) const {
  const Node* nodes = nodes_.data();
  const size_t trees = root_.size();
  for (size_t r0 = 0; r0 < out.size(); r0 += kRowBlock) {
    const size_t n = std::min(kRowBlock, out.size() - r0);
    const float* block = rows + r0 * width;
    double sum[kRowBlock] = {};
    uint32_t idx[kRowBlock];
    for (size_t t = 0; t < trees; ++t) {
      const uint32_t root = root_[t];
      for (size_t r = 0; r < n; ++r) idx[r] = root;
      for (uint32_t s = 0; s < depth_[t]; ++s) {
        for (size_t r = 0; r < n; ++r) idx[r] = Step(nodes, idx[r], block + r * width);
      }
      for (size_t r = 0; r < n; ++r) sum[r] += static_cast<double>(nodes[idx[r]].value);
    }
    for (size_t r = 0; r < n; ++r) out[r0 + r] = sum[r] / static_cast<double>(trees);
  }
}

}  // namespace raincheck::forest
