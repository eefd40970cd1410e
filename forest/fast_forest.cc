#include "forest/fast_forest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RAINCHECK_FOREST_X86_VECTOR 1  // the AVX-512 and AVX2 paths, chosen at run time
#endif

namespace raincheck::forest {
namespace {

using Node = FastForest::Node;

constexpr uint32_t kFeatureMask = FastForest::kMaxFeatures;  // 0xFF
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
  while (a.leaf_begin[t + 1] * a.n_classes <= s) ++t;
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

// How one row's leaf values combine (FastForest's mean_, float32_sum_, base_).
struct Combine {
  bool mean;
  bool float32_sum;
  double base;
};

// One row's leaf values combined as `how` says (the mean over the trees, or base + sum), the
// trees taken kLanes at a time in lockstep: each chunk's roots go to start[0, n), the other
// lanes are parked on a leaf (`parking`, not summed), and walk(start, steps, n, leaf) steps
// them `steps` times (the depth of the chunk's deepest tree) and writes the kLanes leaf values.
// The values are added in tree order (in double, or float32 when `how` says), as the reference
// predictor does, so every path gives the same bits.
// Always inlined, so that the vector paths' walks (compiled for their instruction sets) are
// inlined into it: called through it they are measurably slower (docs/benchmarks.md).
template <size_t kLanes, typename Walk>
[[gnu::always_inline]] inline double CombineLanes(const uint32_t* root, const uint32_t* depth,
                                                  size_t trees, uint32_t parking, Combine how,
                                                  const Walk& walk) {
  alignas(64) uint32_t start[kLanes];
  alignas(64) float leaf[kLanes];
  double sum = how.base;
  auto fsum = static_cast<float>(how.base);
  for (size_t t0 = 0; t0 < trees; t0 += kLanes) {
    const size_t n = std::min(kLanes, trees - t0);
    uint32_t steps = 0;
    for (size_t g = 0; g < kLanes; ++g) {
      start[g] = g < n ? root[t0 + g] : parking;
      steps = std::max(steps, g < n ? depth[t0 + g] : 0u);
    }
    walk(start, steps, n, leaf);
    if (how.float32_sum) {
      for (size_t g = 0; g < n; ++g) fsum += leaf[g];
    } else {
      for (size_t g = 0; g < n; ++g) sum += static_cast<double>(leaf[g]);
    }
  }
  if (how.float32_sum) return static_cast<double>(fsum);
  return how.mean ? sum / static_cast<double>(trees) : sum;
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
// Rows stepped together through one tree in a batch, and the floats of the block's copy
// (rows with the sentinel NaN appended).
constexpr size_t kRowBlock = 64;
constexpr size_t kBlockFloats = 4096;

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
  const size_t n = a.n_nodes();
  const size_t k = a.n_classes;
  const size_t trees = a.n_trees();
  FastForest f;
  f.n_features_ = a.n_features;
  f.mean_ = c.is_forest();
  f.float32_sum_ = !c.is_forest() && c.float32_sum;
  f.base_ = c.is_forest() ? 0.0 : c.base_score;
  // The layout is written while the nodes are checked; it is dropped if the forest turns out
  // not to fit the node word.
  bool fits = a.n_features <= kMaxFeatures && positive < k && n < (size_t{1} << 31);
  if (fits) {
    f.nodes_.resize(n);
    f.root_.resize(trees);
    f.depth_.resize(trees);
  }
  Node* nodes = f.nodes_.data();
  const Column<int32_t> feature = a.feature;
  const Column<float> threshold = a.threshold;
  const Column<uint32_t> left = a.left;
  const Column<uint32_t> right = a.right;
  const Column<uint8_t> missing_left = a.missing_left;
  const Column<float> leaf_value = a.leaf_value;
  const auto n_features = static_cast<int64_t>(a.n_features);
  const uint32_t sentinel = a.n_features;
  RC_RETURN_IF_ERROR(c.is_forest() ? CheckLeafTable(a) : CheckMargins(a));
  // Which nodes a parent has reached: a second parent is refused, and so is a node no parent
  // reaches. One byte each rather than one bit: marking the two children of a node in the
  // same 64-bit word made each node wait for the previous node's store.
  std::vector<uint8_t> seen(n, 0);
  uint8_t* reached = seen.data();
  auto mark = [reached](uint32_t i) {
    const bool was = reached[i] != 0;
    reached[i] = 1;
    return was;
  };
  // Depth-first walk: a node's position in the layout is the number of nodes placed before
  // it; the walk goes on with the left child, which lands right after its parent, and keeps
  // the right child on a stack with its parent's position, patched with the offset when the
  // right child is placed. The stack holds at most one pending right child per level. Its
  // entries are one 64-bit word (node, parent position) plus the level, each read back with
  // loads of the size they were stored with (a 12-byte struct made store forwarding fail).
  std::vector<uint64_t> pending;
  std::vector<uint32_t> pending_level;
  pending.reserve(64);
  pending_level.reserve(64);
  for (size_t t = 0; t < trees; ++t) {
    const uint32_t nb = a.node_begin[t], ne = a.node_begin[t + 1];
    const size_t lb = a.leaf_begin[t], le = a.leaf_begin[t + 1];
    if (nb >= ne) return Status::Corruption("tree " + std::to_string(t) + " has no nodes");
    uint32_t at = nb;
    uint32_t depth = 0;
    mark(nb);
    uint32_t i = nb, level = 0;
    for (;;) {
      depth = std::max(depth, level);
      const int32_t fi = feature[i];
      if (fi == ForestArrays::kLeaf) {
        const size_t slot = left[i];
        if (slot < lb || slot >= le || right[i] != 0) {
          return NodeError(t, i - nb, ": leaf slot out of range");
        }
        if (fits) nodes[at] = {leaf_value[slot * k + positive], sentinel};
        ++at;
        if (pending.empty()) break;
        // The next right child: placed here, so its parent's offset is known now.
        const uint64_t e = pending.back();
        pending.pop_back();
        level = pending_level.back();
        pending_level.pop_back();
        i = static_cast<uint32_t>(e);
        const auto parent_at = static_cast<uint32_t>(e >> 32);
        const uint32_t far = at - parent_at;
        if (far > kMaxOffset) fits = false;
        if (fits) nodes[parent_at].meta |= far << kOffsetShift;
        continue;
      }
      if (fi < 0 || fi >= n_features) {
        return NodeError(t, i - nb, ": feature index out of range");
      }
      if (std::isnan(threshold[i])) {
        return NodeError(t, i - nb, ": threshold is NaN");
      }
      if (missing_left[i] > 1) {
        return NodeError(t, i - nb, ": bad missing-value flag");
      }
      const uint32_t l = left[i], r = right[i];
      if (l <= i || l >= ne || r <= i || r >= ne || l == r) {
        return NodeError(t, i - nb, ": child index out of range");
      }
      if (mark(l) || mark(r)) {
        return NodeError(t, i - nb, ": a child has two parents");
      }
      if (fits) {
        const uint32_t flag = missing_left[i] != 0 ? kMissingLeftBit : 0u;
        nodes[at] = {threshold[i], static_cast<uint32_t>(fi) | flag};
      }
      pending.push_back(r | (uint64_t{at} << 32));
      pending_level.push_back(level + 1);
      ++at;
      i = l;
      ++level;
    }
    // Every node was placed at most once (children lie after their parent and have one
    // parent); fewer placed than the tree has means some node hangs from no parent.
    if (at != ne) {
      uint32_t u = nb + 1;
      while (u < ne && reached[u] != 0) ++u;
      return NodeError(t, u - nb, " is not reached exactly once");
    }
    if (fits) {
      f.root_[t] = nb;
      f.depth_[t] = depth;
      if (t == 0) {
        // A leaf of tree 0 for parked vector lanes: follow the right children to one.
        uint32_t p = nb;
        while ((nodes[p].meta & kFeatureMask) != sentinel) p += nodes[p].meta >> kOffsetShift;
        f.parking_ = p;
      }
    }
  }
  if (fits) {
#ifdef RAINCHECK_FOREST_X86_VECTOR
    // cpu_init: a model may be loaded by a static initialiser, before libgcc's own one ran.
    __builtin_cpu_init();
    f.avx512_ = __builtin_cpu_supports("avx512f") != 0;
    f.avx2_ = __builtin_cpu_supports("avx2") != 0;
#endif
    out = std::move(f);
  }
  return Status::Ok();
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

#ifdef RAINCHECK_FOREST_X86_VECTOR
// GCC 12's avx512fintrin.h initialises its "undefined" vectors from themselves, which
// -Wmaybe-uninitialized (or -Wuninitialized, depending on where the intrinsics end up
// inlined) reports (a known false positive), and without optimisation its gather macros pass
// all-ones masks through signed types.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__  // a GCC-only warning (clang-tidy parses this file with clang)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wconversion"
namespace {

// One step of 16 trees: gathers the 16 nodes (two 8-node qword gathers, split into
// thresholds and words), picks the row values by feature index (a permute when the row and
// its sentinel fit one register), compares, and adds 1 or the far offset per lane.
template <bool kInRegister, bool kMaybeNaN>
__attribute__((target("avx512f"), always_inline)) inline __m512i StepAvx512(__m512i idx,
                                                                            const long long* base,
                                                                            const float* row,
                                                                            __m512 row_v) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const __m512i n0 = _mm512_i32gather_epi64(_mm512_castsi512_si256(idx), base, 8);
  const __m512i n1 = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(idx, 1), base, 8);
  const __m512 thr = _mm512_castsi512_ps(_mm512_permutex2var_epi32(n0, even, n1));
  const __m512i meta = _mm512_permutex2var_epi32(n0, odd, n1);
  const __m512i f = _mm512_and_si512(meta, _mm512_set1_epi32(static_cast<int>(kFeatureMask)));
  __m512 x;
  if constexpr (kInRegister) {
    x = _mm512_permutexvar_ps(f, row_v);
  } else {
    x = _mm512_i32gather_ps(f, row, 4);
  }
  __mmask16 go_left = _mm512_cmp_ps_mask(x, thr, _CMP_LE_OQ);
  if constexpr (kMaybeNaN) {
    const __m512i missing_bit = _mm512_set1_epi32(static_cast<int>(FastForest::kMissingLeftBit));
    go_left = static_cast<__mmask16>(go_left | (_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) &
                                                _mm512_test_epi32_mask(meta, missing_bit)));
  }
  const __m512i far = _mm512_srli_epi32(meta, FastForest::kOffsetShift);
  return _mm512_add_epi32(idx, _mm512_mask_blend_epi32(go_left, far, _mm512_set1_epi32(1)));
}

// R registers of 16 trees each stepped together `steps` times from `start`; their leaf values
// go to `leaf` (R * 16 floats).
template <int R, bool kInRegister, bool kMaybeNaN>
__attribute__((target("avx512f"))) void WalkAvx512(const Node* nodes, const uint32_t* start,
                                                   uint32_t steps, const float* row, float* leaf) {
  const __m512 row_v = kInRegister ? _mm512_loadu_ps(row) : _mm512_setzero_ps();
  const auto* base = reinterpret_cast<const long long*>(nodes);
  __m512i idx[R];
  for (int r = 0; r < R; ++r) idx[r] = _mm512_load_si512(start + 16 * static_cast<size_t>(r));
  for (uint32_t s = 0; s < steps; ++s) {
    for (int r = 0; r < R; ++r) {
      idx[r] = StepAvx512<kInRegister, kMaybeNaN>(idx[r], base, row, row_v);
    }
  }
  const auto* values = reinterpret_cast<const float*>(nodes);  // a node's value is its first word
  for (int r = 0; r < R; ++r) {
    _mm512_store_ps(leaf + 16 * static_cast<size_t>(r), _mm512_i32gather_ps(idx[r], values, 8));
  }
}

// One row: chunks of up to 64 trees (4 registers of 16, as many independent gathers in flight
// as hide their latency).
template <bool kInRegister, bool kMaybeNaN>
__attribute__((target("avx512f"))) double PredictOneAvx512(const Node* nodes, const uint32_t* root,
                                                           const uint32_t* depth, size_t trees,
                                                           uint32_t parking, Combine how,
                                                           const float* row) {
  auto walk = [ nodes, row ](const uint32_t* start, uint32_t steps, size_t n, float* leaf)
      __attribute__((target("avx512f"))) {
    switch ((n + 15) / 16) {
      case 1:
        return WalkAvx512<1, kInRegister, kMaybeNaN>(nodes, start, steps, row, leaf);
      case 2:
        return WalkAvx512<2, kInRegister, kMaybeNaN>(nodes, start, steps, row, leaf);
      case 3:
        return WalkAvx512<3, kInRegister, kMaybeNaN>(nodes, start, steps, row, leaf);
      default:
        return WalkAvx512<4, kInRegister, kMaybeNaN>(nodes, start, steps, row, leaf);
    }
  };
  return CombineLanes<64>(root, depth, trees, parking, how, walk);
}

// `row`: the row and its sentinel, then zeros up to at least 16 floats.
double PredictRowAvx512(const Node* n, const uint32_t* r, const uint32_t* d, size_t t,
                        uint32_t parking, Combine how, size_t n_features, bool nan,
                        const float* row) {
  if (n_features < 16) {  // the row and its sentinel fit one register
    return nan ? PredictOneAvx512<true, true>(n, r, d, t, parking, how, row)
               : PredictOneAvx512<true, false>(n, r, d, t, parking, how, row);
  }
  return nan ? PredictOneAvx512<false, true>(n, r, d, t, parking, how, row)
             : PredictOneAvx512<false, false>(n, r, d, t, parking, how, row);
}

}  // namespace
#pragma GCC diagnostic pop
#endif

#ifdef RAINCHECK_FOREST_X86_VECTOR
// The same GCC 12 header warnings as above, from avx2intrin.h's gather macros at -O0.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wconversion"
namespace {

// Where an AVX2 step takes the row values from: one register (row and sentinel in 8 floats),
// two registers (16 floats, picked by bit 3 of the feature index) or a gather from memory.
enum class RowIn { kOneRegister, kTwoRegisters, kMemory };

// The order of the lanes after a step: the middle two quarters of the register swapped.
constexpr int kSwapMiddle = _MM_SHUFFLE(3, 1, 2, 0);

// One step of 8 trees: gathers the 8 nodes (two 4-qword gathers, split into thresholds and
// words by two in-lane shuffles: measured faster than a dword gather of each, docs/forest.md),
// picks the row values by feature index, compares, and adds 1 or the far offset per lane.
// The shuffles return the lanes in the order 0 1 4 5 2 3 6 7, so the indices are permuted
// the same way (while the gathers run): each step swaps the middle quarters of the register,
// which the caller undoes after an odd number of steps.
template <RowIn kRow, bool kMaybeNaN>
__attribute__((target("avx2"), always_inline)) inline __m256i StepAvx2(
    __m256i idx, const Node* nodes, const float* row, __m256 row_lo, __m256 row_hi) {
  const auto* base = reinterpret_cast<const long long*>(nodes);
  const __m256 n0 =
      _mm256_castsi256_ps(_mm256_i32gather_epi64(base, _mm256_castsi256_si128(idx), 8));
  const __m256 n1 =
      _mm256_castsi256_ps(_mm256_i32gather_epi64(base, _mm256_extracti128_si256(idx, 1), 8));
  idx = _mm256_permute4x64_epi64(idx, kSwapMiddle);
  const __m256 thr = _mm256_shuffle_ps(n0, n1, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256i meta = _mm256_castps_si256(_mm256_shuffle_ps(n0, n1, _MM_SHUFFLE(3, 1, 3, 1)));
  const __m256i f = _mm256_and_si256(meta, _mm256_set1_epi32(static_cast<int>(kFeatureMask)));
  __m256 x;
  if constexpr (kRow == RowIn::kOneRegister) {
    x = _mm256_permutevar8x32_ps(row_lo, f);
  } else if constexpr (kRow == RowIn::kTwoRegisters) {
    // blendv looks at the sign bit: bit 3 of the index moved there picks the high half.
    const __m256 hi_half = _mm256_castsi256_ps(_mm256_slli_epi32(f, 28));
    x = _mm256_blendv_ps(_mm256_permutevar8x32_ps(row_lo, f), _mm256_permutevar8x32_ps(row_hi, f),
                         hi_half);
  } else {
    x = _mm256_i32gather_ps(row, f, 4);
  }
  // Only the sign bit of go_left counts (blendv below).
  __m256 go_left = _mm256_cmp_ps(x, thr, _CMP_LE_OQ);
  if constexpr (kMaybeNaN) {
    // The missing-left bit (bit 8) shifted to the sign bit, kept where x is NaN.
    const __m256 missing_left = _mm256_castsi256_ps(_mm256_slli_epi32(meta, 31 - 8));
    go_left = _mm256_or_ps(go_left, _mm256_and_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q), missing_left));
  }
  static_assert(FastForest::kMissingLeftBit == 1u << 8);
  const __m256 far = _mm256_castsi256_ps(_mm256_srli_epi32(meta, FastForest::kOffsetShift));
  const __m256 one = _mm256_castsi256_ps(_mm256_set1_epi32(1));
  return _mm256_add_epi32(idx, _mm256_castps_si256(_mm256_blendv_ps(far, one, go_left)));
}

// R registers of 8 trees each stepped together `steps` times from `start`; their leaf values
// go to `leaf` (R * 8 floats).
template <int R, RowIn kRow, bool kMaybeNaN>
__attribute__((target("avx2"))) void WalkAvx2(const Node* nodes, const uint32_t* start,
                                              uint32_t steps, const float* row, float* leaf) {
  const __m256 row_lo = kRow != RowIn::kMemory ? _mm256_loadu_ps(row) : _mm256_setzero_ps();
  const __m256 row_hi =
      kRow == RowIn::kTwoRegisters ? _mm256_loadu_ps(row + 8) : _mm256_setzero_ps();
  __m256i idx[R];
  for (int r = 0; r < R; ++r) {
    idx[r] =
        _mm256_load_si256(reinterpret_cast<const __m256i*>(start + 8 * static_cast<size_t>(r)));
  }
  for (uint32_t s = 0; s < steps; ++s) {
    for (int r = 0; r < R; ++r) {
      idx[r] = StepAvx2<kRow, kMaybeNaN>(idx[r], nodes, row, row_lo, row_hi);
    }
  }
  if (steps % 2 != 0) {
    for (int r = 0; r < R; ++r) idx[r] = _mm256_permute4x64_epi64(idx[r], kSwapMiddle);
  }
  const auto* values = reinterpret_cast<const float*>(nodes);  // a node's value is its first word
  for (int r = 0; r < R; ++r) {
    _mm256_store_ps(leaf + 8 * static_cast<size_t>(r), _mm256_i32gather_ps(values, idx[r], 8));
  }
}

// Registers of 8 trees stepped together: 8 (64 trees, as the AVX-512 path) measured faster
// than fewer (docs/forest.md); more would not leave the 16 ymm registers room.
constexpr int kAvx2Registers = 8;

// WalkAvx2<regs> for regs in 1..kAvx2Registers, through a table.
template <RowIn kRow, bool kMaybeNaN, int... R>
__attribute__((target("avx2"))) void WalkAvx2Regs(int regs, const Node* nodes,
                                                  const uint32_t* start, uint32_t steps,
                                                  const float* row, float* leaf,
                                                  std::integer_sequence<int, R...>) {
  using Walk = void (*)(const Node*, const uint32_t*, uint32_t, const float*, float*);
  static constexpr Walk kWalk[] = {&WalkAvx2<R + 1, kRow, kMaybeNaN>...};
  kWalk[regs - 1](nodes, start, steps, row, leaf);
}

// One row: chunks of up to 64 trees (8 registers of 8), as the AVX-512 path.
template <RowIn kRow, bool kMaybeNaN>
__attribute__((target("avx2"))) double PredictOneAvx2(const Node* nodes, const uint32_t* root,
                                                      const uint32_t* depth, size_t trees,
                                                      uint32_t parking, Combine how,
                                                      const float* row) {
  auto walk = [ nodes, row ](const uint32_t* start, uint32_t steps, size_t n, float* leaf)
      __attribute__((target("avx2"))) {
    WalkAvx2Regs<kRow, kMaybeNaN>(static_cast<int>((n + 7) / 8), nodes, start, steps, row, leaf,
                                  std::make_integer_sequence<int, kAvx2Registers>());
  };
  return CombineLanes<8 * size_t{kAvx2Registers}>(root, depth, trees, parking, how, walk);
}

// `row`: the row and its sentinel, then zeros up to at least 16 floats.
double PredictRowAvx2(const Node* n, const uint32_t* r, const uint32_t* d, size_t t,
                      uint32_t parking, Combine how, size_t n_features, bool nan,
                      const float* row) {
  if (n_features < 8) {
    return nan ? PredictOneAvx2<RowIn::kOneRegister, true>(n, r, d, t, parking, how, row)
               : PredictOneAvx2<RowIn::kOneRegister, false>(n, r, d, t, parking, how, row);
  }
  if (n_features < 16) {
    return nan ? PredictOneAvx2<RowIn::kTwoRegisters, true>(n, r, d, t, parking, how, row)
               : PredictOneAvx2<RowIn::kTwoRegisters, false>(n, r, d, t, parking, how, row);
  }
  return nan ? PredictOneAvx2<RowIn::kMemory, true>(n, r, d, t, parking, how, row)
             : PredictOneAvx2<RowIn::kMemory, false>(n, r, d, t, parking, how, row);
}

}  // namespace
#pragma GCC diagnostic pop
#endif

double FastForest::PredictOne(const float* row) const {
  float copy[kRowCopyFloats];
  CopyRow(row, n_features_, copy);
  const bool nan = HasNaN(row, n_features_);
#ifdef RAINCHECK_FOREST_X86_VECTOR
  if (avx512_) {
    return PredictRowAvx512(nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
                            {mean_, float32_sum_, base_}, n_features_, nan, copy);
  }
  if (avx2_) {
    return PredictRowAvx2(nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
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
    return PredictRowAvx2(nodes_.data(), root_.data(), depth_.data(), root_.size(), parking_,
                          {mean_, float32_sum_, base_}, n_features_, HasNaN(row, n_features_),
                          copy);
  }
#endif
  return PredictOneScalar(row);
}

double FastForest::PredictOneScalar(const float* row) const {
  float copy[kRowCopyFloats];
  CopyRow(row, n_features_, copy);
  return HasNaN(row, n_features_) ? PredictOneImpl<true>(copy) : PredictOneImpl<false>(copy);
}

template <bool kMaybeNaN>
void FastForest::PredictBlock(const float* block, size_t stride, std::span<double> out) const {
  const Node* nodes = nodes_.data();
  const size_t trees = root_.size();
  const size_t n = out.size();
  double sum[kRowBlock];
  float fsum[kRowBlock];
  for (size_t r = 0; r < n; ++r) {
    sum[r] = base_;
    fsum[r] = static_cast<float>(base_);
  }
  uint32_t idx[kRowBlock];
  for (size_t t = 0; t < trees; ++t) {
    const uint32_t root = root_[t];
    for (size_t r = 0; r < n; ++r) idx[r] = root;
    for (uint32_t s = 0; s < depth_[t]; ++s) {
      for (size_t r = 0; r < n; ++r) idx[r] = Step<kMaybeNaN>(nodes, idx[r], block + r * stride);
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

void FastForest::PredictMany(const float* rows, size_t width, std::span<double> out) const {
  // Blocks of rows are copied with the sentinel NaN after each row (stride width + 1).
  float copy[kBlockFloats];
  const size_t stride = width + 1;
  const size_t block_rows = std::min(kRowBlock, kBlockFloats / stride);
  for (size_t r0 = 0; r0 < out.size(); r0 += block_rows) {
    const size_t n = std::min(block_rows, out.size() - r0);
    const float* block = rows + r0 * width;
    for (size_t r = 0; r < n; ++r) {
      std::memcpy(copy + r * stride, block + r * width, width * sizeof(float));
      copy[r * stride + width] = kNaN;
    }
    if (HasNaN(block, n * width)) {
      PredictBlock<true>(copy, stride, out.subspan(r0, n));
    } else {
      PredictBlock<false>(copy, stride, out.subspan(r0, n));
    }
  }
}

}  // namespace raincheck::forest
