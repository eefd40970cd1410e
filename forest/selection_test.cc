#include "forest/selection.h"

#include <gtest/gtest.h>

namespace raincheck::forest {
namespace {

TEST(SelectionTest, RandomSplitPicksScikitLearnsRows) {
  // sklearn.model_selection.train_test_split(np.arange(364), test_size=0.2, random_state=42)
  const Split s = TrainTestSplit(364, 0.2, CvKind::kRandom, 42);
  ASSERT_EQ(s.test.size(), 73u);
  ASSERT_EQ(s.train.size(), 291u);
  EXPECT_EQ(std::vector<uint32_t>(s.test.begin(), s.test.begin() + 5),
            (std::vector<uint32_t>{193, 33, 15, 347, 57}));
  EXPECT_EQ(std::vector<uint32_t>(s.train.begin(), s.train.begin() + 5),
            (std::vector<uint32_t>{210, 339, 299, 75, 84}));
}

TEST(SelectionTest, TimeSplitKeepsTheLastRowsForTesting) {
  const Split s = TrainTestSplit(10, 0.2, CvKind::kTime, 42);
  EXPECT_EQ(s.train, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(s.test, (std::vector<uint32_t>{8, 9}));
}

TEST(SelectionTest, StratifiedFoldsMatchScikitLearn) {
  // StratifiedKFold(3).split(X, y) test indices for this y.
  const std::vector<uint8_t> y = {0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  auto folds = MakeFolds(y, 3, CvKind::kRandom);
  ASSERT_TRUE(folds.ok());
  EXPECT_EQ((*folds)[0].test, (std::vector<uint32_t>{0, 1, 2, 5, 6}));
  EXPECT_EQ((*folds)[1].test, (std::vector<uint32_t>{3, 4, 7, 8, 9}));
  EXPECT_EQ((*folds)[2].test, (std::vector<uint32_t>{10, 11, 12, 13}));
  EXPECT_EQ((*folds)[0].train.size(), 9u);
}

TEST(SelectionTest, TimeFoldsMatchTimeSeriesSplit) {
  auto folds = MakeFolds(std::vector<uint8_t>(10, 0), 3, CvKind::kTime);
  ASSERT_TRUE(folds.ok());
  EXPECT_EQ((*folds)[0].train, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ((*folds)[0].test, (std::vector<uint32_t>{4, 5}));
  EXPECT_EQ((*folds)[2].train.size(), 8u);
  EXPECT_EQ((*folds)[2].test, (std::vector<uint32_t>{8, 9}));
  EXPECT_FALSE(MakeFolds(std::vector<uint8_t>(3, 0), 5, CvKind::kTime).ok());
  EXPECT_FALSE(MakeFolds(std::vector<uint8_t>(3, 0), 1, CvKind::kRandom).ok());
}

TEST(SelectionTest, GridParsingAndExpansion) {
  auto g = ParseGrid("n_estimators=10,20; max_depth=8,9,10");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->size(), 2u);
  EXPECT_EQ((*g)[0].first, "max_depth");  // sorted, as ParameterGrid
  const auto points = ExpandGrid(*g);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[1][0].second, "8");
  EXPECT_EQ(points[1][1].second, "20");  // the last name varies fastest
  EXPECT_FALSE(ParseGrid("n_estimators").ok());
  EXPECT_FALSE(ParseGrid("n_estimators=0").ok());
  EXPECT_FALSE(ParseGrid("colour=red").ok());
  EXPECT_FALSE(ParseGrid("max_depth=1;max_depth=2").ok());
  EXPECT_EQ(ExpandGrid(*ParseGrid("")).size(), 1u);
  auto spaced = ParseGrid("n_estimators=10,20  max_depth=8");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(ExpandGrid(*spaced).size(), 2u);
}

}  // namespace
}  // namespace raincheck::forest
