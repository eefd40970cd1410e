#include "forest/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "forest/test_models.h"

namespace raincheck::forest {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(ModelTest, PredictsMeanOfLeafFrequencies) {
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name(), "test-model");
  EXPECT_EQ(m->version(), "7");
  EXPECT_EQ(m->n_trees(), 2u);
  EXPECT_EQ(m->schema()[1].unit, "mm");
  std::vector<float> row = {0.0f, 1.0f};
  EXPECT_NEAR(m->PredictProba(row), (0.1 + 0.5) / 2, 1e-6);
  row = {0.5f, 2.5f};  // 0.5 <= 0.5 goes left
  EXPECT_NEAR(m->PredictProba(row), (0.1 + 1.0) / 2, 1e-6);
  row = {0.51f, 2.0f};
  EXPECT_NEAR(m->PredictProba(row), (0.8 + 0.5) / 2, 1e-6);
  std::vector<double> all(2);
  m->PredictClassProba(row, all);
  EXPECT_NEAR(all[0] + all[1], 1.0, 1e-6);
  EXPECT_NEAR(all[1], (0.8 + 0.5) / 2, 1e-6);
}

TEST(ModelTest, MissingValuesFollowTheLearnedDirection) {
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok());
  std::vector<float> row = {kNaN, kNaN};  // tree 0: NaN left (0.1); tree 1: NaN right (1.0)
  EXPECT_NEAR(m->PredictProba(row), (0.1 + 1.0) / 2, 1e-6);
}

TEST(ModelTest, WrongRowSizeGivesNaNNotACrash) {
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok());
  std::vector<float> row = {1.0f};
  EXPECT_TRUE(std::isnan(m->PredictProba(row)));
}

TEST(ModelTest, BatchMatchesSingleRows) {
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok());
  std::vector<float> rows = {0.0f, 1.0f, 0.9f, 3.0f, kNaN, 2.0f};
  std::vector<double> out(3);
  ASSERT_TRUE(m->PredictProbaBatch(rows, out).ok());
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(out[r], m->PredictProba(std::span<const float>(rows).subspan(r * 2, 2)));
  }
  std::vector<double> wrong(2);
  EXPECT_EQ(m->PredictProbaBatch(rows, wrong).code(), StatusCode::kInvalidArgument);
}

TEST(ModelBuilderTest, RefusesInvalidModels) {
  {
    ModelBuilder b = testing::TwoTreeBuilder();
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "degC"}, {"x", "mm"}}));
    auto m = b.Build();
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("appears twice"), std::string::npos);
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    EXPECT_FALSE(b.Build().ok()) << "no trees";
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    TreeArrays t = testing::StumpTree(true);
    t.right[0] = 0;  // a cycle back to the root
    b.AddTree(t);
    auto m = b.Build();
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    TreeArrays t = testing::StumpTree(true);
    t.feature[0] = 3;  // no such feature
    b.AddTree(t);
    EXPECT_FALSE(b.Build().ok());
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    TreeArrays t = testing::StumpTree(true);
    t.leaf_value[0] = 0.3f;  // frequencies no longer sum to 1
    b.AddTree(t);
    EXPECT_FALSE(b.Build().ok());
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    TreeArrays t = testing::StumpTree(true);
    t.threshold[0] = std::numeric_limits<float>::quiet_NaN();
    b.AddTree(t);
    EXPECT_FALSE(b.Build().ok());
  }
  {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"a", "b"});
    TreeArrays t = testing::StumpTree(true);
    t.right[0] = 1;  // both children the same node
    b.AddTree(t);
    EXPECT_FALSE(b.Build().ok());
  }
}

// Trees are stored depth first with each left child right after its parent (the prediction
// layout's order, so a load's walk over the nodes reads them in order), and predict as given.
TEST(ModelBuilderTest, StoresTreesDepthFirstLeftChildNext) {
  const TreeArrays t = testing::TwoLevelTree();
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}, {"y", "1"}}))
      .SetClassLabels({"a", "b"});
  b.AddTree(testing::StumpTree(true)).AddTree(t);
  auto m = b.Build();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const ForestView& v = m->forest();
  // Tree 1 starts at node 3: stored as 0, 1, 3, 4, 2 of the tree as given.
  ASSERT_EQ(v.node_begin[1], 3u);
  const std::vector<int32_t> feature = {1, 0, ForestArrays::kLeaf, ForestArrays::kLeaf,
                                        ForestArrays::kLeaf};
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(v.feature[3 + i], feature[i]) << i;
  EXPECT_EQ(v.left[3], 4u);
  EXPECT_EQ(v.right[3], 7u);
  EXPECT_EQ(v.left[4], 5u);
  EXPECT_EQ(v.right[4], 6u);
  // Leaf slots are unchanged: node 3 of the tree (slot 1) is now node 2 of it.
  EXPECT_EQ(v.left[5], v.leaf_begin[1] + 1);
  EXPECT_EQ(v.left[7], v.leaf_begin[1] + 0);
  for (const float x : {0.0f, 1.0f, kNaN}) {
    for (const float y : {0.0f, 2.0f, kNaN}) {
      const float row[] = {x, y};
      const double p = m->PredictProba(row);
      // The tree as given: y <= 1 (NaN right) -> (x <= 0.5, NaN left) ? slot 1 : slot 2; else slot
      // 0.
      const bool go_node1 = !std::isnan(y) && y <= 1.0f;
      const bool slot1 = std::isnan(x) || x <= 0.5f;
      const double tree1 = go_node1 ? (slot1 ? 0.75 : 0.0) : 0.5;
      const double stump = std::isnan(x) || x <= 0.5f ? 0.1 : 0.8;
      EXPECT_NEAR(p, (stump + tree1) / 2, 1e-6) << x << " " << y;
      EXPECT_EQ(p, m->PredictProbaReference(row));
    }
  }
}

// The node checks run in the pass that builds the fast layout: each problem is still
// refused, with a message naming it.
TEST(ModelBuilderTest, RefusesMalformedTreesWithAMessage) {
  auto build = [](const TreeArrays& t) {
    ModelBuilder b;
    b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}, {"y", "1"}}))
        .SetClassLabels({"a", "b"});
    b.AddTree(testing::StumpTree(true));  // a good tree first: the problem is in tree 1
    b.AddTree(t);
    return b.Build();
  };
  const TreeArrays good = testing::TwoLevelTree();
  ASSERT_TRUE(build(good).ok()) << build(good).status().ToString();

  auto expect_refused = [&](const TreeArrays& t, const std::string& words) {
    auto m = build(t);
    ASSERT_FALSE(m.ok()) << words;
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
    EXPECT_NE(m.status().message().find(words), std::string::npos) << m.status().ToString();
  };
  TreeArrays t = good;
  t.right[1] = 2;  // node 2 gets two parents, node 4 none
  expect_refused(t, "tree 1 node 1: a child has two parents");
  t = good;
  t.left[1] = 3;
  t.right[1] = 3;
  expect_refused(t, "child index out of range");
  t = good;
  t.feature[4] = 0;  // an internal node whose children (0, 0) lie before it
  expect_refused(t, "tree 1 node 4: child index out of range");
  t = good;
  t.left[3] = 7;  // leaf slot past the tree's slots
  // Trees are stored depth first, left child next (0, 1, 3, 4, 2): node 3 as given is
  // node 2 as stored, and messages name the stored nodes.
  expect_refused(t, "tree 1 node 2: leaf slot out of range");
  t = good;
  t.missing_left[1] = 2;
  expect_refused(t, "tree 1 node 1: bad missing-value flag");
  t = good;
  t.feature[1] = 2;
  expect_refused(t, "tree 1 node 1: feature index out of range");
  t = good;
  t.threshold[0] = kNaN;
  expect_refused(t, "tree 1 node 0: threshold is NaN");
  t = good;
  // An extra node no parent reaches.
  t.feature.push_back(ForestArrays::kLeaf);
  t.threshold.push_back(0.0f);
  t.left.push_back(0);
  t.right.push_back(0);
  t.missing_left.push_back(0);
  expect_refused(t, "tree 1 node 5 is not reached exactly once");
  t = good;
  // A leaf-table slot no leaf uses still has to hold frequencies.
  t.leaf_value.push_back(2.0f);
  t.leaf_value.push_back(-1.0f);
  expect_refused(t, "tree 1 leaf 3: bad class frequencies");
}

}  // namespace
}  // namespace raincheck::forest
