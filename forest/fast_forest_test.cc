// The fast predictor against the reference: bitwise identical probabilities on every row.
#include "forest/fast_forest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "forest/model.h"
#include "forest/random.h"

namespace raincheck::forest {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Thresholds come from a small grid so that rows hit them exactly (x == threshold goes left).
float GridValue(Rng& rng) { return static_cast<float>(rng.Below(41)) * 0.25f - 5.0f; }

// A random tree: each node splits with a probability that falls with depth, up to max_depth;
// `chain` makes a degenerate one-sided tree of exactly max_depth levels.
TreeArrays RandomTree(Rng& rng, size_t n_features, int max_depth, bool chain) {
  TreeArrays t;
  struct Todo {
    uint32_t node;
    int depth;
  };
  std::vector<Todo> todo{{t.AddNode(), 0}};
  while (!todo.empty()) {
    const Todo d = todo.back();
    todo.pop_back();
    const uint64_t percent = d.depth < 8 ? 85 : 45;  // bushy near the root, then thinning
    bool split = d.depth < max_depth && (d.depth == 0 || rng.Below(100) < percent);
    if (chain) split = d.depth < max_depth;
    if (!split) {
      // Some leaves tiny, so that the double sum rounds and its order shows in the result.
      float p = static_cast<float>(rng.Below(1001)) / 1000.0f;
      if (rng.Below(4) == 0) p = std::ldexp(p, -static_cast<int>(rng.Below(60)));
      t.left[d.node] = static_cast<uint32_t>(t.leaf_value.size() / 2);
      t.leaf_value.push_back(1.0f - p);
      t.leaf_value.push_back(p);
      continue;
    }
    const uint32_t l = t.AddNode(), r = t.AddNode();
    t.feature[d.node] = static_cast<int32_t>(rng.Below(n_features));
    t.threshold[d.node] = GridValue(rng);
    t.missing_left[d.node] = static_cast<uint8_t>(rng.Below(2));
    t.left[d.node] = l;
    t.right[d.node] = r;
    if (chain) {
      // Only one side grows: a leaf on the other.
      const bool grow_left = rng.Below(2) == 0;
      todo.push_back({grow_left ? r : l, max_depth});
      todo.push_back({grow_left ? l : r, d.depth + 1});
    } else {
      todo.push_back({r, d.depth + 1});
      todo.push_back({l, d.depth + 1});
    }
  }
  return t;
}

Model RandomForest(uint64_t seed, size_t n_features, size_t n_trees, int max_depth,
                   bool chain = false) {
  Rng rng(seed);
  std::vector<Feature> features;
  for (size_t f = 0; f < n_features; ++f) {
    std::string name = std::to_string(f);
    name.insert(0, 1, 'f');
    features.push_back({name, "1"});
  }
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::move(features))).SetClassLabels({"no", "yes"});
  for (size_t t = 0; t < n_trees; ++t) {
    b.AddTree(RandomTree(rng, n_features, max_depth, chain && t % 2 == 0));
  }
  auto m = b.Build();
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(*m);
}

std::vector<float> RandomRows(uint64_t seed, size_t n_rows, size_t n_features) {
  Rng rng(seed);
  std::vector<float> rows(n_rows * n_features);
  for (float& v : rows) {
    const uint64_t kind = rng.Below(20);
    if (kind < 3) {
      v = kNaN;
    } else if (kind == 3) {
      v = rng.Below(2) == 0 ? kInf : -kInf;
    } else if (kind < 10) {
      v = GridValue(rng);  // exactly on a threshold
    } else {
      v = GridValue(rng) + static_cast<float>(rng.Below(1000)) * 0.00025f;
    }
  }
  return rows;
}

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Every path against the reference: PredictProba (the vector path where the CPU has one),
// the AVX2 path (forced, where the CPU has it), the portable scalar path, and the batch.
void ExpectAgreement(const Model& m, size_t n_rows, uint64_t seed) {
  const size_t width = m.schema().size();
  const std::vector<float> rows = RandomRows(seed, n_rows, width);
  std::vector<double> batch(n_rows);
  ASSERT_TRUE(m.PredictProbaBatch(rows, batch).ok());
  const FastForest fast = FastForest::Build(m.forest(), 1);
  for (size_t r = 0; r < n_rows; ++r) {
    const std::span<const float> row(rows.data() + r * width, width);
    const double ref = m.PredictProbaReference(row);
    ASSERT_EQ(Bits(m.PredictProba(row)), Bits(ref)) << "row " << r;
    ASSERT_EQ(Bits(batch[r]), Bits(ref)) << "batch row " << r;
    if (fast.usable()) {
      ASSERT_EQ(Bits(fast.PredictOneScalar(row.data())), Bits(ref)) << "scalar row " << r;
      ASSERT_EQ(Bits(fast.PredictOneAvx2(row.data())), Bits(ref)) << "AVX2 row " << r;
      ASSERT_EQ(Bits(fast.PredictOne(row.data())), Bits(ref)) << "row " << r;
    }
  }
}

TEST(FastForestTest, IdenticalToReferenceOnVariedForests) {
  struct Case {
    size_t features, trees;
    int depth;
    bool chain;
  };
  // Feature counts on both sides of where the row stops fitting vector registers (AVX2: 8 and
  // 16 floats with the sentinel; AVX-512: 16), tree counts that fill chunks of 8 to 64 trees
  // partly and wholly.
  const Case cases[] = {
      {1, 1, 1, false},     {3, 5, 4, false},    {7, 24, 9, false},    {8, 25, 9, false},
      {12, 16, 8, false},   {12, 17, 12, false}, {12, 100, 12, false}, {6, 33, 20, false},
      {12, 40, 60, true},   {15, 31, 9, false},  {16, 32, 9, false},   {40, 47, 10, false},
      {9, 64, 10, false},   {12, 21, 11, false}, {12, 53, 11, false}, {5, 13, 7, false},
      {255, 9, 10, false},  {256, 9, 10, false},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.features << " features, " << c.trees << " trees, depth "
                                    << c.depth);
    const Model m = RandomForest(seed++, c.features, c.trees, c.depth, c.chain);
    ExpectAgreement(m, 200, seed++);  // more than one block of batch rows, and a partial one
  }
}

// Very deep trees (300 levels, one-sided) keep the layout and its walk bitwise right.
TEST(FastForestTest, VeryDeepTreesAgree) {
  const Model m = RandomForest(23, 5, 3, 300, /*chain=*/true);
  ExpectAgreement(m, 200, 5);
}

TEST(FastForestTest, BuildsTheLayoutForOrdinaryModels) {
  const Model m = RandomForest(7, 12, 20, 10);
  const FastForest f = FastForest::Build(m.forest(), 1);
  EXPECT_TRUE(f.usable());
  EXPECT_EQ(f.n_trees(), 20u);
}

TEST(FastForestTest, ModelsOutsideTheNodeWordUseTheReference) {
  // 256 features do not fit the 8-bit feature field beside the leaves' sentinel index: the
  // layout refuses, the model falls back to the reference predictor and still answers
  // correctly.
  const Model m = RandomForest(11, 256, 5, 6);
  EXPECT_FALSE(FastForest::Build(m.forest(), 1).usable());
  ExpectAgreement(m, 70, 12);
}

TEST(FastForestTest, ThresholdAndMissingSemantics) {
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}})).SetClassLabels({"no", "yes"});
  TreeArrays t;
  t.feature = {0, ForestArrays::kLeaf, ForestArrays::kLeaf};
  t.threshold = {0.5f, 0.0f, 0.0f};
  t.left = {1, 0, 1};
  t.right = {2, 0, 0};
  t.missing_left = {0, 0, 0};
  t.leaf_value = {0.75f, 0.25f, 0.0f, 1.0f};
  b.AddTree(t);
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  const float at[] = {0.5f}, above[] = {0.50001f}, nan[] = {kNaN}, inf[] = {kInf};
  EXPECT_EQ(m->PredictProba(at), 0.25);
  EXPECT_EQ(m->PredictProba(above), 1.0);
  EXPECT_EQ(m->PredictProba(nan), 1.0);  // NaN goes right here
  EXPECT_EQ(m->PredictProba(inf), 1.0);
}

}  // namespace
}  // namespace raincheck::forest
