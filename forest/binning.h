// Quantile bins for histogram split finding: per feature at most `max_bins` value bins, cut
// between distinct training values, and a compact row-major matrix of one-byte bin indices.
//
// A value v is in bin b when cuts[b - 1] < v <= cuts[b] (bin 0 below the first cut, the last
// bin above the last cut); a missing value (NaN) is in kMissingBin. Every cut lies strictly
// between two distinct training values (their midpoint, as the exact split search chooses
// thresholds), so "bin <= b" and "value <= cuts[b]" select the same training rows: a split
// found on bins is a float threshold the predictor applies to raw values.
#ifndef RAINCHECK_FOREST_BINNING_H_
#define RAINCHECK_FOREST_BINNING_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace raincheck::forest {

inline constexpr int kMaxBins = 255;
inline constexpr uint8_t kMissingBin = 255;

// The threshold between two adjacent distinct values a < b: their midpoint, or a when the
// midpoint rounds up to b. The exact split search chooses its thresholds the same way.
float ThresholdBetween(float a, float b);

// Cuts for one feature from its non-missing values (any order; the span is sorted in place).
// With at most `max_bins` distinct values every distinct value gets its own bin; otherwise
// the cuts fall at the (k / max_bins) quantiles, so bins hold about equal numbers of values.
// 2 <= max_bins <= kMaxBins.
std::vector<float> QuantileCuts(std::span<float> values, int max_bins);

// The bin of `v` under `cuts`.
uint8_t BinOf(const std::vector<float>& cuts, float v);

struct BinnedMatrix {
  size_t n_rows = 0;
  size_t n_features = 0;
  std::vector<std::vector<float>> cuts;  // per feature, strictly ascending
  std::vector<uint8_t> bins;             // row-major, n_rows * n_features

  const uint8_t* row(size_t r) const { return bins.data() + r * n_features; }
};

// Bins the column-major matrix `cols` (m rows, nf features). The cuts of a feature come from
// at most `sample` of its values, taken at an even stride (all of them when m <= sample).
// `jobs` threads work on different features; the result does not depend on `jobs`.
BinnedMatrix BuildBins(const std::vector<float>& cols, size_t m, size_t nf, int max_bins, int jobs,
                       size_t sample = 262144);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_BINNING_H_
