#include "base/log.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(LogTest, ParsesFormats) {
  EXPECT_EQ(*ParseLogFormat(" JSON "), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("yaml").ok());
}

TEST(LogTest, RendersAJsonLineAsText) {
  std::vector<std::string> lines;
  Logger log(LogLevel::kInfo, [&](std::string_view l) { lines.emplace_back(l); });
  log.ForRequest("req-1").Warn("upstream slow",
                               {{"upstream", "openmeteo"}, {"ms", 812}, {"why", "a b"}});
  ASSERT_EQ(lines.size(), 1u);
  const std::string text = RenderLogLineAsText(lines[0]);
  // "10:54:57.123 WARN  [req-1] upstream slow ms=812 upstream=openmeteo why=\"a b\"\n"
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
  EXPECT_NE(text.find(" WARN  [req-1] upstream slow "), std::string::npos) << text;
  EXPECT_NE(text.find(" ms=812"), std::string::npos) << text;
  EXPECT_NE(text.find(" upstream=openmeteo"), std::string::npos) << text;
  EXPECT_NE(text.find(" why=\"a b\""), std::string::npos) << text;
  EXPECT_EQ(text.find('Z'), std::string::npos) << text;  // no date, no zone
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(LogTest, RendersAnEmulatorPrefixedLineKeepingItsPrefix) {
  std::vector<std::string> lines;
  Logger log(LogLevel::kInfo, [&](std::string_view l) { lines.emplace_back(l); });
  log.Info("model loaded", {{"features", 6}});
  ASSERT_EQ(lines.size(), 1u);
  const std::string text = RenderPrefixedLogLineAsText("[abc-123] " + lines[0]);
  EXPECT_EQ(text.rfind("[abc-123] ", 0), 0u) << text;
  EXPECT_NE(text.find(" INFO  model loaded features=6"), std::string::npos) << text;
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
  lines.clear();
  log.ForRequest("abc-123").Warn("upstream slow");
  ASSERT_EQ(lines.size(), 1u);
  const std::string once = RenderPrefixedLogLineAsText("[abc-123] " + lines[0]);
  EXPECT_EQ(once.find("[abc-123]"), once.rfind("[abc-123]")) << once;
  EXPECT_NE(once.find(" WARN  [abc-123] upstream slow"), std::string::npos) << once;
  EXPECT_EQ(RenderPrefixedLogLineAsText("[abc-123] plain output"), "[abc-123] plain output");
  EXPECT_EQ(RenderPrefixedLogLineAsText("END RequestId: x"), "END RequestId: x");
}

TEST(LogTest, LeavesLinesThatAreNotLogObjectsAlone) {
  EXPECT_EQ(RenderLogLineAsText("START RequestId: x\n"), "START RequestId: x\n");
  EXPECT_EQ(RenderLogLineAsText("[1,2]"), "[1,2]");
  EXPECT_EQ(RenderLogLineAsText("{\"a\":1}"), "{\"a\":1}");
}

TEST(LogTest, StderrFormatCanBeSet) {
  SetStderrLogFormat(LogFormat::kText);
  EXPECT_EQ(StderrLogFormat(), LogFormat::kText);
  SetStderrLogFormat(LogFormat::kJson);
  EXPECT_EQ(StderrLogFormat(), LogFormat::kJson);
}

}  // namespace
}  // namespace raincheck::base
