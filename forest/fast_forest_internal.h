// What forest/fast_forest.cc (the layout and the portable paths) and
// forest/fast_forest_simd.cc (the AVX-512 and AVX2 paths) share: the lockstep loop that
// combines one row's leaf values, and the vector paths' entry points. Not for other users.
#ifndef RAINCHECK_FOREST_FAST_FOREST_INTERNAL_H_
#define RAINCHECK_FOREST_FAST_FOREST_INTERNAL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "forest/fast_forest.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define RAINCHECK_FOREST_X86_VECTOR 1  // the AVX-512 and AVX2 paths, chosen at run time
#endif

namespace raincheck::forest::fast_forest_internal {

using Node = FastForest::Node;

constexpr uint32_t kFeatureMask = FastForest::kMaxFeatures;  // 0xFF

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

#ifdef RAINCHECK_FOREST_X86_VECTOR
// The vector paths (forest/fast_forest_simd.cc), each compiled for its instruction set through
// target attributes; the caller checks at run time that the CPU has it. `row` holds the row and
// its sentinel NaN, then zeros up to at least 16 floats; `nan`: the row has a missing value.
double PredictRowAvx512(const Node* nodes, const uint32_t* root, const uint32_t* depth,
                        size_t trees, uint32_t parking, Combine how, size_t n_features, bool nan,
                        const float* row);
double PredictRowAvx2(const Node* nodes, const uint32_t* root, const uint32_t* depth, size_t trees,
                      uint32_t parking, Combine how, size_t n_features, bool nan, const float* row);
#endif

}  // namespace raincheck::forest::fast_forest_internal

#endif  // RAINCHECK_FOREST_FAST_FOREST_INTERNAL_H_
