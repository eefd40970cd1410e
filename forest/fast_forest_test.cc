// The fast predictor against the reference: bitwise identical probabilities on every row.
#include "forest/fast_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

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
// `full` makes a complete tree of max_depth levels (2^(max_depth + 1) - 1 nodes).
TreeArrays RandomTree(Rng& rng, size_t n_features, int max_depth, bool chain, bool full = false) {
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
    if (chain || full) split = d.depth < max_depth;
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

// Features f0, f1, ... of unit "1".
FeatureSchema NumberedFeatures(size_t n_features) {
  std::vector<Feature> features;
  for (size_t f = 0; f < n_features; ++f) {
    std::string name = std::to_string(f);
    name.insert(0, 1, 'f');  // not "f" + ...: GCC 12 warns (-Wrestrict) on that at -O3
    features.push_back({std::move(name), "1"});
  }
  return FeatureSchema(std::move(features));
}

Model RandomForest(uint64_t seed, size_t n_features, size_t n_trees, int max_depth,
                   bool chain = false, bool full = false) {
  Rng rng(seed);
  ModelBuilder b;
  b.SetSchema(NumberedFeatures(n_features)).SetClassLabels({"no", "yes"});
  for (size_t t = 0; t < n_trees; ++t) {
    b.AddTree(RandomTree(rng, n_features, max_depth, chain && t % 2 == 0, full));
  }
  auto m = b.Build();
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(*m);
}

// Boosted trees: RandomForest's trees with one margin per leaf (varied magnitudes, both
// signs, so that float32 and double sums round differently), combined as `c` says.
Model RandomBoosted(uint64_t seed, size_t n_features, size_t n_trees, int max_depth,
                    const Combination& c) {
  Rng rng(seed);
  ModelBuilder b;
  b.SetSchema(NumberedFeatures(n_features))
      .SetCombination(c)
      .SetClassLabels(c.link == Combination::Link::kLogistic ? std::vector<std::string>{"no", "yes"}
                                                             : std::vector<std::string>{});
  for (size_t t = 0; t < n_trees; ++t) {
    TreeArrays tree = RandomTree(rng, n_features, max_depth, false);
    std::vector<float> margins(tree.leaf_value.size() / 2);
    for (float& v : margins) {
      v = (static_cast<float>(rng.Below(200001)) - 100000.0f) / 31337.0f;
      if (rng.Below(4) == 0) v = std::ldexp(v, -static_cast<int>(rng.Below(30)));
    }
    tree.leaf_value = std::move(margins);
    b.AddTree(tree);
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
  std::vector<double> batch(n_rows), margins(n_rows);
  ASSERT_TRUE(m.PredictProbaBatch(rows, batch).ok());
  ASSERT_TRUE(m.PredictMarginBatch(rows, margins).ok());
  const FastForest fast = FastForest::Build(m.forest(), m.combination());
  for (size_t r = 0; r < n_rows; ++r) {
    const std::span<const float> row(rows.data() + r * width, width);
    const double ref_proba = m.PredictProbaReference(row);
    ASSERT_EQ(Bits(m.PredictProba(row)), Bits(ref_proba)) << "row " << r;
    ASSERT_EQ(Bits(batch[r]), Bits(ref_proba)) << "batch row " << r;
    // The fast layout gives the margin (the mean for a forest); the link is the model's.
    const double ref = m.PredictMarginReference(row);
    ASSERT_EQ(Bits(m.PredictMargin(row)), Bits(ref)) << "margin row " << r;
    ASSERT_EQ(Bits(margins[r]), Bits(ref)) << "batch margin row " << r;
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
      {1, 1, 1, false},    {3, 5, 4, false},    {7, 24, 9, false},    {8, 25, 9, false},
      {12, 16, 8, false},  {12, 17, 12, false}, {12, 100, 12, false}, {6, 33, 20, false},
      {12, 40, 60, true},  {15, 31, 9, false},  {16, 32, 9, false},   {40, 47, 10, false},
      {9, 64, 10, false},  {12, 21, 11, false}, {12, 53, 11, false},  {5, 13, 7, false},
      {255, 9, 10, false}, {256, 9, 10, false},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.features << " features, " << c.trees << " trees, depth " << c.depth);
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

namespace raincheck::forest {
namespace {

Combination Boosted(Combination::Link link, bool float32_sum, double base) {
  Combination c;
  c.aggregation = Combination::Aggregation::kSum;
  c.link = link;
  c.float32_sum = float32_sum;
  c.base_score = base;
  return c;
}

// Boosted trees (sum of margins from a base score, in float32 or double, logistic or identity
// link): every path gives the reference's bits, on the same shapes as the forests above.
TEST(FastForestTest, BoostedTreesIdenticalToReference) {
  struct Case {
    size_t features, trees;
    int depth;
  };
  const Case cases[] = {{1, 1, 1},   {3, 5, 4},   {7, 24, 6},   {8, 100, 6}, {12, 100, 6},
                        {15, 31, 9}, {16, 64, 6}, {40, 47, 10}, {5, 13, 7},  {256, 9, 6}};
  uint64_t seed = 100;
  for (const Case& k : cases) {
    for (const bool f32 : {false, true}) {
      for (const auto link : {Combination::Link::kLogistic, Combination::Link::kIdentity}) {
        SCOPED_TRACE(testing::Message()
                     << k.features << " features, " << k.trees << " trees, float32 " << f32
                     << ", link " << static_cast<int>(link));
        const Model m =
            RandomBoosted(seed++, k.features, k.trees, k.depth, Boosted(link, f32, -0.3137));
        ExpectAgreement(m, 150, seed++);
      }
    }
  }
}

// The sum starts at the base score and adds the leaves in tree order in the declared
// precision, and the logistic link applies to that margin: checked against the arithmetic
// written out, with float32 and double giving different results on some rows (so the flag
// is not ignored).
TEST(FastForestTest, BoostedSumPrecisionBaseAndLink) {
  const Combination f32 = Boosted(Combination::Link::kLogistic, true, 0.7);
  const Combination f64 = Boosted(Combination::Link::kLogistic, false, 0.7);
  const Model a = RandomBoosted(5, 6, 100, 6, f32);
  const Model b = RandomBoosted(5, 6, 100, 6, f64);  // the same trees
  const std::vector<float> rows = RandomRows(9, 300, 6);
  size_t differ = 0;
  for (size_t r = 0; r < 300; ++r) {
    const std::span<const float> row(rows.data() + r * 6, 6);
    // Leaf values by walking a one-tree view: the difference of consecutive prefix sums is
    // not exact, so compute the leaves from the reference walk of each tree separately.
    float fsum = 0.7f;
    double dsum = 0.7;
    const ForestView& v = a.forest();
    for (size_t t = 0; t < v.n_trees(); ++t) {
      size_t node = v.node_begin[t];
      while (v.feature[node] != ForestArrays::kLeaf) {
        const float x = row[static_cast<size_t>(v.feature[node])];
        const bool left = std::isnan(x) ? v.missing_left[node] != 0 : x <= v.threshold[node];
        node = left ? v.left[node] : v.right[node];
      }
      const float leaf = v.leaf_value[v.left[node]];
      fsum += leaf;
      dsum += static_cast<double>(leaf);
    }
    ASSERT_EQ(Bits(a.PredictMargin(row)), Bits(static_cast<double>(fsum))) << "row " << r;
    ASSERT_EQ(Bits(b.PredictMargin(row)), Bits(dsum)) << "row " << r;
    EXPECT_EQ(a.PredictProba(row), static_cast<double>(1.0f / (1.0f + std::exp(-fsum))));
    EXPECT_DOUBLE_EQ(b.PredictProba(row), 1.0 / (1.0 + std::exp(-dsum)));
    differ += static_cast<double>(fsum) != dsum ? 1 : 0;
  }
  EXPECT_GT(differ, 0u);
  const Model reg = RandomBoosted(5, 6, 100, 6, Boosted(Combination::Link::kIdentity, true, 0.7));
  const std::span<const float> row0(rows.data(), 6);
  EXPECT_EQ(reg.PredictProba(row0), reg.PredictMargin(row0));  // identity link: the value
  EXPECT_TRUE(reg.is_regression());
  EXPECT_TRUE(reg.class_labels().empty());
}

// Boosted leaves hold any finite margin; a non-finite one is refused, naming tree and leaf.
TEST(FastForestTest, BoostedLeafValuesMustBeFinite) {
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}}))
      .SetCombination(Boosted(Combination::Link::kIdentity, false, 0.0))
      .SetClassLabels({});
  TreeArrays t;
  t.feature = {0, ForestArrays::kLeaf, ForestArrays::kLeaf};
  t.threshold = {0.5f, 0.0f, 0.0f};
  t.left = {1, 0, 1};
  t.right = {2, 0, 0};
  t.missing_left = {0, 0, 0};
  t.leaf_value = {-42.5f, 1e30f};
  b.AddTree(t);
  ASSERT_TRUE(b.Build().ok());
  ModelBuilder bad;
  bad.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}}))
      .SetCombination(Boosted(Combination::Link::kIdentity, false, 0.0))
      .SetClassLabels({});
  t.leaf_value = {-42.5f, kInf};
  bad.AddTree(t);
  auto m = bad.Build();
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("tree 0 leaf 1: leaf value is not finite"), std::string::npos)
      << m.status().message();
}

// The batch walk (short blocks for small trees, long prefetching ones for large trees, or any
// walk asked for) changes no bit of the result: every row's leaves are added in tree order
// whatever block it is walked in. Rows enough for several long blocks and a partial one.
TEST(FastForestTest, BatchWalkDoesNotChangeResults) {
  const Model small = RandomForest(31, 12, 9, 10);
  // 9 complete trees of 32767 nodes: a layout past kCachedLayoutBytes, so batches take long
  // prefetching blocks.
  const Model large = RandomForest(37, 12, 9, 14, /*chain=*/false, /*full=*/true);
  const Model boosted =
      RandomBoosted(41, 7, 6, 9, Boosted(Combination::Link::kLogistic, true, 0.2));
  const FastForest::BatchWalk small_walk =
      FastForest::Build(small.forest(), small.combination()).ChosenWalk();
  EXPECT_EQ(small_walk.block_rows, FastForest::kSmallBlockRows);
  EXPECT_FALSE(small_walk.prefetch);
  const FastForest::BatchWalk large_walk =
      FastForest::Build(large.forest(), large.combination()).ChosenWalk();
  EXPECT_EQ(large_walk.block_rows, FastForest::kMaxBlockRows);
  EXPECT_TRUE(large_walk.prefetch);

  const size_t n_rows = 2 * FastForest::kMaxBlockRows + 37;
  for (const Model* m : {&small, &large, &boosted}) {
    const size_t width = m->schema().size();
    SCOPED_TRACE(testing::Message() << m->forest().n_nodes() << " nodes");
    const std::vector<float> rows = RandomRows(53, n_rows, width);
    std::vector<double> ref(n_rows), batch(n_rows);
    for (size_t r = 0; r < n_rows; ++r) {
      ref[r] = m->PredictMarginReference(std::span<const float>(rows.data() + r * width, width));
    }
    ASSERT_TRUE(m->PredictMarginBatch(rows, batch).ok());
    for (size_t r = 0; r < n_rows; ++r) ASSERT_EQ(Bits(batch[r]), Bits(ref[r])) << "row " << r;
    const FastForest f = FastForest::Build(m->forest(), m->combination());
    ASSERT_TRUE(f.usable());
    for (const size_t block : {size_t{0}, size_t{1}, size_t{7}, size_t{64}, size_t{1000},
                               FastForest::kMaxBlockRows, n_rows}) {
      for (const bool prefetch : {false, true}) {
        std::vector<double> out(n_rows, -1.0);
        f.PredictMany(rows.data(), width, out, {block, prefetch});
        for (size_t r = 0; r < n_rows; ++r) {
          ASSERT_EQ(Bits(out[r]), Bits(ref[r]))
              << "block " << block << " prefetch " << prefetch << " row " << r;
        }
      }
    }
  }
}

}  // namespace
}  // namespace raincheck::forest
