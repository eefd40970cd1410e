#include "forest/binning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "forest/random.h"

namespace raincheck::forest {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The contract every cut list must meet for the values it came from.
void ExpectConsistent(const std::vector<float>& cuts, const std::vector<float>& values) {
  for (size_t i = 1; i < cuts.size(); ++i) ASSERT_LT(cuts[i - 1], cuts[i]);
  for (float v : values) {
    const uint8_t b = BinOf(cuts, v);
    ASSERT_LE(b, cuts.size());
    if (b < cuts.size()) {
      EXPECT_LE(v, cuts[b]);
    }
    if (b > 0) {
      EXPECT_GT(v, cuts[b - 1u]);
    }
  }
}

TEST(BinningTest, FewDistinctValuesGetOneBinEach) {
  std::vector<float> values = {3.0f, 1.0f, 2.0f, 1.0f, 3.0f, 3.0f};
  const std::vector<float> copy = values;
  const std::vector<float> cuts = QuantileCuts(values, 255);
  EXPECT_EQ(cuts, (std::vector<float>{1.5f, 2.5f}));
  ExpectConsistent(cuts, copy);
  EXPECT_EQ(BinOf(cuts, 1.0f), 0);
  EXPECT_EQ(BinOf(cuts, 2.0f), 1);
  EXPECT_EQ(BinOf(cuts, 3.0f), 2);
  EXPECT_EQ(BinOf(cuts, 100.0f), 2);  // above every training value: the last bin
  EXPECT_EQ(BinOf(cuts, kNaN), kMissingBin);
}

TEST(BinningTest, AdjacentFloatsAreStillSeparated) {
  const float a = 1.0f, b = std::nextafter(1.0f, 2.0f);
  std::vector<float> values = {a, b};
  const std::vector<float> cuts = QuantileCuts(values, 255);
  ASSERT_EQ(cuts.size(), 1u);
  EXPECT_EQ(BinOf(cuts, a), 0);
  EXPECT_EQ(BinOf(cuts, b), 1);
  EXPECT_EQ(cuts[0], ThresholdBetween(a, b));
}

TEST(BinningTest, ManyValuesAreCutAtQuantiles) {
  Rng rng(7);
  std::vector<float> values;
  for (int i = 0; i < 100000; ++i) {
    // Skewed: most values near zero.
    const double u = static_cast<double>(rng.Below(1u << 30)) / static_cast<double>(1u << 30);
    values.push_back(static_cast<float>(u * u * u));
  }
  const std::vector<float> copy = values;
  const std::vector<float> cuts = QuantileCuts(values, 64);
  ASSERT_LE(cuts.size(), 63u);
  ASSERT_GE(cuts.size(), 60u);
  ExpectConsistent(cuts, copy);
  std::vector<size_t> count(cuts.size() + 1, 0);
  for (float v : copy) ++count[BinOf(cuts, v)];
  for (size_t c : count) {
    EXPECT_GT(c, 100000u / 64 / 2);
    EXPECT_LT(c, 100000u / 64 * 2);
  }
}

TEST(BinningTest, HeavyTiesKeepCutsBetweenDistinctValues) {
  std::vector<float> values(5000, 0.0f);  // half the values are 0
  for (int i = 0; i < 5000; ++i) values.push_back(static_cast<float>(i + 1));
  const std::vector<float> copy = values;
  const std::vector<float> cuts = QuantileCuts(values, 16);
  ExpectConsistent(cuts, copy);
  EXPECT_EQ(cuts.front(), 0.5f);  // zero alone in the first bin
  EXPECT_LE(cuts.size(), 15u);
}

TEST(BinningTest, EmptyAndConstantColumns) {
  std::vector<float> none;
  EXPECT_TRUE(QuantileCuts(none, 255).empty());
  std::vector<float> same(10, 4.0f);
  EXPECT_TRUE(QuantileCuts(same, 255).empty());
}

TEST(BinningTest, MatrixIsRowMajorAndIndependentOfThreads) {
  const size_t m = 40000, nf = 3;
  std::vector<float> cols(m * nf);
  Rng rng(9);
  for (size_t r = 0; r < m; ++r) {
    cols[0 * m + r] = static_cast<float>(rng.Below(1000000));
    cols[1 * m + r] = r % 5 == 0 ? kNaN : static_cast<float>(r % 7);
    cols[2 * m + r] = 1.0f;
  }
  const BinnedMatrix one = BuildBins(cols, m, nf, 255, 1, 10000);
  const BinnedMatrix two = BuildBins(cols, m, nf, 255, 2, 10000);
  EXPECT_EQ(one.bins, two.bins);
  EXPECT_EQ(one.cuts, two.cuts);
  ASSERT_EQ(one.bins.size(), m * nf);
  EXPECT_EQ(one.cuts[1].size(), 6u);  // seven distinct values, all seen in the sample
  EXPECT_TRUE(one.cuts[2].empty());
  for (size_t r = 0; r < m; ++r) {
    for (size_t f = 0; f < nf; ++f) {
      ASSERT_EQ(one.row(r)[f], BinOf(one.cuts[f], cols[f * m + r]));
    }
  }
  EXPECT_EQ(one.row(0)[1], kMissingBin);
  // Cuts came from a sample of 10,000 values, but every value has a bin.
  std::vector<float> all(cols.begin(), cols.begin() + static_cast<std::ptrdiff_t>(m));
  ExpectConsistent(one.cuts[0], all);
}

}  // namespace
}  // namespace raincheck::forest
