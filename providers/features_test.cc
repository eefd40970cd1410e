#include "providers/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace raincheck::providers {
namespace {

using std::chrono::year_month_day;
using namespace std::chrono_literals;

Observation DailyObservation(year_month_day date) {
  Observation o;
  o.source = "openmeteo";
  o.local_date = date;
  o.quantities = {{"precipitation", 0.4, "mm"},  {"temp_max", 24.1, "degC"},
                  {"temp_min", 15.2, "degC"},    {"wind", 18.0, "km/h"},
                  {"temperature", 17.4, "degC"}, {"windSpeed", 36.0, "km/h"},
                  {"visibility", 16093.44, "m"}, {"humidity", 67, "percent"}};
  return o;
}

const std::vector<FeatureSpec> kDefaultSchema = {{"precipitation", "mm"}, {"temp_max", "degC"},
                                                 {"temp_min", "degC"},    {"wind", "m/s"},
                                                 {"season_cos", "1"},     {"season_sin", "1"}};

TEST(SeasonTest, MatchesTheDocumentedFormula) {
  // 1 January: phase 0.
  auto [c1, s1] = SeasonEncoding(year_month_day(2026y / 1 / 1), 47.6);
  EXPECT_NEAR(c1, 1.0, 1e-12);
  EXPECT_NEAR(s1, 0.0, 1e-12);
  // 28 November 2026 is day 332.
  const double phase = 2 * std::numbers::pi * 331 / 365.25;
  auto [c2, s2] = SeasonEncoding(year_month_day(2026y / 11 / 28), 47.6);
  EXPECT_NEAR(c2, std::cos(phase), 1e-12);
  EXPECT_NEAR(s2, std::sin(phase), 1e-12);
  // Southern hemisphere: both negated; the equator counts as north.
  auto [c3, s3] = SeasonEncoding(year_month_day(2026y / 11 / 28), -33.9);
  EXPECT_NEAR(c3, -std::cos(phase), 1e-12);
  EXPECT_NEAR(s3, -std::sin(phase), 1e-12);
  EXPECT_NEAR(SeasonEncoding(year_month_day(2026y / 11 / 28), 0.0).first, std::cos(phase), 1e-12);
  // Leap day 31 December 2024 is day 366.
  EXPECT_NEAR(SeasonEncoding(year_month_day(2024y / 12 / 31), 1).second,
              std::sin(2 * std::numbers::pi * 365 / 365.25), 1e-12);
}

TEST(MapFeaturesTest, DefaultModelSchema) {
  Place seattle;
  seattle.latitude = 47.6;
  auto f = MapFeatures(DailyObservation(year_month_day(2026y / 11 / 28)), seattle, kDefaultSchema);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->size(), 6u);
  EXPECT_FLOAT_EQ((*f)[0], 0.4f);
  EXPECT_FLOAT_EQ((*f)[1], 24.1f);
  EXPECT_FLOAT_EQ((*f)[2], 15.2f);
  EXPECT_FLOAT_EQ((*f)[3], 5.0f);
  const auto [c, s] = SeasonEncoding(year_month_day(2026y / 11 / 28), 47.6);
  EXPECT_FLOAT_EQ((*f)[4], static_cast<float>(c));
  EXPECT_FLOAT_EQ((*f)[5], static_cast<float>(s));
}

TEST(MapFeaturesTest, ConvertsToTheSchemaUnits) {
  Place p;
  auto f = MapFeatures(DailyObservation(year_month_day(2026y / 11 / 28)), p,
                       {{"temperature", "degF"},
                        {"windSpeed", "mph"},
                        {"visibility", "mile"},
                        {"humidity", "fraction"}});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_NEAR((*f)[0], 63.32, 1e-4);
  EXPECT_NEAR((*f)[1], 22.3694, 1e-3);
  EXPECT_NEAR((*f)[2], 10.0, 1e-5);
  EXPECT_NEAR((*f)[3], 0.67, 1e-6);
}

TEST(MapFeaturesTest, NamesTheMissingFeature) {
  Place p;
  auto f = MapFeatures(DailyObservation(year_month_day(2026y / 11 / 28)), p,
                       {{"temperature", "degF"}, {"ozone", "dobson"}});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(f.status().message().find("'ozone'"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("openmeteo"), std::string::npos);
}

TEST(MapFeaturesTest, IncompatibleOrUnknownSchemaUnitsAreErrors) {
  Place p;
  const auto obs = DailyObservation(year_month_day(2026y / 11 / 28));
  auto bad = MapFeatures(obs, p, {{"temp_max", "mm"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("temp_max"), std::string::npos);
  EXPECT_FALSE(MapFeatures(obs, p, {{"season_cos", "degC"}}).ok());
  Observation no_date = obs;
  no_date.local_date = year_month_day{};
  EXPECT_FALSE(MapFeatures(no_date, p, {{"season_sin", "1"}}).ok());
}

// A model trained without --units records "unspecified": the answer says how to fix the model
// (the flag, the feature, the unit the source supplies) and never guesses the unit.
TEST(MapFeaturesTest, AModelWithoutUnitsIsToldToTrainWithUnits) {
  Place p;
  const auto obs = DailyObservation(year_month_day(2026y / 11 / 28));
  auto r = MapFeatures(obs, p, {{"temperature", "unspecified"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "feature 'temperature': the model records no known unit for it ('unspecified'); "
            "train it with --units temperature=UNIT (openmeteo supplies degC)");
  auto season = MapFeatures(obs, p, {{"season_cos", "unspecified"}});
  ASSERT_FALSE(season.ok());
  EXPECT_NE(season.status().message().find("--units season_cos=UNIT"), std::string::npos)
      << season.status().message();
}

}  // namespace
}  // namespace raincheck::providers
