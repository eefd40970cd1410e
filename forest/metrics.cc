#include "forest/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace raincheck::forest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json Num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

Metrics ComputeMetrics(std::span<const uint8_t> y, std::span<const double> p,
                       std::vector<RocPoint>* roc) {
  Metrics m;
  m.n = y.size();
  size_t tp = 0, tn = 0, fp = 0, fn = 0;
  double brier = 0.0, ll = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    const bool pred = p[i] > 0.5;
    const bool truth = y[i] == 1;
    if (pred && truth) ++tp;
    if (!pred && !truth) ++tn;
    if (pred && !truth) ++fp;
    if (!pred && truth) ++fn;
    const double d = p[i] - (truth ? 1.0 : 0.0);
    brier += d * d;
    const double q = std::clamp(p[i], 1e-15, 1.0 - 1e-15);
    ll -= truth ? std::log(q) : std::log(1.0 - q);
  }
  const double n = static_cast<double>(std::max<size_t>(m.n, 1));
  m.accuracy = static_cast<double>(tp + tn) / n;
  m.brier = brier / n;
  m.log_loss = ll / n;
  auto report = [](size_t hit, size_t false_pos, size_t false_neg) {
    ClassReport r;
    r.support = hit + false_neg;
    r.precision =
        hit + false_pos ? static_cast<double>(hit) / static_cast<double>(hit + false_pos) : 0.0;
    r.recall =
        hit + false_neg ? static_cast<double>(hit) / static_cast<double>(hit + false_neg) : 0.0;
    r.f1 =
        r.precision + r.recall > 0.0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
    return r;
  };
  m.per_class[1] = report(tp, fp, fn);
  m.per_class[0] = report(tn, fn, fp);
  std::vector<RocPoint> curve = RocCurve(y, p);
  m.roc_auc = AreaUnder(curve);
  if (roc) *roc = std::move(curve);
  return m;
}

std::vector<RocPoint> RocCurve(std::span<const uint8_t> y, std::span<const double> p) {
  double pos = 0.0, neg = 0.0;
  for (uint8_t v : y) (v ? pos : neg) += 1.0;
  std::vector<RocPoint> curve{{0.0, 0.0}};
  if (pos == 0.0 || neg == 0.0) return curve;
  // Scores with their labels, sorted by descending score: the order within a tie does not
  // matter, since tied scores make one point.
  std::vector<std::pair<double, uint8_t>> sorted(y.size());
  for (size_t i = 0; i < y.size(); ++i) sorted[i] = {p[i], y[i]};
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  double tp = 0.0, fp = 0.0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    (sorted[i].second ? tp : fp) += 1.0;
    // One point per distinct score: tied scores move together (a diagonal segment).
    if (i + 1 == sorted.size() || sorted[i + 1].first != sorted[i].first) {
      curve.push_back({fp / neg, tp / pos});
    }
  }
  return curve;
}

std::vector<RocPoint> ThinRocCurve(const std::vector<RocPoint>& curve, double resolution) {
  std::vector<RocPoint> kept;
  for (size_t i = 0; i < curve.size(); ++i) {
    const bool ends = i == 0 || i + 1 == curve.size();
    if (ends || std::max(std::abs(curve[i].fpr - kept.back().fpr),
                         std::abs(curve[i].tpr - kept.back().tpr)) >= resolution) {
      kept.push_back(curve[i]);
    }
  }
  return kept;
}

double RocAuc(std::span<const uint8_t> y, std::span<const double> p) {
  return AreaUnder(RocCurve(y, p));
}

double AreaUnder(const std::vector<RocPoint>& c) {
  if (c.size() < 2) return kNaN;
  double area = 0.0;
  for (size_t i = 1; i < c.size(); ++i) {
    area += (c[i].fpr - c[i - 1].fpr) * (c[i].tpr + c[i - 1].tpr) / 2.0;
  }
  return area;
}

std::vector<ReliabilityBin> Reliability(std::span<const uint8_t> y, std::span<const double> p,
                                        int bins) {
  std::vector<ReliabilityBin> out(static_cast<size_t>(bins));
  std::vector<double> sum_p(out.size(), 0.0), sum_y(out.size(), 0.0);
  for (size_t b = 0; b < out.size(); ++b) {
    out[b].lo = static_cast<double>(b) / bins;
    out[b].hi = static_cast<double>(b + 1) / bins;
  }
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t b = std::min(out.size() - 1,
                              static_cast<size_t>(std::max(0.0, p[i]) * static_cast<double>(bins)));
    ++out[b].count;
    sum_p[b] += p[i];
    sum_y[b] += y[i];
  }
  for (size_t b = 0; b < out.size(); ++b) {
    const double c = static_cast<double>(out[b].count);
    out[b].mean_predicted = out[b].count ? sum_p[b] / c : kNaN;
    out[b].observed = out[b].count ? sum_y[b] / c : kNaN;
  }
  return out;
}

Result<MetricKind> ParseMetric(std::string_view name) {
  if (name == "accuracy") return MetricKind::kAccuracy;
  if (name == "roc_auc") return MetricKind::kRocAuc;
  if (name == "brier") return MetricKind::kBrier;
  if (name == "log_loss") return MetricKind::kLogLoss;
  return Status::InvalidArgument("--metric must be accuracy, roc_auc, brier or log_loss");
}

std::string MetricName(MetricKind m) {
  switch (m) {
    case MetricKind::kAccuracy:
      return "accuracy";
    case MetricKind::kRocAuc:
      return "roc_auc";
    case MetricKind::kBrier:
      return "brier";
    case MetricKind::kLogLoss:
      return "log_loss";
  }
  return "accuracy";
}

bool HigherIsBetter(MetricKind m) { return m == MetricKind::kAccuracy || m == MetricKind::kRocAuc; }

double Score(MetricKind m, std::span<const uint8_t> y, std::span<const double> p) {
  if (m == MetricKind::kRocAuc) return RocAuc(y, p);
  double sum = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    const bool truth = y[i] == 1;
    switch (m) {
      case MetricKind::kAccuracy:
        sum += (p[i] > 0.5) == truth ? 1.0 : 0.0;
        break;
      case MetricKind::kBrier:
        sum += (p[i] - (truth ? 1.0 : 0.0)) * (p[i] - (truth ? 1.0 : 0.0));
        break;
      case MetricKind::kLogLoss: {
        const double q = std::clamp(p[i], 1e-15, 1.0 - 1e-15);
        sum -= truth ? std::log(q) : std::log(1.0 - q);
        break;
      }
      case MetricKind::kRocAuc:
        break;
    }
  }
  return sum / static_cast<double>(std::max<size_t>(y.size(), 1));
}

nlohmann::json MetricsToJson(const Metrics& m) {
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassReport& r : m.per_class) {
    classes.push_back(
        {{"precision", r.precision}, {"recall", r.recall}, {"f1", r.f1}, {"support", r.support}});
  }
  return {{"n", m.n},         {"accuracy", m.accuracy}, {"roc_auc", Num(m.roc_auc)},
          {"brier", m.brier}, {"log_loss", m.log_loss}, {"per_class", classes}};
}

nlohmann::json ReliabilityToJson(const std::vector<ReliabilityBin>& bins) {
  nlohmann::json out = nlohmann::json::array();
  for (const ReliabilityBin& b : bins) {
    out.push_back({{"lo", b.lo},
                   {"hi", b.hi},
                   {"count", b.count},
                   {"mean_predicted", Num(b.mean_predicted)},
                   {"observed", Num(b.observed)}});
  }
  return out;
}

}  // namespace raincheck::forest
