#include "base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace raincheck::base {
namespace {

TEST(LogTest, WritesOneJsonObjectPerLine) {
  std::vector<std::string> lines;
  Logger log(LogLevel::kInfo, [&](std::string_view l) { lines.emplace_back(l); });
  log.Debug("hidden");
  log.ForRequest("req-1").Warn("upstream slow", {{"upstream", "openmeteo"}, {"ms", 812}});
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].back(), '\n');
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["request_id"], "req-1");
  EXPECT_EQ(j["message"], "upstream slow");
  EXPECT_EQ(j["upstream"], "openmeteo");
  EXPECT_EQ(j["ms"], 812);
  EXPECT_EQ(j["time"].get<std::string>().back(), 'Z');
}

TEST(LogTest, FieldsCannotOverrideStandardKeys) {
  std::vector<std::string> lines;
  Logger log(LogLevel::kDebug, [&](std::string_view l) { lines.emplace_back(l); });
  log.Info("m", {{"level", "forged"}});
  EXPECT_EQ(nlohmann::json::parse(lines.at(0))["level"], "info");
}

TEST(LogTest, InvalidUtf8IsReplacedNotThrown) {
  std::vector<std::string> lines;
  Logger log(LogLevel::kDebug, [&](std::string_view l) { lines.emplace_back(l); });
  log.Info("bad \xFF byte");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept(lines[0]));
}

TEST(LogTest, ParsesLevels) {
  EXPECT_EQ(*ParseLogLevel(" WARNING "), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("off"), LogLevel::kOff);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
}

}  // namespace
}  // namespace raincheck::base
