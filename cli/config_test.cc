#include "cli/config.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace raincheck::cli {
namespace {

base::EnvLookup Env(std::map<std::string, std::string> vars) {
  return base::OverlayEnv(std::move(vars), nullptr);
}

TEST(ConfigTest, Defaults) {
  auto c = LoadFunctionConfig(Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->settings.default_city, "Cape Town");
  EXPECT_EQ(c->log_level, base::LogLevel::kInfo);
}

TEST(ConfigTest, ReadsVariables) {
  auto c = LoadFunctionConfig(Env({{"RAINCHECK_DEFAULT_CITY", " Lima "}, {"RAINCHECK_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->settings.default_city, "Lima");
  EXPECT_EQ(c->log_level, base::LogLevel::kDebug);
}

TEST(ConfigTest, ModelFromVariableOrTheDefault) {
  auto set = LoadFunctionConfig(Env({{"RAINCHECK_MODEL", "/somewhere/m.rcf"}}));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->model_path, "/somewhere/m.rcf");
  auto fallback = LoadFunctionConfig(Env({}));
  ASSERT_TRUE(fallback.ok());
  EXPECT_FALSE(fallback->model_path.empty());
  EXPECT_TRUE(std::filesystem::exists(fallback->model_path)) << fallback->model_path;
  const auto candidates = DefaultModelCandidates();
  EXPECT_EQ(candidates.back(), RAINCHECK_DEFAULT_MODEL_PATH);
}

TEST(ConfigTest, RainThreshold) {
  auto ok = LoadFunctionConfig(Env({{"RAINCHECK_RAIN_THRESHOLD", "0.3"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_DOUBLE_EQ(ok->settings.rain_threshold, 0.3);
  for (const char* bad : {"0", "1", "abc", "0.5x", ""}) {
    auto r = LoadFunctionConfig(Env({{"RAINCHECK_RAIN_THRESHOLD", bad}}));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ConfigTest, ProviderAndRecordSettingsAreChecked) {
  auto geo = LoadFunctionConfig(Env({{"RAINCHECK_GEOCODER", "telepathy"}}));
  ASSERT_FALSE(geo.ok());
  EXPECT_NE(geo.status().message().find("RAINCHECK_GEOCODER"), std::string::npos);
  auto rec = LoadFunctionConfig(Env({{"RAINCHECK_RECORDS", "ftp://x"}}));
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.status().message().find("RAINCHECK_RECORDS"), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheVariable) {
  auto level = LoadFunctionConfig(Env({{"RAINCHECK_LOG_LEVEL", "loud"}}));
  ASSERT_FALSE(level.ok());
  EXPECT_NE(level.status().message().find("RAINCHECK_LOG_LEVEL"), std::string::npos);
  auto city = LoadFunctionConfig(Env({{"RAINCHECK_DEFAULT_CITY", "  "}}));
  ASSERT_FALSE(city.ok());
  EXPECT_NE(city.status().message().find("RAINCHECK_DEFAULT_CITY"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::cli
