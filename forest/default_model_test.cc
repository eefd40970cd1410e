// The default model built by CMake (data/default_model) from seattle-weather.csv: its schema
// is the contract with the weather providers, so the names and units are checked exactly.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "forest/model.h"

namespace raincheck::forest {
namespace {

TEST(DefaultModelTest, LoadsWithTheAgreedSchema) {
  auto m = Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name(), "default-seattle-daily");
  EXPECT_EQ(m->version(), "1.0");
  const std::vector<Feature> expected = {
      {"precipitation", "mm"}, {"temp_max", "degC"}, {"temp_min", "degC"},
      {"wind", "m/s"},         {"season_cos", "1"},  {"season_sin", "1"}};
  EXPECT_EQ(m->schema().features(), expected);
  const nlohmann::json& card = m->card();
  EXPECT_EQ(card["label"]["column"], "rain");
  EXPECT_EQ(card["label"]["ahead"], 1);
  EXPECT_EQ(card["selection"]["cv_kind"], "time");
  EXPECT_EQ(card["evaluation"]["split"], "time");
  EXPECT_TRUE(card["provenance"].is_object());
  EXPECT_TRUE(card["licence"].is_string());
  EXPECT_TRUE(card["evaluation"]["baselines"]["monthly_climatology"].is_object());
}

TEST(DefaultModelTest, PredictsSensibly) {
  auto m = Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // A wet, mild January day in Seattle against a dry, hot July day.
  const double jan_phase = 2 * M_PI * 14 / 365.25, jul_phase = 2 * M_PI * 195 / 365.25;
  const std::vector<float> wet = {12.0f, 9.0f, 5.0f, 5.0f, static_cast<float>(std::cos(jan_phase)),
                                  static_cast<float>(std::sin(jan_phase))};
  const std::vector<float> dry = {0.0f, 30.0f, 16.0f, 2.5f, static_cast<float>(std::cos(jul_phase)),
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
