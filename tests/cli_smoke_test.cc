// Black-box tests of the `raincheck` executable.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/env.h"
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
  auto r = RunProcess(
      {BinaryPath("raincheck"), "invoke", "-e",
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
  auto r = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--default-city", "Lima"},
                      event, Env({{"RAINCHECK_DEFAULT_CITY", "Oslo"}}));
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
  const std::string event =
      kAwsSamples + "aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json";
  for (const bool in_process : {true, false}) {
    std::vector<std::string> argv = {BinaryPath("raincheck"), "invoke", "-e", event,
                                     "--log-level",           "loud"};
    if (in_process) argv.push_back("--in-process");
    auto bad_level = RunProcess(argv);
    EXPECT_EQ(bad_level.exit_code, 1);
    EXPECT_TRUE(bad_level.out.empty()) << bad_level.out;
    EXPECT_NE(bad_level.err.find("RAINCHECK_LOG_LEVEL"), std::string::npos) << bad_level.err;
  }
}

// `invoke` runs build/bin/bootstrap under the emulator by default: Lambda's START / END /
// REPORT lines, and the same response as the handler run in process.
TEST_F(CliInvokeTest, InvokeRunsBootstrapWithReportAndTheInProcessResponse) {
  const std::string event =
      R"({"version":"2.0","rawPath":"/","rawQueryString":"city=Lima&format=json",
    "queryStringParameters":{"city":"Lima","format":"json"},
    "requestContext":{"requestId":"x","http":{"method":"GET","path":"/"}}})";
  auto emulated =
      RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--memory", "256"}, event, Env());
  ASSERT_EQ(emulated.exit_code, 0) << emulated.err;
  auto in_process =
      RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--in-process"}, event, Env());
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err;

  // REPORT RequestId: <id>\tDuration: 3.21 ms\tBilled Duration: 4 ms\tMemory Size: 256 MB\t
  // Max Memory Used: 19 MB\tInit Duration: 14.20 ms
  const size_t at = emulated.err.find("REPORT RequestId: ");
  ASSERT_NE(at, std::string::npos) << emulated.err;
  const std::string report = emulated.err.substr(at, emulated.err.find('\n', at) - at);
  for (const char* field : {"\tDuration: ", "\tBilled Duration: ", "\tMemory Size: 256 MB",
                            "\tMax Memory Used: ", "\tInit Duration: "}) {
    EXPECT_NE(report.find(field), std::string::npos) << field << " in " << report;
  }
  EXPECT_NE(emulated.err.find("START RequestId: "), std::string::npos) << emulated.err;
  EXPECT_NE(emulated.err.find("END RequestId: "), std::string::npos) << emulated.err;
  EXPECT_EQ(in_process.err.find("REPORT RequestId: "), std::string::npos) << in_process.err;

  const json a = json::parse(emulated.out);
  const json b = json::parse(in_process.out);
  EXPECT_EQ(a["statusCode"], b["statusCode"]);
  EXPECT_EQ(a["headers"], b["headers"]);
  EXPECT_FALSE(a["headers"].empty()) << emulated.out;
  json body_a = json::parse(a["body"].get<std::string>());
  json body_b = json::parse(b["body"].get<std::string>());
  // Each invocation has its own request id (and so its own record key); everything else is
  // the same answer.
  EXPECT_EQ(body_a["record"]["stored"], true);
  EXPECT_EQ(body_b["record"]["stored"], true);
  for (json* body : {&body_a, &body_b}) {
    body->erase("request_id");
    body->erase("record");
  }
  EXPECT_EQ(body_a, body_b);
  EXPECT_EQ(body_a["city"], "Lima");
}

// A runtime that never answers is killed at --timeout, as Lambda does, and invoke fails.
TEST_F(CliInvokeTest, InvokeTimesOutAtTimeout) {
  const std::string event =
      kAwsSamples + "aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json";
  auto r =
      RunProcess({BinaryPath("raincheck"), "invoke", "-e", event, "--timeout", "1", "--bootstrap",
                  RAINCHECK_SOURCE_DIR "/tests/start_api/misbehaving_runtime.py", "--env",
                  "RAINCHECK_TEST_MODE=sleep"},
                 "", Env());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("raincheck invoke: Sandbox.Timedout: RequestId: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Task timed out after 1.00 seconds"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("REPORT RequestId: "), std::string::npos) << r.err;

  // A handler error is a failure too, with Lambda's errorType.
  auto error = RunProcess({BinaryPath("raincheck"), "invoke", "-e", event, "--bootstrap",
                           RAINCHECK_SOURCE_DIR "/tests/start_api/misbehaving_runtime.py", "--env",
                           "RAINCHECK_TEST_MODE=error"},
                          "", Env());
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_NE(error.err.find("raincheck invoke: Boom: secret detail"), std::string::npos)
      << error.err;

  auto missing = RunProcess(
      {BinaryPath("raincheck"), "invoke", "-e", event, "--bootstrap", "/nonexistent/bootstrap"}, "",
      Env());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/bootstrap"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace raincheck
