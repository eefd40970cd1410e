// The AVX-512 and AVX2 paths of FastForest::PredictOne (forest/fast_forest.h), apart from the
// layout and the portable paths (forest/fast_forest.cc). Each function is compiled for its
// instruction set through target attributes (this file has no ISA flags of its own), so the
// library runs on any x86-64 CPU; FastForest picks a path at run time from
// __builtin_cpu_supports.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "forest/fast_forest.h"
#include "forest/fast_forest_internal.h"

#ifdef RAINCHECK_FOREST_X86_VECTOR
#include <immintrin.h>

namespace raincheck::forest::fast_forest_internal {

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

}  // namespace

double PredictRowAvx512(const Node* nodes, const uint32_t* root, const uint32_t* depth,
                        size_t trees, uint32_t parking, Combine how, size_t n_features, bool nan,
                        const float* row) {
  if (n_features < 16) {  // the row and its sentinel fit one register
    return nan ? PredictOneAvx512<true, true>(nodes, root, depth, trees, parking, how, row)
               : PredictOneAvx512<true, false>(nodes, root, depth, trees, parking, how, row);
  }
  return nan ? PredictOneAvx512<false, true>(nodes, root, depth, trees, parking, how, row)
             : PredictOneAvx512<false, false>(nodes, root, depth, trees, parking, how, row);
}
#pragma GCC diagnostic pop

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

}  // namespace

double PredictRowAvx2(const Node* nodes, const uint32_t* root, const uint32_t* depth, size_t trees,
                      uint32_t parking, Combine how, size_t n_features, bool nan,
                      const float* row) {
  if (n_features < 8) {
    return nan ? PredictOneAvx2<RowIn::kOneRegister, true>(nodes, root, depth, trees, parking, how,
                                                           row)
               : PredictOneAvx2<RowIn::kOneRegister, false>(nodes, root, depth, trees, parking, how,
                                                            row);
  }
  if (n_features < 16) {
    return nan ? PredictOneAvx2<RowIn::kTwoRegisters, true>(nodes, root, depth, trees, parking, how,
                                                            row)
               : PredictOneAvx2<RowIn::kTwoRegisters, false>(nodes, root, depth, trees, parking,
                                                             how, row);
  }
  return nan ? PredictOneAvx2<RowIn::kMemory, true>(nodes, root, depth, trees, parking, how, row)
             : PredictOneAvx2<RowIn::kMemory, false>(nodes, root, depth, trees, parking, how, row);
}
#pragma GCC diagnostic pop

}  // namespace raincheck::forest::fast_forest_internal
#endif  // RAINCHECK_FOREST_X86_VECTOR
