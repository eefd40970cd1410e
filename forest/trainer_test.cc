#include "forest/trainer.h"

#include <cmath>
#include <limits>
#include <numeric>

#include <gtest/gtest.h>

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
  for (size_t t = 0; t < a->trees.size(); ++t) differs |= a->trees[t].threshold != c->trees[t].threshold;
  EXPECT_TRUE(differs);
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
}

}  // namespace
}  // namespace raincheck::forest
