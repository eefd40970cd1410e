#include "forest/binning.h"

#include <algorithm>
#include <cmath>

#include "forest/parallel.h"

namespace raincheck::forest {
float ThresholdBetween(float a, float b) {
  float t = static_cast<float>((static_cast<double>(a) + static_cast<double>(b)) / 2.0);
  if (t >= b || std::isinf(t)) t = a;
  return t;
}

std::vector<float> QuantileCuts(std::span<float> values, int max_bins) {
  max_bins = std::clamp(max_bins, 2, kMaxBins);
  std::vector<float> cuts;
  if (values.empty()) return cuts;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  size_t distinct = 1;
  for (size_t i = 1; i < n && distinct <= static_cast<size_t>(max_bins); ++i) {
    if (values[i] != values[i - 1]) ++distinct;
  }
  if (distinct <= static_cast<size_t>(max_bins)) {
    for (size_t i = 1; i < n; ++i) {
      if (values[i] != values[i - 1]) cuts.push_back(ThresholdBetween(values[i - 1], values[i]));
    }
    return cuts;
  }
  const size_t bins = static_cast<size_t>(max_bins);
  for (size_t k = 1; k < bins; ++k) {
    // The last value of the k-th equal-frequency group, cut just above it.
    const size_t at = k * n / bins - 1;
    const float q = values[at];
    const auto next =
        std::upper_bound(values.begin() + static_cast<std::ptrdiff_t>(at), values.end(), q);
    if (next == values.end()) break;
    const float cut = ThresholdBetween(q, *next);
    if (cuts.empty() || cut > cuts.back()) cuts.push_back(cut);
  }
  return cuts;
}

uint8_t BinOf(const std::vector<float>& cuts, float v) {
  if (std::isnan(v)) return kMissingBin;
  return static_cast<uint8_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
}

BinnedMatrix BuildBins(const std::vector<float>& cols, size_t m, size_t nf, int max_bins, int jobs,
                       size_t sample) {
  BinnedMatrix out;
  out.n_rows = m;
  out.n_features = nf;
  out.cuts.resize(nf);
  out.bins.resize(m * nf);
  const size_t stride = sample > 0 && m > sample ? (m + sample - 1) / sample : 1;
  ParallelFor(jobs, nf, [&](size_t f) {
    const float* col = cols.data() + f * m;
    std::vector<float> values;
    values.reserve(m / stride + 1);
    for (size_t r = 0; r < m; r += stride) {
      if (!std::isnan(col[r])) values.push_back(col[r]);
    }
    out.cuts[f] = QuantileCuts(values, max_bins);
  });
  // One block of rows per task, so that no two threads write the same cache line.
  constexpr size_t kBlock = 16384;
  ParallelFor(jobs, (m + kBlock - 1) / kBlock, [&](size_t b) {
    const size_t end = std::min(m, (b + 1) * kBlock);
    for (size_t f = 0; f < nf; ++f) {
      const float* col = cols.data() + f * m;
      for (size_t r = b * kBlock; r < end; ++r) out.bins[r * nf + f] = BinOf(out.cuts[f], col[r]);
    }
  });
  return out;
}

}  // namespace raincheck::forest
