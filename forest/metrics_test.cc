#include "forest/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace raincheck::forest {
namespace {

TEST(MetricsTest, ValuesAgreeWithScikitLearn) {
  // Reference values from sklearn.metrics 1.2 on the same arrays.
  const std::vector<uint8_t> y = {0, 0, 1, 1, 1, 0};
  const std::vector<double> p = {0.1, 0.6, 0.35, 0.8, 0.8, 0.2};
  const Metrics m = ComputeMetrics(y, p);
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6.0);
  EXPECT_NEAR(m.roc_auc, 0.888888888888889, 1e-12);     // roc_auc_score
  EXPECT_NEAR(m.brier, 0.15208333333333335, 1e-12);     // brier_score_loss
  EXPECT_NEAR(m.log_loss, 0.45681733766221466, 1e-12);  // log_loss
  EXPECT_NEAR(m.per_class[1].precision, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.per_class[1].recall, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.per_class[0].support, 3u);
}

TEST(MetricsTest, TiesAndDegenerateCases) {
  const std::vector<uint8_t> y = {0, 1, 0, 1};
  const std::vector<double> same = {0.5, 0.5, 0.5, 0.5};
  EXPECT_DOUBLE_EQ(RocAuc(y, same), 0.5);
  const std::vector<uint8_t> one = {1, 1};
  const std::vector<double> p = {0.2, 0.9};
  EXPECT_TRUE(std::isnan(RocAuc(one, p)));
  const Metrics m = ComputeMetrics(one, p);
  EXPECT_EQ(m.per_class[0].precision, 0.0);  // undefined -> 0
}

TEST(MetricsTest, ReliabilityBins) {
  const std::vector<uint8_t> y = {0, 1, 1, 1};
  const std::vector<double> p = {0.05, 0.15, 0.95, 1.0};
  const auto bins = Reliability(y, p, 10);
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_EQ(bins[0].count, 1u);
  EXPECT_EQ(bins[1].count, 1u);
  EXPECT_EQ(bins[9].count, 2u);  // 1.0 falls in the last bin
  EXPECT_DOUBLE_EQ(bins[9].observed, 1.0);
  EXPECT_TRUE(std::isnan(bins[5].observed));
}

TEST(MetricsTest, ScoreAndCurveAgreeWithComputeMetrics) {
  const std::vector<uint8_t> y = {0, 0, 1, 1, 1, 0, 1, 0};
  const std::vector<double> p = {0.1, 0.6, 0.35, 0.8, 0.8, 0.2, 0.6, 0.0};
  std::vector<RocPoint> roc;
  const Metrics m = ComputeMetrics(y, p, &roc);
  EXPECT_EQ(Score(MetricKind::kAccuracy, y, p), m.accuracy);
  EXPECT_EQ(Score(MetricKind::kBrier, y, p), m.brier);
  EXPECT_EQ(Score(MetricKind::kLogLoss, y, p), m.log_loss);
  EXPECT_EQ(Score(MetricKind::kRocAuc, y, p), m.roc_auc);
  const std::vector<RocPoint> curve = RocCurve(y, p);
  ASSERT_EQ(roc.size(), curve.size());
  // One point per distinct score (0.0, 0.1, 0.2, 0.35, 0.6, 0.8) after (0, 0).
  EXPECT_EQ(curve.size(), 7u);
  for (size_t i = 0; i < curve.size(); ++i) {
    EXPECT_EQ(roc[i].fpr, curve[i].fpr);
    EXPECT_EQ(roc[i].tpr, curve[i].tpr);
  }
  EXPECT_EQ(curve[1].fpr, 0.0);  // the two 0.8s are positives
  EXPECT_EQ(curve[1].tpr, 0.5);
  EXPECT_EQ(AreaUnder(curve), m.roc_auc);
  EXPECT_TRUE(std::isnan(AreaUnder({{0.0, 0.0}})));
}

TEST(MetricsTest, ThinnedRocCurveIsBoundedAndStaysWithinItsResolution) {
  // 200,000 rows of distinct scores: a curve of 200,001 points.
  std::vector<uint8_t> y(200000);
  std::vector<double> p(y.size());
  uint64_t s = 42;
  for (size_t i = 0; i < y.size(); ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    p[i] = static_cast<double>(i) / static_cast<double>(y.size());
    y[i] = static_cast<double>(s >> 11) / 9007199254740992.0 < 0.3 + 0.4 * p[i] ? 1 : 0;
  }
  const std::vector<RocPoint> full = RocCurve(y, p);
  ASSERT_EQ(full.size(), y.size() + 1);
  const std::vector<RocPoint> thin = ThinRocCurve(full, 1e-3);
  EXPECT_LE(thin.size(), 2002u);
  EXPECT_GT(thin.size(), 500u);
  EXPECT_EQ(thin.front().fpr, 0.0);
  EXPECT_EQ(thin.front().tpr, 0.0);
  EXPECT_EQ(thin.back().fpr, 1.0);
  EXPECT_EQ(thin.back().tpr, 1.0);
  // Every point of the full curve is within the resolution of the last kept point at or before
  // it (both run in the same order), and the area barely moves.
  size_t k = 0;
  for (const RocPoint& r : full) {
    if (k + 1 < thin.size() && thin[k + 1].fpr == r.fpr && thin[k + 1].tpr == r.tpr) ++k;
    EXPECT_LT(std::max(r.fpr - thin[k].fpr, r.tpr - thin[k].tpr), 1e-3);
  }
  EXPECT_EQ(k + 1, thin.size());  // the kept points are the full curve's, in its order
  EXPECT_NEAR(AreaUnder(thin), AreaUnder(full), 1e-3);
  // A curve already coarser than the resolution is kept whole.
  const std::vector<RocPoint> small =
      RocCurve(std::vector<uint8_t>{0, 1, 0, 1}, std::vector<double>{0.1, 0.4, 0.35, 0.8});
  EXPECT_EQ(ThinRocCurve(small, 1e-3).size(), small.size());
}

TEST(MetricsTest, ParseMetric) {
  EXPECT_EQ(*ParseMetric("roc_auc"), MetricKind::kRocAuc);
  EXPECT_FALSE(ParseMetric("f1").ok());
  EXPECT_FALSE(HigherIsBetter(MetricKind::kBrier));
}

}  // namespace
}  // namespace raincheck::forest
