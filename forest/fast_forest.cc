#include "forest/fast_forest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "forest/fast_forest_internal.h"

namespace raincheck::forest {
namespace {

using fast_forest_internal::Combine;
using fast_forest_internal::CombineLanes;
using fast_forest_internal::kFeatureMask;
using fast_forest_internal::Node;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The Corruption status for a node ("tree 3 node 17: child index out of range"). Kept out of
// line and cold so that building the message does not crowd the checking loop's registers.
[[gnu::cold, gnu::noinline]] Status NodeError(size_t tree, size_t node, const char* what) {
  return Status::Corruption("tree " + std::to_string(tree) + " node " + std::to_string(node) +
                            what);
}

// One step down a tree: the index of the child `row` goes to, or `i` itself at a leaf (whose
// feature is the sentinel slot, NaN, so nothing goes left, and whose offset is 0).
// Written without a branch: which way a row goes is data, not a predictable branch.
// kMaybeNaN = false is the shorter step for rows without missing values.
template <bool kMaybeNaN>
inline uint32_t Step(const Node* nodes, uint32_t i, const float* row) {
  const Node n = nodes[i];
  const float x = row[n.meta & kFeatureMask];
  uint32_t left = static_cast<uint32_t>(x <= n.value);
  if constexpr (kMaybeNaN) {
    // A NaN x compares false above; it goes left when the node says so (never at a leaf).
    left |= ((n.meta >> FastForest::kFeatureBits) & 1u) & static_cast<uint32_t>(!(x > n.value));
  }
  // i + (left ? 1 : far) with masks: GCC turns the ?: into a branch.
  const uint32_t far = n.meta >> FastForest::kOffsetShift;
  const uint32_t mask = 0u - left;  // all ones when going left
  return i + (far ^ ((far ^ 1u) & mask));
}

bool HasNaN(const float* v, size_t n) {
  bool nan = false;
  for (size_t i = 0; i < n; ++i) nan |= v[i] != v[i];
  return nan;
}

// Every value of boosted trees' leaf table is finite (a margin). Branch-free, as below.
Status CheckMargins(const ForestView& a) {
  const Column<float> v = a.leaf_value;
  const size_t n = v.size();
  uint32_t ok = 1;
  for (size_t i = 0; i < n; ++i) ok &= static_cast<uint32_t>(std::isfinite(v[i]));
  if (ok != 0) return Status::Ok();
  size_t s = 0;
  while (std::isfinite(v[s])) ++s;
  size_t t = 0;
  while (size_t{a.leaf_begin[t + 1]} * a.n_classes <= s) ++t;
  return Status::Corruption("tree " + std::to_string(t) + " leaf " +
                            std::to_string(s / a.n_classes - a.leaf_begin[t]) +
                            ": leaf value is not finite");
}

// Every slot of the leaf table holds class frequencies in [0, 1] that sum to 1 (within float
// rounding). One branch-free pass over the whole table, apart from the walk over the nodes
// (whose order makes the slots' order irregular); the slow search for the first bad slot
// only runs to name it.
Status CheckLeafTable(const ForestView& a) {
  const size_t k = a.n_classes;
  const size_t slots = a.n_leaves();
  const Column<float> v = a.leaf_value;
  auto bad_slot = [v, k](size_t s) {
    float sum = 0.0f;
    bool in_range = true;
    for (size_t c = 0; c < k; ++c) {
      const float x = v[s * k + c];
      in_range &= x >= 0.0f && x <= 1.0f;  // false for NaN
      sum += x;
    }
    return !in_range || !(sum > 0.999f && sum < 1.001f);
  };
  bool bad = false;
  if (k == 2) {
    // Comparisons turned into integers and ANDed: no branch, so the compiler vectorises it.
    uint32_t ok = 1;
    for (size_t s = 0; s < slots; ++s) {
      const float x = v[2 * s], y = v[2 * s + 1];
      const float sum = x + y;
      ok &= static_cast<uint32_t>(x >= 0.0f) & static_cast<uint32_t>(x <= 1.0f) &
            static_cast<uint32_t>(y >= 0.0f) & static_cast<uint32_t>(y <= 1.0f) &
            static_cast<uint32_t>(sum > 0.999f) & static_cast<uint32_t>(sum < 1.001f);
    }
    bad = ok == 0;
  } else {
    for (size_t s = 0; s < slots; ++s) bad |= bad_slot(s);
  }
  if (!bad) return Status::Ok();
  size_t s = 0;
  while (!bad_slot(s)) ++s;
  size_t t = 0;
  while (a.leaf_begin[t + 1] <= s) ++t;
  return Status::Corruption("tree " + std::to_string(t) + " leaf " +
                            std::to_string(s - a.leaf_begin[t]) +
                            ": bad class frequencies (outside [0, 1] or not summing to 1)");
}

// Room for a copy of one row (at most kMaxFeatures floats), the sentinel NaN leaves read after
// it, and zeros up to 16 floats for the vector paths' whole-register loads.
constexpr size_t kRowCopyFloats = FastForest::kMaxFeatures + 1 + 16;

// Copies `row` (n floats) into `copy` with the sentinel NaN after it and zeros up to 16 floats.
void CopyRow(const float* row, size_t n, float* copy) {
  std::memset(copy, 0, 16 * sizeof(float));
  std::memcpy(copy, row, n * sizeof(float));
  copy[n] = std::numeric_limits<float>::quiet_NaN();
}

// Trees stepped together for one row by the scalar path: enough independent loads to hide
// their latency (16 measured the same).
constexpr size_t kTreeGroup = 8;
// The floats of a batch block's copy (rows with the sentinel NaN appended): 128 KB, so that
// the rows of a block and the tree they walk stay in L2 together.
constexpr size_t kBlockFloats = 32768;

// Checks the nodes of a forest one tree at a time (each node reached exactly once from its root
// through children that lie after their parent; feature indices, thresholds, flags and leaf
// slots) and, while the forest fits the node word, writes each tree's layout at the tree's own
// node indices. The marks of reached nodes and the stack of pending right children are kept
// across trees, so that checking a whole forest allocates them once.
class TreeChecker {
 public:
  // `layout`: n_nodes() nodes to write, or null to check only.
  TreeChecker(const ForestView& forest, size_t positive, Node* layout)
      : forest_(forest), positive_(positive), layout_(layout), reached_(forest.n_nodes(), 0) {
    pending_.reserve(64);
    pending_level_.reserve(64);
  }

  // Checks tree `tree` and places its nodes; its depth (longest root-to-leaf path in edges)
  // goes to *depth. Corruption naming the first problem found.
  Status CheckAndPlace(size_t tree, uint32_t* depth);

  // Where the layout is written; null once the forest turned out not to fit the node word (or
  // when there was none to write).
  Node* layout() const { return layout_; }

 private:
  const ForestView& forest_;
  const size_t positive_;  // the class whose frequency a random forest's layout leaf holds
  Node* layout_;
  // Which nodes a parent has reached: a second parent is refused, and so is a node no parent
  // reaches. One byte each rather than one bit: marking the two children of a node in the
  // same 64-bit word made each node wait for the previous node's store.
  std::vector<uint8_t> reached_;
  // Right children waiting to be placed: one 64-bit word (node, parent's position) plus the
  // level, each read back with loads of the size they were stored with (a 12-byte struct made
  // store forwarding fail). At most one per level.
  std::vector<uint64_t> pending_;
  std::vector<uint32_t> pending_level_;
};

// Depth-first walk: a node's position in the layout is the number of nodes placed before it;
// the walk goes on with the left child, which lands right after its parent, and keeps the
// right child on the pending stack with its parent's position, patched with the offset when
// the right child is placed. The loop works on local copies of the members (the compiler
// keeps them in registers).
Status TreeChecker::CheckAndPlace(size_t tree, uint32_t* depth) {
  const ForestView& a = forest_;
  const size_t classes = a.n_classes;
  const Column<int32_t> feature = a.feature;
  const Column<float> threshold = a.threshold;
  const Column<uint32_t> left = a.left;
  const Column<uint32_t> right = a.right;
  const Column<uint8_t> missing_left = a.missing_left;
  const Column<float> leaf_value = a.leaf_value;
  const auto n_features = static_cast<int64_t>(a.n_features);
  const uint32_t sentinel = a.n_features;
  Node* nodes = layout_;
  bool fits = nodes != nullptr;
  uint8_t* reached = reached_.data();
  auto mark = [reached](uint32_t i) {
    const bool was = reached[i] != 0;
    reached[i] = 1;
    return was;
  };
  std::vector<uint64_t>& pending = pending_;
  std::vector<uint32_t>& pending_level = pending_level_;

  const uint32_t first = a.node_begin[tree], end = a.node_begin[tree + 1];
  const size_t first_slot = a.leaf_begin[tree], end_slot = a.leaf_begin[tree + 1];
  if (first >= end) return Status::Corruption("tree " + std::to_string(tree) + " has no nodes");
  uint32_t placed = first;  // the layout position of the next node placed
  uint32_t deepest = 0;
  mark(first);
  uint32_t i = first, level = 0;
  for (;;) {
    deepest = std::max(deepest, level);
    const int32_t feature_index = feature[i];
    if (feature_index == ForestArrays::kLeaf) {
      const size_t slot = left[i];
      if (slot < first_slot || slot >= end_slot || right[i] != 0) {
        return NodeError(tree, i - first, ": leaf slot out of range");
      }
      if (fits) nodes[placed] = {leaf_value[slot * classes + positive_], sentinel};
      ++placed;
      if (pending.empty()) break;
      // The next right child: placed here, so its parent's offset is known now.
      const uint64_t entry = pending.back();
      pending.pop_back();
      level = pending_level.back();
      pending_level.pop_back();
      i = static_cast<uint32_t>(entry);
      const auto parent_placed = static_cast<uint32_t>(entry >> 32);
      const uint32_t far = placed - parent_placed;
      if (far > FastForest::kMaxOffset) fits = false;
      if (fits) nodes[parent_placed].meta |= far << FastForest::kOffsetShift;
      continue;
    }
    if (feature_index < 0 || feature_index >= n_features) {
      return NodeError(tree, i - first, ": feature index out of range");
    }
    if (std::isnan(threshold[i])) {
      return NodeError(tree, i - first, ": threshold is NaN");
    }
    if (missing_left[i] > 1) {
      return NodeError(tree, i - first, ": bad missing-value flag");
    }
    const uint32_t left_child = left[i], right_child = right[i];
    if (left_child <= i || left_child >= end || right_child <= i || right_child >= end ||
        left_child == right_child) {
      return NodeError(tree, i - first, ": child index out of range");
    }
    if (mark(left_child) || mark(right_child)) {
      return NodeError(tree, i - first, ": a child has two parents");
    }
    if (fits) {
      const uint32_t flag = missing_left[i] != 0 ? FastForest::kMissingLeftBit : 0u;
      nodes[placed] = {threshold[i], static_cast<uint32_t>(feature_index) | flag};
    }
    pending.push_back(right_child | (uint64_t{placed} << 32));
    pending_level.push_back(level + 1);
    ++placed;
    i = left_child;
    ++level;
  }
  // Every node was placed at most once (children lie after their parent and have one parent);
  // fewer placed than the tree has means some node hangs from no parent.
  if (placed != end) {
    uint32_t unreached = first + 1;
    while (unreached < end && reached[unreached] != 0) ++unreached;
    return NodeError(tree, unreached - first, " is not reached exactly once");
  }
  if (!fits) layout_ = nullptr;
  *depth = deepest;
  return Status::Ok();
}

// The leaf that following the right children from `root` ends on: where a chunk's unused
// vector lanes are parked.
uint32_t RightmostLeaf(const Node* nodes, uint32_t root, uint32_t sentinel) {
  uint32_t p = root;
  while ((nodes[p].meta & kFeatureMask) != sentinel) p += nodes[p].meta >> FastForest::kOffsetShift;
  return p;
}

}  // namespace

Status FastForest::CheckAndBuild(const ForestView& a, size_t positive, FastForest& out) {
  return CheckAndBuildImpl(a, positive, Combination(), out);
}

Status FastForest::CheckAndBuild(const ForestView& a, const Combination& c, FastForest& out) {
  return CheckAndBuildImpl(a, c.is_forest() ? 1 : 0, c, out);
}

Status FastForest::CheckAndBuildImpl(const ForestView& a, size_t positive, const Combination& c,
                                     FastForest& out) {
  out = FastForest();
  FastForest f;
  f.n_features_ = a.n_features;
  f.SetCombination(c);
  // The layout is written while the nodes are checked; it is dropped if the forest turns out
  // not to fit the node word.
  const bool fits =
      a.n_features <= kMaxFeatures && positive < a.n_classes && a.n_nodes() < (size_t{1} << 31);
  if (fits) f.AllocateLayout(a.n_nodes(), a.n_trees());
  RC_RETURN_IF_ERROR(c.is_forest() ? CheckLeafTable(a) : CheckMargins(a));
  TreeChecker checker(a, positive, fits ? f.nodes_.data() : nullptr);
  for (size_t t = 0; t < a.n_trees(); ++t) {
    uint32_t depth = 0;
    RC_RETURN_IF_ERROR(checker.CheckAndPlace(t, &depth));
    if (checker.layout() != nullptr) {
      f.root_[t] = a.node_begin[t];
      f.depth_[t] = depth;
    }
  }
  if (checker.layout() == nullptr) return Status::Ok();
  if (a.n_trees() > 0) f.parking_ = RightmostLeaf(f.nodes_.data(), f.root_[0], a.n_features);
  f.DetectVectorUnits();
  out = std::move(f);
  return Status::Ok();
}

void FastForest::SetCombination(const Combination& c) {
  mean_ = c.is_forest();
  float32_sum_ = !c.is_forest() && c.float32_sum;
  base_ = c.is_forest() ? 0.0 : c.base_score;
}

void FastForest::AllocateLayout(size_t nodes, size_t trees) {
  nodes_.resize(nodes);
  root_.resize(trees);
  depth_.resize(trees);
}

void FastForest::DetectVectorUnits() {
#ifdef RAINCHECK_FOREST_X86_VECTOR
  // cpu_init: a model may be loaded by a static initialiser, before libgcc's own one ran.
  __builtin_cpu_init();
  avx512_ = __builtin_cpu_supports("avx512f") != 0;
  avx2_ = __builtin_cpu_supports("avx2") != 0;
#endif
}

FastForest FastForest::Build(const ForestView& a, size_t positive) {
  FastForest f;
  if (!CheckAndBuild(a, positive, f).ok()) return FastForest();
  return f;
}

FastForest FastForest::Build(const ForestView& a, const Combination& c) {
  FastForest f;
  if (!CheckAndBuild(a, c, f).ok()) return FastForest();
  return f;
}

template <bool kMaybeNaN>
double FastForest::PredictOneImpl(const float* row) const {
  const Node* nodes = nodes_.data();
  return CombineLanes<kTreeGroup>(
      root_.data(), depth_.data(), root_.size(), parking_, {mean_, float32_sum_, base_},
      [nodes, row](const uint32_t* start, uint32_t steps, size_t, float* leaf) {
        uint32_t idx[kTreeGroup];
        std::memcpy(idx, start, sizeof idx);
        for (uint32_t s = 0; s < steps; ++s) {
          for (size_t g = 0; g < kTreeGroup; ++g) idx[g] = Step<kMaybeNaN>(nodes, idx[g], row);
        }
        for (size_t g = 0; g < kTreeGroup; ++g) leaf[g] = nodes[idx[g]].value;
      });
}

double FastForest::PredictOne(const float* row) const {
  float copy[kRowCopyFloats];
  CopyRow(row, n_features_, copy);
  const bool nan = HasNaN(row, n_features_);
#ifdef RAINCHECK_FOREST_X86_VECTOR
  if (avx512_) {
    return fast_forest_internal::PredictRowAvx512(
        nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
        {mean_, float32_sum_, base_}, n_features_, nan, copy);
  }
  if (avx2_) {
    return fast_forest_internal::PredictRowAvx2(
        nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
        {mean_, float32_sum_, base_}, n_features_, nan, copy);
  }
#endif
  return nan ? PredictOneImpl<true>(copy) : PredictOneImpl<false>(copy);
}

double FastForest::PredictOneAvx2(const float* row) const {
#ifdef RAINCHECK_FOREST_X86_VECTOR
  if (avx2_) {
    float copy[kRowCopyFloats];
    CopyRow(row, n_features_, copy);
    return fast_forest_internal::PredictRowAvx2(
        nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
        {mean_, float32_sum_, base_}, n_features_, HasNaN(row, n_features_), copy);
  }
#endif
  return PredictOneScalar(row);
}

double FastForest::PredictOneScalar(const float* row) const {
  float copy[kRowCopyFloats];
  CopyRow(row, n_features_, copy);
  return HasNaN(row, n_features_) ? PredictOneImpl<true>(copy) : PredictOneImpl<false>(copy);
}

template <bool kMaybeNaN, bool kPrefetch>
void FastForest::PredictBlock(const float* block, size_t stride, std::span<double> out) const {
  const Node* nodes = nodes_.data();
  const size_t trees = root_.size();
  const size_t n = out.size();
  double sum[kMaxBlockRows];
  float fsum[kMaxBlockRows];
  for (size_t r = 0; r < n; ++r) {
    sum[r] = base_;
    fsum[r] = static_cast<float>(base_);
  }
  uint32_t idx[kMaxBlockRows];
  for (size_t t = 0; t < trees; ++t) {
    const uint32_t root = root_[t];
    for (size_t r = 0; r < n; ++r) idx[r] = root;
    for (uint32_t s = 0; s < depth_[t]; ++s) {
      for (size_t r = 0; r < n; ++r) {
        idx[r] = Step<kMaybeNaN>(nodes, idx[r], block + r * stride);
        if constexpr (kPrefetch) __builtin_prefetch(nodes + idx[r]);
      }
    }
    if (float32_sum_) {
      for (size_t r = 0; r < n; ++r) fsum[r] += nodes[idx[r]].value;
    } else {
      for (size_t r = 0; r < n; ++r) sum[r] += static_cast<double>(nodes[idx[r]].value);
    }
  }
  for (size_t r = 0; r < n; ++r) {
    out[r] = float32_sum_ ? static_cast<double>(fsum[r])
             : mean_      ? sum[r] / static_cast<double>(trees)
                          : sum[r];
  }
}

FastForest::BatchWalk FastForest::ChosenWalk() const {
  // Every block reads every tree. A layout that fits L2 (a depth-12 forest of a 100,000-row
  // fit: 1.4 MB) is read from there: short blocks keep their rows in L1 and prefetching only
  // adds work. A larger one (depth 20: 5 MB) comes from L3 again for each block: each step
  // then starts the load of its row's next node while the block's other rows step, and long
  // blocks reuse more of a tree's nodes while they are in cache (docs/forest.md, "Fast
  // inference", has the measurements).
  if (nodes_.size() * sizeof(Node) > kCachedLayoutBytes) return {kMaxBlockRows, true};
  return {kSmallBlockRows, false};
}

void FastForest::PredictMany(const float* rows, size_t width, std::span<double> out) const {
  PredictMany(rows, width, out, ChosenWalk());
}

void FastForest::PredictMany(const float* rows, size_t width, std::span<double> out,
                             BatchWalk walk) const {
  // Blocks of rows are copied with the sentinel NaN after each row (stride width + 1).
  float copy[kBlockFloats];
  const size_t stride = width + 1;
  const size_t block_rows =
      std::clamp<size_t>(std::min(walk.block_rows, kBlockFloats / stride), 1, kMaxBlockRows);
  for (size_t r0 = 0; r0 < out.size(); r0 += block_rows) {
    const size_t n = std::min(block_rows, out.size() - r0);
    const float* block = rows + r0 * width;
    for (size_t r = 0; r < n; ++r) {
      std::memcpy(copy + r * stride, block + r * width, width * sizeof(float));
      copy[r * stride + width] = kNaN;
    }
    const bool nan = HasNaN(block, n * width);
    const std::span<double> part = out.subspan(r0, n);
    if (walk.prefetch && nan) {
      PredictBlock<true, true>(copy, stride, part);
    } else if (walk.prefetch) {
      PredictBlock<false, true>(copy, stride, part);
    } else if (nan) {
      PredictBlock<true, false>(copy, stride, part);
    } else {
      PredictBlock<false, false>(copy, stride, part);
    }
  }
}

}  // namespace raincheck::forest
