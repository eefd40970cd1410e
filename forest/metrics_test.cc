#include "forest/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(MetricsTest, ParseMetric) {
  EXPECT_EQ(*ParseMetric("roc_auc"), MetricKind::kRocAuc);
  EXPECT_FALSE(ParseMetric("f1").ok());
  EXPECT_FALSE(HigherIsBetter(MetricKind::kBrier));
}

}  // namespace
}  // namespace raincheck::forest
