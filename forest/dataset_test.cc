#include "forest/dataset.h"

#include <gtest/gtest.h>

#include <cmath>

namespace raincheck::forest {
namespace {

CsvTable Table(std::string_view text) {
  auto t = ParseCsv(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

TEST(DatasetTest, LabelFromValueAndAhead) {
  const CsvTable t =
      Table("date,x,extra,kind\n2019-01-05,1,a,rain\n2019-02-06,,b,\n2019-03-07,3,c,rain\n");
  auto spec = LabelSpec::Parse("kind=rain", 1);
  ASSERT_TRUE(spec.ok());
  auto d = BuildDataset(t, FeatureSchema(std::vector<Feature>{{"x", "mm"}}), &*spec);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->n_rows, 2u);  // the last row only gives a label
  EXPECT_EQ(d->y, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(d->x[0], 1.0f);
  EXPECT_TRUE(std::isnan(d->x[1]));
  EXPECT_EQ(d->month, (std::vector<int>{1, 2}));
  EXPECT_EQ(spec->ClassLabels()[1], "kind = rain");
  EXPECT_NE(spec->Describe().find("1 ahead"), std::string::npos);
}

TEST(DatasetTest, ZeroOneLabelMustBeZeroOrOne) {
  const CsvTable t = Table("x,y\n1,1\n2,0\n3,yes\n");
  auto spec = LabelSpec::Parse("y", 0);
  auto d = BuildDataset(t, FeatureSchema(std::vector<Feature>{{"x", "1"}}), &*spec);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("line 4"), std::string::npos) << d.status().message();
}

TEST(DatasetTest, MissingColumnAndBadCellAreNamed) {
  const CsvTable t = Table("x,y\n1,1\nabc,0\n");
  auto d = BuildDataset(t, FeatureSchema(std::vector<Feature>{{"z", "1"}}), nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("no column 'z'"), std::string::npos);
  auto e = BuildDataset(t, FeatureSchema(std::vector<Feature>{{"x", "1"}}), nullptr);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("line 3: column 'x'"), std::string::npos)
      << e.status().message();
}

TEST(DatasetTest, ParseUnits) {
  auto u = ParseUnits("a=degF, b = mph");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->at("a"), "degF");
  EXPECT_EQ(u->at("b"), "mph");
  EXPECT_FALSE(ParseUnits("a").ok());
  EXPECT_FALSE(ParseUnits("=x").ok());
  EXPECT_TRUE(ParseUnits("")->empty());
}

}  // namespace
}  // namespace raincheck::forest
