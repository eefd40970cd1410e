// Classification metrics for binary labels and P(class 1), as scikit-learn computes them.
#ifndef RAINCHECK_FOREST_METRICS_H_
#define RAINCHECK_FOREST_METRICS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::forest {

struct ClassReport {
  double precision = 0.0, recall = 0.0, f1 = 0.0;  // 0 when undefined (scikit-learn's default)
  size_t support = 0;
};

struct ReliabilityBin {
  double lo = 0.0, hi = 0.0;  // predicted-probability range [lo, hi) ([lo, 1] for the last)
  size_t count = 0;
  double mean_predicted = 0.0, observed = 0.0;  // NaN when count == 0
};

struct RocPoint {
  double fpr = 0.0, tpr = 0.0;
};

struct Metrics {
  size_t n = 0;
  double accuracy = 0.0;
  ClassReport per_class[2];
  double roc_auc = 0.0;  // NaN when only one class is present
  double brier = 0.0;
  double log_loss = 0.0;  // probabilities clipped to [1e-15, 1 - 1e-15]
};

// Predicted class = 1 when p > 0.5 (argmax, ties to class 0). y and p have the same size > 0.
// With `roc`, also the ROC curve (RocCurve's), from the one sort the AUC needs.
Metrics ComputeMetrics(std::span<const uint8_t> y, std::span<const double> p,
                       std::vector<RocPoint>* roc = nullptr);
double RocAuc(std::span<const uint8_t> y, std::span<const double> p);
// One point per distinct score, from (0, 0) to (1, 1); just (0, 0) when only one class is
// present. O(n log n): one sort of the scores.
std::vector<RocPoint> RocCurve(std::span<const uint8_t> y, std::span<const double> p);
// `curve` with the points a plot cannot tell apart dropped: the first and last points, and each
// point at least `resolution` (in fpr or tpr) from the last one kept. Every dropped point is
// within `resolution` of a kept one, and at most 2 / resolution + 2 points are kept whatever the
// number of rows (RocCurve has one point per distinct score: up to one per row).
std::vector<RocPoint> ThinRocCurve(const std::vector<RocPoint>& curve, double resolution);
// The trapezoidal area under a RocCurve; NaN for a curve of one point.
double AreaUnder(const std::vector<RocPoint>& curve);
std::vector<ReliabilityBin> Reliability(std::span<const uint8_t> y, std::span<const double> p,
                                        int bins);

// The model-selection metrics of `--metric`.
enum class MetricKind { kAccuracy, kRocAuc, kBrier, kLogLoss };
Result<MetricKind> ParseMetric(std::string_view name);
std::string MetricName(MetricKind m);
bool HigherIsBetter(MetricKind m);
// The metric `m` alone (only roc_auc sorts).
double Score(MetricKind m, std::span<const uint8_t> y, std::span<const double> p);

nlohmann::json MetricsToJson(const Metrics& m);
nlohmann::json ReliabilityToJson(const std::vector<ReliabilityBin>& bins);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_METRICS_H_
