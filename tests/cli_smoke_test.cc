// Black-box tests of the `raincheck` executable.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "base/env.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::RunProcess;

const std::string kAwsSamples = RAINCHECK_SOURCE_DIR "/data/events/aws-samples/";

// The function's upstream (Open-Meteo) is a loopback fake; records go to a fresh directory.
class CliInvokeTest : public ::testing::Test {
 protected:
  CliInvokeTest() : dir_(std::filesystem::temp_directory_path() / ("rc-cli-" + base::NewUuid())) {
    std::filesystem::create_directories(dir_);
  }
  ~CliInvokeTest() override { std::filesystem::remove_all(dir_); }

  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"RAINCHECK_OPENMETEO_URL", weather_.base_url()},
        {"RAINCHECK_RECORDS", "dir:" + (dir_ / "records").string()},
        {"RAINCHECK_SPOOL", (dir_ / "spool").string()}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
  }

  fakes::OpenMeteoForecastFake weather_;
  std::filesystem::path dir_;
};

TEST(CliSmokeTest, VersionAndHelp) {
  auto v = RunProcess({BinaryPath("raincheck"), "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("raincheck 0."), std::string::npos) << v.out;

  auto h = RunProcess({BinaryPath("raincheck"), "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("invoke"), std::string::npos) << h.out;

  auto none = RunProcess({BinaryPath("raincheck")});
  EXPECT_EQ(none.exit_code, 2);
  auto bogus = RunProcess({BinaryPath("raincheck"), "frobnicate"});
  EXPECT_EQ(bogus.exit_code, 2);
  EXPECT_NE(bogus.err.find("frobnicate"), std::string::npos) << bogus.err;
}

TEST(CliSmokeTest, EverySubcommandHasHelp) {
  auto h = RunProcess({BinaryPath("raincheck"), "--help"});
  // CLI11 lists subcommands under "Subcommands:", one per line, name first.
  const size_t at = h.out.find("Subcommands:");
  ASSERT_NE(at, std::string::npos) << h.out;
  std::istringstream lines(h.out.substr(at));
  std::string line;
  std::getline(lines, line);
  int checked = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    auto sub = RunProcess({BinaryPath("raincheck"), name, "--help"});
    EXPECT_EQ(sub.exit_code, 0) << name;
    EXPECT_NE(sub.out.find("Usage"), std::string::npos) << name << ": " << sub.out;
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

TEST_F(CliInvokeTest, InvokePrintsAnHttpApiResponse) {
  auto r = RunProcess({BinaryPath("raincheck"), "invoke", "-e",
                       kAwsSamples + "aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json"},
                      "", Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json resp = json::parse(r.out);
  EXPECT_EQ(resp["statusCode"], 200);
  EXPECT_TRUE(resp["headers"].is_object());
  EXPECT_TRUE(resp["cookies"].is_array());
  EXPECT_TRUE(resp["body"].is_string());
  EXPECT_EQ(resp["isBase64Encoded"], false);
  EXPECT_FALSE(resp.contains("multiValueHeaders"));
  // Logs go to stderr as JSON lines, never to stdout.
  ASSERT_FALSE(r.err.empty());
  EXPECT_TRUE(json::accept(r.err.substr(0, r.err.find('\n'))));
}

TEST_F(CliInvokeTest, InvokeReadsStdinAndFlagsOverrideEnvironment) {
  const std::string event = R"({"version":"2.0","rawPath":"/","rawQueryString":"format=json",
    "requestContext":{"requestId":"x","http":{"method":"GET","path":"/"}}})";
  auto r = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--default-city", "Lima"}, event,
                      Env({{"RAINCHECK_DEFAULT_CITY", "Oslo"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(json::parse(r.out)["body"].get<std::string>())["city"], "Lima");

  auto env_only = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-"}, event,
                             Env({{"RAINCHECK_DEFAULT_CITY", "Oslo"}}));
  ASSERT_EQ(env_only.exit_code, 0) << env_only.err;
  EXPECT_EQ(json::parse(json::parse(env_only.out)["body"].get<std::string>())["city"], "Oslo");
}

TEST(CliSmokeTest, InvokeFailsClearlyOnBadEventFiles) {
  auto missing = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "/nonexistent/event.json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.out.empty());
  EXPECT_NE(missing.err.find("/nonexistent/event.json"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  auto not_json = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-"}, "this is not json");
  EXPECT_EQ(not_json.exit_code, 1);
  EXPECT_NE(not_json.err.find("not valid JSON"), std::string::npos) << not_json.err;

  auto not_event = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-"}, "{\"a\": 1}");
  EXPECT_EQ(not_event.exit_code, 1);

  auto no_flag = RunProcess({BinaryPath("raincheck"), "invoke"});
  EXPECT_EQ(no_flag.exit_code, 2);  // usage error
  auto bad_level = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--log-level", "loud"}, "{}");
  EXPECT_EQ(bad_level.exit_code, 1);
  EXPECT_NE(bad_level.err.find("RAINCHECK_LOG_LEVEL"), std::string::npos);
}

}  // namespace
}  // namespace raincheck
