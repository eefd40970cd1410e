#include "forest/model_info.h"

#include <gtest/gtest.h>

namespace raincheck::forest {
namespace {

using nlohmann::json;

json CardWithEvaluation() {
  json monthly = json::array({nullptr});
  for (int m = 1; m <= 12; ++m) monthly.push_back(0.1 * (m % 5));
  return {{"name", "seattle"},
          {"version", "2"},
          {"training", {{"positive_rate", 0.42}, {"monthly_positive_rate", monthly}}},
          {"evaluation",
           {{"test_rows", 292},
            {"test", {{"roc_auc", 0.8}, {"brier", 0.15}}},
            {"baselines", {{"climatology", {{"brier", 0.25}}}}}}},
          {"home",
           {{"name", "Seattle"},
            {"latitude", 47.61},
            {"longitude", -122.33},
            {"applies_within_km", 250},
            {"source", "csv:weather.csv"},
            {"from", "2012-01-01"},
            {"to", "2015-12-31"}}}};
}

TEST(ModelInfoTest, ReadsEveryFact) {
  auto info = ReadModelInfo(CardWithEvaluation());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "seattle");
  EXPECT_EQ(info->version, "2");
  ASSERT_TRUE(info->home.has_value());
  EXPECT_EQ(info->home->name, "Seattle");
  EXPECT_DOUBLE_EQ(info->home->latitude, 47.61);
  EXPECT_DOUBLE_EQ(info->home->longitude, -122.33);
  EXPECT_DOUBLE_EQ(info->home->applies_within_km, 250);
  EXPECT_EQ(info->home->from, "2012-01-01");
  EXPECT_EQ(info->home->to, "2015-12-31");
  ASSERT_TRUE(info->skill.has_value());
  EXPECT_DOUBLE_EQ(info->skill->roc_auc, 0.8);
  EXPECT_DOUBLE_EQ(info->skill->brier_skill_score, 1.0 - 0.15 / 0.25);
  EXPECT_EQ(info->skill->rows, 292u);
  EXPECT_EQ(info->skill->rows_kind, "held-out");  // the card does not say: an older card
  ASSERT_TRUE(info->monthly_climatology.has_value());
  EXPECT_DOUBLE_EQ((*info->monthly_climatology)[0], 0.1);  // January
  EXPECT_DOUBLE_EQ((*info->monthly_climatology)[4], 0.0);  // May: 5 % 5
  EXPECT_DOUBLE_EQ(info->base_rate, 0.42);
}

// A model evaluated out of bag says so: its skill is not on held-out rows.
TEST(ModelInfoTest, SkillSaysWhichRowsItIsOn) {
  json card = CardWithEvaluation();
  card["evaluation"]["rows"] = "out-of-bag";
  auto info = ReadModelInfo(card);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_TRUE(info->skill.has_value());
  EXPECT_EQ(info->skill->rows_kind, "out-of-bag");
  card["evaluation"]["rows"] = "held-out";
  info = ReadModelInfo(card);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_TRUE(info->skill.has_value());
  EXPECT_EQ(info->skill->rows_kind, "held-out");
}

TEST(ModelInfoTest, AbsentKeysStayEmpty) {
  auto info = ReadModelInfo(json::object());
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->home.has_value());
  EXPECT_FALSE(info->skill.has_value());
  EXPECT_FALSE(info->monthly_climatology.has_value());
  EXPECT_TRUE(info->name.empty());
}

TEST(ModelInfoTest, HomeRadiusDefaultsTo300Km) {
  json card = {{"home", {{"name", "X"}, {"latitude", 1}, {"longitude", 2}}}};
  auto info = ReadModelInfo(card);
  ASSERT_TRUE(info.ok());
  EXPECT_DOUBLE_EQ(info->home->applies_within_km, 300);
}

TEST(ModelInfoTest, UnusableHomeIsRefused) {
  for (const json& home :
       {json("Seattle"), json{{"name", "X"}, {"latitude", 91}, {"longitude", 0}},
        json{{"name", "X"}, {"latitude", 0}, {"longitude", -181}},
        json{{"name", ""}, {"latitude", 0}, {"longitude", 0}},
        json{{"name", "X"}, {"latitude", "47"}, {"longitude", 0}},
        json{{"name", "X"}, {"latitude", 0}, {"longitude", 0}, {"applies_within_km", 0}}}) {
    auto info = ReadModelInfo(json{{"home", home}});
    EXPECT_FALSE(info.ok()) << home.dump();
    EXPECT_NE(info.status().message().find("home"), std::string::npos) << info.status().message();
  }
}

TEST(ModelInfoTest, ParseHomeFlag) {
  auto h = ParseHomeFlag("Cape Town, South Africa,-33.92,18.42");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->name, "Cape Town, South Africa");
  EXPECT_DOUBLE_EQ(h->latitude, -33.92);
  EXPECT_DOUBLE_EQ(h->longitude, 18.42);
  EXPECT_DOUBLE_EQ(h->applies_within_km, ModelHome::kDefaultAppliesWithinKm);
  for (const char* bad : {"Seattle", "Seattle,47", ",47,-122", "Seattle,north,-122",
                          "Seattle,95,-122", "Seattle,47,200"}) {
    EXPECT_FALSE(ParseHomeFlag(bad).ok()) << bad;
  }
}

TEST(ModelInfoTest, HomeRoundTripsThroughJson) {
  ModelHome h{"Seattle", 47.61, -122.33, 120, "openmeteo-archive", "2015-01-01", "2024-12-31"};
  auto info = ReadModelInfo(json{{"home", HomeToJson(h)}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->home->name, h.name);
  EXPECT_DOUBLE_EQ(info->home->applies_within_km, 120);
  EXPECT_EQ(info->home->source, h.source);
  EXPECT_EQ(info->home->to, h.to);
}

}  // namespace
}  // namespace raincheck::forest
