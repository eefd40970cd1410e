// The shipped models built by CMake (data/models) from vega-datasets' weather.csv: their schema
// is the contract with the weather providers, so the names and units are checked exactly, and
// each must say where it applies. RAINCHECK_DEFAULT_MODEL_PATH is the Seattle model.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "forest/model.h"
#include "forest/model_info.h"

namespace raincheck::forest {
namespace {

struct ShippedModel {
  std::string file, name, home;
  double latitude, longitude;
};

void PrintTo(const ShippedModel& m, std::ostream* os) { *os << m.file; }

class ShippedModelTest : public testing::TestWithParam<ShippedModel> {};

TEST_P(ShippedModelTest, LoadsWithTheAgreedSchemaAndItsHome) {
  const ShippedModel& want = GetParam();
  auto m = Model::Load(std::string(RAINCHECK_DEFAULT_MODELS_DIR) + "/" + want.file);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name(), want.name);
  EXPECT_EQ(m->version(), "1.0");
  const std::vector<Feature> expected = {{"precipitation", "mm"}, {"temp_max", "degC"},
                                         {"temp_min", "degC"},    {"wind", "m/s"},
                                         {"season_cos", "1"},     {"season_sin", "1"}};
  EXPECT_EQ(m->schema().features(), expected);
  const nlohmann::json& card = m->card();
  EXPECT_EQ(card["label"]["column"], "rain");
  EXPECT_EQ(card["label"]["ahead"], 1);
  EXPECT_EQ(card["selection"]["cv_kind"], "time");
  EXPECT_EQ(card["evaluation"]["split"], "time");
  EXPECT_TRUE(card["provenance"].is_object());
  EXPECT_TRUE(card["licence"].is_string());
  EXPECT_TRUE(card["evaluation"]["baselines"]["monthly_climatology"].is_object());
  ASSERT_TRUE(m->info().home.has_value());
  const ModelHome& home = *m->info().home;
  EXPECT_EQ(home.name, want.home);
  EXPECT_DOUBLE_EQ(home.latitude, want.latitude);
  EXPECT_DOUBLE_EQ(home.longitude, want.longitude);
  EXPECT_DOUBLE_EQ(home.applies_within_km, 300.0);
  EXPECT_EQ(home.source, "vega-datasets weather.csv (NOAA)");
  // Trained on the days before the held-out last fifth of 2012-2015.
  EXPECT_EQ(home.from, "2012-01-01");
  EXPECT_GT(home.to, "2014-12-31");
  EXPECT_LT(home.to, "2015-12-31");
}

INSTANTIATE_TEST_SUITE_P(
    Cities, ShippedModelTest,
    testing::Values(ShippedModel{"seattle.rcf", "seattle-daily",
                                 "Seattle, Washington, United States", 47.6062, -122.3321},
                    ShippedModel{"new-york.rcf", "new-york-daily",
                                 "New York, New York, United States", 40.7128, -74.0060}),
    [](const testing::TestParamInfo<ShippedModel>& param) {
      return param.param.name == "seattle-daily" ? std::string("Seattle") : std::string("NewYork");
    });

TEST(DefaultModelTest, IsTheSeattleModel) {
  auto m = Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name(), "seattle-daily");
}

TEST(DefaultModelTest, PredictsSensibly) {
  auto m = Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // A wet, mild January day in Seattle against a dry, hot July day.
  const double jan_phase = 2 * M_PI * 14 / 365.25, jul_phase = 2 * M_PI * 195 / 365.25;
  const std::vector<float> wet = {12.0f,
                                  9.0f,
                                  5.0f,
                                  5.0f,
                                  static_cast<float>(std::cos(jan_phase)),
                                  static_cast<float>(std::sin(jan_phase))};
  const std::vector<float> dry = {0.0f,
                                  30.0f,
                                  16.0f,
                                  2.5f,
                                  static_cast<float>(std::cos(jul_phase)),
                                  static_cast<float>(std::sin(jul_phase))};
  const double p_wet = m->PredictProba(wet), p_dry = m->PredictProba(dry);
  EXPECT_GT(p_wet, 0.5);
  EXPECT_LT(p_dry, 0.2);
  // A provider that cannot supply wind: the learned missing-value directions still answer.
  std::vector<float> no_wind = wet;
  no_wind[3] = std::numeric_limits<float>::quiet_NaN();
  const double p = m->PredictProba(no_wind);
  EXPECT_TRUE(p >= 0.0 && p <= 1.0);
}

}  // namespace
}  // namespace raincheck::forest
