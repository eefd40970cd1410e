#include "cli/config.h"

#include <gtest/gtest.h>

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
