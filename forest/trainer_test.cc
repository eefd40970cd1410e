#include "forest/trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "forest/binning.h"
#include "forest/metrics.h"
#include "forest/model.h"
#include "forest/random.h"

namespace raincheck::forest {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// y = 1 when x0 > 0.5; x1 is noise. Every 7th row has x0 missing and label 1.
Dataset Synthetic(size_t n, uint64_t seed) {
  Dataset d;
  d.schema = FeatureSchema(std::vector<Feature>{{"signal", "1"}, {"noise", "1"}});
  d.n_rows = n;
  Rng rng(seed);
  for (size_t i = 0; i < n; ++i) {
    const float a = static_cast<float>(rng.Below(1000)) / 1000.0f;
    const float b = static_cast<float>(rng.Below(1000)) / 1000.0f;
    const bool missing = i % 7 == 3;
    d.x.push_back(missing ? kNaN : a);
    d.x.push_back(b);
    d.y.push_back(missing || a > 0.5f ? 1 : 0);
  }
  d.month.assign(n, 0);
  d.line.assign(n, 0);
  return d;
}

std::vector<uint32_t> All(size_t n) {
  std::vector<uint32_t> r(n);
  std::iota(r.begin(), r.end(), 0u);
  return r;
}

double Proba(const TrainedForest& f, const float* row) {
  double s = 0.0;
  for (const TreeArrays& t : f.trees) s += TreeProba(t, row);
  return s / static_cast<double>(f.trees.size());
}

TEST(TrainerTest, LearnsASeparableRuleAndMissingDirection) {
  const Dataset d = Synthetic(400, 1);
  ForestParams p;
  p.n_estimators = 20;
  p.max_features = "all";
  auto f = TrainForest(d, All(d.n_rows), p, 2);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const float low[] = {0.1f, 0.5f}, high[] = {0.9f, 0.5f}, missing[] = {kNaN, 0.5f};
  EXPECT_LT(Proba(*f, low), 0.1);
  EXPECT_GT(Proba(*f, high), 0.9);
  // Missing signal always meant rain in training: the learned direction says so too.
  EXPECT_GT(Proba(*f, missing), 0.9);
  EXPECT_GT(f->oob_accuracy, 0.95);
  EXPECT_GT(f->impurity_importance[0], 0.8);
  EXPECT_NEAR(f->impurity_importance[0] + f->impurity_importance[1], 1.0, 1e-9);
}

TEST(TrainerTest, SameSeedSameTreesWhateverTheThreadCount) {
  const Dataset d = Synthetic(300, 2);
  ForestParams p;
  p.n_estimators = 13;
  auto a = TrainForest(d, All(d.n_rows), p, 1);
  auto b = TrainForest(d, All(d.n_rows), p, 4);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t t = 0; t < a->trees.size(); ++t) {
    EXPECT_EQ(a->trees[t].threshold, b->trees[t].threshold);
    EXPECT_EQ(a->trees[t].feature, b->trees[t].feature);
    EXPECT_EQ(a->trees[t].leaf_value, b->trees[t].leaf_value);
  }
  EXPECT_EQ(a->oob_proba.size(), b->oob_proba.size());
  p.seed = 43;
  auto c = TrainForest(d, All(d.n_rows), p, 1);
  bool differs = false;
  for (size_t t = 0; t < a->trees.size(); ++t)
    differs |= a->trees[t].threshold != c->trees[t].threshold;
  EXPECT_TRUE(differs);
}

// The out-of-bag probabilities recomputed from the trees alone: each tree's bootstrap redrawn
// here from its random stream (m draws of Below(m), as Breiman's bootstrap), each row
// averaged over the trees that did not draw it.
std::vector<double> IndependentOob(const TrainedForest& f, const Dataset& d,
                                   const std::vector<uint32_t>& rows, uint64_t seed) {
  const size_t m = rows.size();
  std::vector<double> sum(m, 0.0);
  std::vector<size_t> seen(m, 0);
  for (size_t t = 0; t < f.trees.size(); ++t) {
    Rng rng = Rng::ForStream(seed, t);
    std::vector<bool> drawn(m, false);
    for (size_t k = 0; k < m; ++k) drawn[rng.Below(m)] = true;
    for (size_t j = 0; j < m; ++j) {
      if (drawn[j]) continue;
      sum[j] += TreeProba(f.trees[t], d.row(rows[j]));
      ++seen[j];
    }
  }
  std::vector<double> p(m, std::numeric_limits<double>::quiet_NaN());
  for (size_t j = 0; j < m; ++j) {
    if (seen[j] > 0) p[j] = sum[j] / static_cast<double>(seen[j]);
  }
  return p;
}

TEST(TrainerTest, OutOfBagIsThePredictionOfTheTreesThatLeftTheRowOut) {
  const Dataset d = Synthetic(300, 5);
  std::vector<uint32_t> rows;
  for (uint32_t i = 0; i < d.n_rows; i += 2) rows.push_back(i);  // a subset, in its order
  ForestParams p;
  p.n_estimators = 9;
  p.max_depth = 4;
  p.seed = 11;
  auto f = TrainForest(d, rows, p, 2);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const std::vector<double> oob = IndependentOob(*f, d, rows, p.seed);
  ASSERT_EQ(f->oob_proba.size(), rows.size());
  size_t nan = 0;
  for (size_t j = 0; j < rows.size(); ++j) {
    ASSERT_EQ(std::isnan(f->oob_proba[j]), std::isnan(oob[j])) << j;
    if (std::isnan(oob[j])) {
      ++nan;
      continue;
    }
    EXPECT_NEAR(f->oob_proba[j], oob[j], 1e-9) << j;
  }
  EXPECT_LT(nan, rows.size() / 10);
  // InBagCounts gives the same draws.
  for (size_t t = 0; t < f->trees.size(); ++t) {
    const std::vector<uint32_t> count = InBagCounts(p, t, rows.size());
    Rng rng = Rng::ForStream(p.seed, t);
    std::vector<uint32_t> expected(rows.size(), 0);
    for (size_t k = 0; k < rows.size(); ++k) ++expected[rng.Below(rows.size())];
    EXPECT_EQ(count, expected) << t;
  }
  p.bootstrap = false;
  EXPECT_EQ(InBagCounts(p, 0, 4), std::vector<uint32_t>(4, 1u));
}

TEST(TrainerTest, DepthAndLeafSizeLimits) {
  const Dataset d = Synthetic(300, 3);
  ForestParams p;
  p.n_estimators = 5;
  p.max_depth = 1;
  auto f = TrainForest(d, All(d.n_rows), p, 1);
  ASSERT_TRUE(f.ok());
  for (const TreeArrays& t : f->trees) EXPECT_LE(t.feature.size(), 3u);
  p.max_depth = -1;
  p.min_samples_leaf = 200;  // no split can leave 200 rows on both sides of 300
  p.bootstrap = false;
  f = TrainForest(d, All(d.n_rows), p, 1);
  ASSERT_TRUE(f.ok());
  for (const TreeArrays& t : f->trees) EXPECT_EQ(t.feature.size(), 1u);
}

TEST(TrainerTest, BalancedClassWeightsReweightLeaves) {
  Dataset d;
  d.schema = FeatureSchema(std::vector<Feature>{{"constant", "1"}});
  d.n_rows = 100;
  for (size_t i = 0; i < 100; ++i) {
    d.x.push_back(1.0f);
    d.y.push_back(i % 10 == 0 ? 1 : 0);
  }
  ForestParams p;
  p.n_estimators = 1;
  p.bootstrap = false;
  auto plain = TrainForest(d, All(100), p, 1);
  ASSERT_TRUE(plain.ok());
  EXPECT_NEAR(TreeProba(plain->trees[0], d.row(0)), 0.1, 1e-6);
  p.class_weight_balanced = true;
  auto balanced = TrainForest(d, All(100), p, 1);
  EXPECT_NEAR(TreeProba(balanced->trees[0], d.row(0)), 0.5, 1e-6);
}

TEST(TrainerTest, TrainedTreesPassTheModelBuilder) {
  const Dataset d = Synthetic(200, 4);
  ForestParams p;
  p.n_estimators = 4;
  p.criterion = Criterion::kEntropy;
  auto f = TrainForest(d, All(d.n_rows), p, 2);
  ASSERT_TRUE(f.ok());
  ModelBuilder b;
  b.SetSchema(d.schema).SetClassLabels({"0", "1"});
  for (const TreeArrays& t : f->trees) b.AddTree(t);
  auto m = b.Build();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_NEAR(m->PredictProba(std::span<const float>(d.row(i), 2)), Proba(*f, d.row(i)), 1e-6);
  }
}

// Three informative features with `levels` distinct values each (k / levels), two of them
// sometimes missing, and label noise: a forest grows deep trees on it.
Dataset Levels(size_t n, size_t levels, uint64_t seed) {
  Dataset d;
  d.schema = FeatureSchema(std::vector<Feature>{{"a", "1"}, {"b", "1"}, {"c", "1"}, {"d", "1"}});
  d.n_rows = n;
  Rng rng(seed);
  for (size_t i = 0; i < n; ++i) {
    float v[4];
    for (float& x : v) x = static_cast<float>(rng.Below(levels)) / static_cast<float>(levels);
    const bool noisy = rng.Below(10) == 0;
    const bool rain = (v[0] + 0.5f * v[1] - v[2] > 0.2f) != noisy;
    if (rng.Below(13) == 0) v[1] = kNaN;
    if (rng.Below(17) == 0) v[3] = kNaN;
    d.x.insert(d.x.end(), v, v + 4);
    d.y.push_back(rain ? 1 : 0);
  }
  d.month.assign(n, 0);
  d.line.assign(n, 0);
  return d;
}

// With at most 255 distinct values per feature every boundary is a bin boundary, so the
// histogram search sees the same candidate splits as the exact search, with the same
// (integer) bootstrap weights: it must choose the same splits and grow the same trees, with
// thresholds possibly elsewhere in the same gap.
TEST(TrainerTest, HistogramSearchGrowsTheExactTreesWhenEveryValueHasItsBin) {
  const Dataset d = Levels(3000, 200, 5);
  ForestParams p;
  p.n_estimators = 6;
  p.split_search = SplitSearch::kExact;
  auto exact = TrainForest(d, All(d.n_rows), p, 1);
  p.split_search = SplitSearch::kHistogram;
  auto histogram = TrainForest(d, All(d.n_rows), p, 2);
  ASSERT_TRUE(exact.ok() && histogram.ok());
  size_t nodes = 0;
  for (size_t t = 0; t < exact->trees.size(); ++t) {
    const TreeArrays& a = exact->trees[t];
    const TreeArrays& b = histogram->trees[t];
    EXPECT_EQ(a.feature, b.feature) << "tree " << t;
    EXPECT_EQ(a.left, b.left);
    EXPECT_EQ(a.missing_left, b.missing_left);
    EXPECT_EQ(a.leaf_value, b.leaf_value);
    nodes += a.feature.size();
  }
  EXPECT_GT(nodes, 600u);  // deep trees, not stumps
  // Without bootstrap every row is in every tree, and each takes the same path in both.
  p.bootstrap = false;
  p.split_search = SplitSearch::kExact;
  exact = TrainForest(d, All(d.n_rows), p, 1);
  p.split_search = SplitSearch::kHistogram;
  histogram = TrainForest(d, All(d.n_rows), p, 1);
  ASSERT_TRUE(exact.ok() && histogram.ok());
  for (size_t i = 0; i < d.n_rows; ++i) {
    ASSERT_EQ(Proba(*exact, d.row(i)), Proba(*histogram, d.row(i))) << "row " << i;
  }
}

// Continuous features (more distinct values than bins): histograms lose little, the trees
// still predict every training row the way they partitioned it, and the thread count does not
// change a bit.
TEST(TrainerTest, HistogramSearchOnContinuousFeatures) {
  const Dataset train = Levels(6000, 100000, 6);
  const Dataset test = Levels(3000, 100000, 7);
  ForestParams p;
  p.n_estimators = 20;
  p.split_search = SplitSearch::kExact;
  auto exact = TrainForest(train, All(train.n_rows), p, 2);
  p.split_search = SplitSearch::kHistogram;
  p.max_bins = 32;
  auto one = TrainForest(train, All(train.n_rows), p, 1);
  auto two = TrainForest(train, All(train.n_rows), p, 2);
  ASSERT_TRUE(exact.ok() && one.ok() && two.ok());
  for (size_t t = 0; t < one->trees.size(); ++t) {
    EXPECT_EQ(one->trees[t].threshold, two->trees[t].threshold);
    EXPECT_EQ(one->trees[t].feature, two->trees[t].feature);
    EXPECT_EQ(one->trees[t].leaf_value, two->trees[t].leaf_value);
  }
  for (size_t j = 0; j < one->oob_proba.size(); ++j) {
    if (std::isnan(one->oob_proba[j])) {
      EXPECT_TRUE(std::isnan(two->oob_proba[j]));
    } else {
      EXPECT_EQ(one->oob_proba[j], two->oob_proba[j]);
    }
  }
  std::vector<double> pe, ph;
  std::vector<uint8_t> y;
  for (size_t i = 0; i < test.n_rows; ++i) {
    pe.push_back(Proba(*exact, test.row(i)));
    ph.push_back(Proba(*one, test.row(i)));
    y.push_back(test.y[i]);
  }
  const double auc_exact = RocAuc(y, pe), auc_histogram = RocAuc(y, ph);
  EXPECT_GT(auc_exact, 0.85);
  EXPECT_NEAR(auc_histogram, auc_exact, 0.01);
  // Thresholds are cuts between training values, so some differ from the exact search's.
  bool other_thresholds = false;
  for (size_t t = 0; t < one->trees.size(); ++t) {
    other_thresholds |= one->trees[t].threshold != exact->trees[t].threshold;
  }
  EXPECT_TRUE(other_thresholds);
}

TEST(TrainerTest, AutoSearchIsExactOnSmallSets) {
  const Dataset d = Synthetic(500, 8);
  ForestParams p;
  p.n_estimators = 5;
  auto automatic = TrainForest(d, All(d.n_rows), p, 1);
  p.split_search = SplitSearch::kExact;
  auto exact = TrainForest(d, All(d.n_rows), p, 1);
  ASSERT_TRUE(automatic.ok() && exact.ok());
  for (size_t t = 0; t < exact->trees.size(); ++t) {
    EXPECT_EQ(automatic->trees[t].threshold, exact->trees[t].threshold);
  }
  EXPECT_FALSE(BinsTrainingSet(SplitSearch::kAuto, kHistogramMinRows - 1));
  EXPECT_TRUE(BinsTrainingSet(SplitSearch::kAuto, kHistogramMinRows));
  EXPECT_TRUE(BinsTrainingSet(SplitSearch::kHistogram, 2));
  EXPECT_FALSE(BinsTrainingSet(SplitSearch::kExact, 1u << 30));
  EXPECT_FALSE(UsesHistogram(SplitSearch::kAuto, kHistogramMinNodeRows - 1));
  EXPECT_TRUE(UsesHistogram(SplitSearch::kAuto, kHistogramMinNodeRows));
  EXPECT_TRUE(UsesHistogram(SplitSearch::kHistogram, 2));
  EXPECT_FALSE(UsesHistogram(SplitSearch::kExact, 1u << 30));
}

// Large training sets are binned: nodes of at least kHistogramMinNodeRows rows split at bin
// cuts, smaller nodes between their own neighbouring values.
TEST(TrainerTest, AutoSearchUsesHistogramsForLargeNodesOnly) {
  const Dataset d = Levels(kHistogramMinRows, 1000000, 11);
  const size_t m = d.n_rows, nf = d.schema.size();
  std::vector<float> cols(m * nf);
  for (size_t r = 0; r < m; ++r) {
    for (size_t f = 0; f < nf; ++f) cols[f * m + r] = d.row(r)[f];
  }
  const BinnedMatrix binned = BuildBins(cols, m, nf, kMaxBins, 1);
  ForestParams p;
  p.n_estimators = 3;
  auto f = TrainForest(d, All(m), p, 2);
  ASSERT_TRUE(f.ok());
  size_t at_cuts = 0, elsewhere = 0;
  for (const TreeArrays& t : f->trees) {
    ASSERT_NE(t.feature[0], ForestArrays::kLeaf);
    const std::vector<float>& root_cuts = binned.cuts[static_cast<size_t>(t.feature[0])];
    EXPECT_TRUE(std::binary_search(root_cuts.begin(), root_cuts.end(), t.threshold[0]));
    for (size_t node = 0; node < t.feature.size(); ++node) {
      if (t.feature[node] == ForestArrays::kLeaf || std::isinf(t.threshold[node])) continue;
      const std::vector<float>& cuts = binned.cuts[static_cast<size_t>(t.feature[node])];
      (std::binary_search(cuts.begin(), cuts.end(), t.threshold[node]) ? at_cuts : elsewhere)++;
    }
  }
  EXPECT_GT(at_cuts, 50u);
  EXPECT_GT(elsewhere, 50u);
}

TEST(TrainerTest, ParamsParsing) {
  ForestParams p;
  EXPECT_TRUE(p.Set("max_depth", "none").ok());
  EXPECT_EQ(p.max_depth, -1);
  EXPECT_TRUE(p.Set("max_features", "0.5").ok());
  EXPECT_EQ(*p.MaxFeatures(12), 6u);
  EXPECT_TRUE(p.Set("max_features", "sqrt").ok());
  EXPECT_EQ(*p.MaxFeatures(12), 3u);
  EXPECT_TRUE(p.Set("max_features", "all").ok());
  EXPECT_EQ(*p.MaxFeatures(12), 12u);
  EXPECT_TRUE(p.Set("max_features", "40").ok());
  EXPECT_EQ(*p.MaxFeatures(12), 12u);
  EXPECT_FALSE(p.Set("max_features", "1.5").ok());
  EXPECT_FALSE(p.Set("max_features", "lots").ok());
  EXPECT_FALSE(p.Set("criterion", "mse").ok());
  EXPECT_FALSE(p.Set("n_estimators", "-3").ok());
  EXPECT_FALSE(p.Set("min_samples_split", "1").ok());
  EXPECT_TRUE(p.Set("class_weight", "balanced").ok());
  EXPECT_EQ(p.ToJson()["class_weight"], "balanced");
  EXPECT_EQ(p.ToJson()["split_search"], "auto");
  EXPECT_TRUE(p.Set("split_search", "histogram").ok());
  EXPECT_EQ(p.split_search, SplitSearch::kHistogram);
  EXPECT_EQ(p.ToJson()["split_search"], "histogram");
  EXPECT_FALSE(p.Set("split_search", "approx").ok());
  EXPECT_TRUE(p.Set("max_bins", "64").ok());
  EXPECT_EQ(p.max_bins, 64);
  EXPECT_FALSE(p.Set("max_bins", "256").ok());
  EXPECT_FALSE(p.Set("max_bins", "1").ok());
}

}  // namespace
}  // namespace raincheck::forest
