// `raincheck start-lambda` as a user runs it, driven by the real aws CLI (Debian's awscli).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/strings.h"
#include "local/child_process.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

extern char** environ;

namespace raincheck {
namespace {

using ::testing::HasSubstr;

const std::string kAwsCli = RAINCHECK_AWS_CLI;
const std::string kScriptedRuntime = RAINCHECK_BINARY_DIR "/tests/scripted_runtime";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A running `raincheck start-lambda --port 0 ...`; its output is collected as it comes.
class StartLambda {
 public:
  explicit StartLambda(std::vector<std::string> args) {
    local::SpawnOptions spawn;
    spawn.path = testing::BinaryPath("raincheck");
    spawn.args = {"start-lambda", "--port", "0"};
    spawn.args.insert(spawn.args.end(), args.begin(), args.end());
    for (char** e = environ; *e != nullptr; ++e) spawn.env.emplace_back(*e);
    auto child = local::ChildProcess::Spawn(spawn);
    if (!child.ok()) return;
    child_ = std::move(child).value();
    const std::string marker = "at http://127.0.0.1:";
    for (int i = 0; i < 1000 && port_ == 0 && Read(10) != ReadResult::kEof; ++i) {
      if (const size_t at = output_.find(marker); at != std::string::npos) {
        const size_t end = output_.find('\n', at);
        if (end != std::string::npos) port_ = std::stoi(output_.substr(at + marker.size()));
      }
    }
  }

  int port() const { return port_; }
  const std::string& output() {
    while (Read(0) == ReadResult::kData) {
    }
    return output_;
  }

  // SIGTERM, then the exit status (as from waitpid).
  local::ExitInfo Stop() {
    ::kill(child_->pid(), SIGTERM);
    while (Read(-1) != ReadResult::kEof) {
    }
    stopped_ = true;
    return child_->Wait();
  }

  ~StartLambda() {
    if (child_ && !stopped_) {
      child_->Kill();
      child_->Wait();
    }
  }

 private:
  enum class ReadResult { kData, kNothing, kEof };
  // Reads what is available, waiting up to timeout_ms (-1: until data or EOF).
  ReadResult Read(int timeout_ms) {
    pollfd p{child_->output_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return ReadResult::kNothing;
    char buf[8192];
    const ssize_t n = ::read(child_->output_fd(), buf, sizeof buf);
    if (n > 0) {
      output_.append(buf, static_cast<size_t>(n));
      return ReadResult::kData;
    }
    return n < 0 && errno == EAGAIN ? ReadResult::kNothing : ReadResult::kEof;
  }

  std::unique_ptr<local::ChildProcess> child_;
  std::string output_;
  int port_ = 0;
  bool stopped_ = false;
};

class StartLambdaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kAwsCli.empty() || kAwsCli.find("NOTFOUND") != std::string::npos) {
      GTEST_SKIP() << "the aws CLI is not installed (Debian package awscli, see "
                      "scripts/debian-packages.txt)";
    }
    out_file_ = ::testing::TempDir() + "start_lambda_out_" + std::to_string(::getpid()) + ".json";
    // The CLI must read no user's configuration, and an empty file of its own is the only
    // certain "nothing": /dev/null is a plain file with text in it on a machine where something
    // has renamed over it.
    empty_config_ = ::testing::TempDir() + "start_lambda_aws_config_" + std::to_string(::getpid());
    std::ofstream(empty_config_, std::ios::trunc).flush();
  }

  void TearDown() override {
    if (!empty_config_.empty()) std::remove(empty_config_.c_str());
    if (!out_file_.empty()) std::remove(out_file_.c_str());
  }

  // aws lambda invoke ... out_file_; returns the CLI's result with its JSON output parsed.
  testing::ProcessResult AwsInvoke(int port, const std::string& payload,
                                   std::vector<std::string> extra = {},
                                   const std::string& function = "raincheck") {
    std::vector<std::string> argv = {kAwsCli,
                                     "lambda",
                                     "invoke",
                                     "--endpoint-url",
                                     "http://127.0.0.1:" + std::to_string(port),
                                     "--function-name",
                                     function,
                                     "--payload",
                                     payload,
                                     "--cli-binary-format",
                                     "raw-in-base64-out"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(out_file_);
    return testing::RunProcess(argv, "",
                               {{"AWS_ACCESS_KEY_ID", "test"},
                                {"AWS_SECRET_ACCESS_KEY", "test"},
                                {"AWS_DEFAULT_REGION", "us-east-1"},
                                {"AWS_EC2_METADATA_DISABLED", "true"},
                                {"AWS_CONFIG_FILE", empty_config_},
                                {"AWS_SHARED_CREDENTIALS_FILE", empty_config_},
                                {"AWS_PAGER", ""}});
  }

  std::string out_file_;
  std::string empty_config_;
};

TEST_F(StartLambdaTest, AwsCliInvokesTheRealBootstrap) {
  fakes::OpenMeteoForecastFake openmeteo;
  const std::string dir = ::testing::TempDir() + "rc-start-lambda-" + std::to_string(::getpid());
  StartLambda server({"--max-concurrency", "2", "--timeout", "5", "--env",
                      "RAINCHECK_OPENMETEO_URL=" + openmeteo.base_url(), "--env",
                      "RAINCHECK_RECORDS=dir:" + dir + "/records", "--env",
                      "RAINCHECK_SPOOL=" + dir + "/spool"});
  ASSERT_GT(server.port(), 0) << server.output();
  const std::string event = ReadFile(RAINCHECK_SOURCE_DIR "/data/events/forecast-cape-town.json");

  auto ok = AwsInvoke(server.port(), event, {"--log-type", "Tail"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const nlohmann::json result = nlohmann::json::parse(ok.out);
  EXPECT_EQ(result["StatusCode"], 200);
  EXPECT_EQ(result["ExecutedVersion"], "$LATEST");
  EXPECT_FALSE(result.contains("FunctionError"));
  const nlohmann::json response = nlohmann::json::parse(ReadFile(out_file_));
  EXPECT_EQ(response["statusCode"], 200);
  EXPECT_THAT(response["body"].get<std::string>(), HasSubstr("Cape Town"));
  auto log = base::Base64Decode(result["LogResult"].get<std::string>());
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, HasSubstr("START RequestId: "));
  EXPECT_THAT(*log, HasSubstr("REPORT RequestId: "));

  // Not an API Gateway event: the CLI reports the function error; the payload is the error.
  auto failed = AwsInvoke(server.port(), R"({"not":"an event"})");
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  const nlohmann::json failed_result = nlohmann::json::parse(failed.out);
  EXPECT_EQ(failed_result["StatusCode"], 200);
  EXPECT_EQ(failed_result["FunctionError"], "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(ReadFile(out_file_))["errorType"], "InvalidArgument");

  auto missing = AwsInvoke(server.port(), "{}", {}, "other-function");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("ResourceNotFoundException"));

  auto event_type = AwsInvoke(server.port(), "{}", {"--invocation-type", "Event"});
  ASSERT_EQ(event_type.exit_code, 0) << event_type.err;
  EXPECT_EQ(nlohmann::json::parse(event_type.out)["StatusCode"], 202);
  auto dry_run = AwsInvoke(server.port(), "{}", {"--invocation-type", "DryRun"});
  ASSERT_EQ(dry_run.exit_code, 0) << dry_run.err;
  EXPECT_EQ(nlohmann::json::parse(dry_run.out)["StatusCode"], 204);

  // The instance's log lines reach the terminal prefixed with the request id.
  EXPECT_THAT(server.output(), HasSubstr("] END RequestId: "));
  const local::ExitInfo exit = server.Stop();
  EXPECT_EQ(exit.Describe(), "exit status 0");
  EXPECT_EQ(server.output().find("Sanitizer"), std::string::npos) << server.output();
}

TEST_F(StartLambdaTest, TimeoutIsReportedToTheCliAndStopKillsInstances) {
  StartLambda server({"--bootstrap", kScriptedRuntime, "--timeout", "1", "--max-concurrency", "1"});
  ASSERT_GT(server.port(), 0) << server.output();
  auto slow = AwsInvoke(server.port(), R"({"sleep_ms":30000})");
  ASSERT_EQ(slow.exit_code, 0) << slow.err;
  EXPECT_EQ(nlohmann::json::parse(slow.out)["FunctionError"], "Unhandled");
  EXPECT_THAT(nlohmann::json::parse(ReadFile(out_file_))["errorMessage"].get<std::string>(),
              HasSubstr("Task timed out after 1.00 seconds"));

  auto warm = AwsInvoke(server.port(), "{}");
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  const auto pid = nlohmann::json::parse(ReadFile(out_file_))["pid"].get<int>();
  ASSERT_EQ(::kill(pid, 0), 0);  // the instance is alive and warm
  const local::ExitInfo exit = server.Stop();
  EXPECT_EQ(exit.Describe(), "exit status 0");
  EXPECT_EQ(::kill(pid, 0), -1);  // and gone after SIGTERM (reaped by start-lambda)
  EXPECT_EQ(errno, ESRCH);
}

// The template's MemorySize and Timeout set the instances' (the REPORT line says the memory),
// its environment reaches them with intrinsics resolved, and --env-vars beats it.
TEST_F(StartLambdaTest, TheTemplateAndEnvVarsConfigureTheInstances) {
  fakes::OpenMeteoForecastFake openmeteo;
  const std::string dir = ::testing::TempDir() + "rc-start-lambda-t-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/template.yaml") << R"(Parameters:
  Level:
    Type: String
    Default: warn
Resources:
  RaincheckFunction:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 256
      Timeout: 7
      Environment:
        Variables:
          RAINCHECK_LOG_LEVEL: !Ref Level
)";
  std::ofstream(dir + "/env.json") << R"({"Parameters": {"RAINCHECK_LOG_LEVEL": "loud"}})";
  const std::vector<std::string> common = {
      "--template", dir + "/template.yaml",
      "--env",      "RAINCHECK_OPENMETEO_URL=" + openmeteo.base_url(),
      "--env",      "RAINCHECK_RECORDS=dir:" + dir + "/records",
      "--env",      "RAINCHECK_SPOOL=" + dir + "/spool"};
  const std::string event = ReadFile(RAINCHECK_SOURCE_DIR "/data/events/forecast-cape-town.json");
  {
    StartLambda server(common);
    ASSERT_GT(server.port(), 0) << server.output();
    EXPECT_THAT(server.output(), HasSubstr("timeout 7 s, memory 256 MB"));
    auto ok = AwsInvoke(server.port(), event, {"--log-type", "Tail"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    const nlohmann::json result = nlohmann::json::parse(ok.out);
    EXPECT_FALSE(result.contains("FunctionError")) << ReadFile(out_file_);
    auto log = base::Base64Decode(result["LogResult"].get<std::string>());
    ASSERT_TRUE(log.ok());
    EXPECT_THAT(*log, HasSubstr("Memory Size: 256 MB"));
  }
  std::vector<std::string> with_file = common;
  with_file.insert(with_file.end(), {"--env-vars", dir + "/env.json"});
  StartLambda server(with_file);
  ASSERT_GT(server.port(), 0) << server.output();
  auto bad = AwsInvoke(server.port(), event);
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_EQ(nlohmann::json::parse(bad.out)["FunctionError"], "Unhandled");
  EXPECT_THAT(ReadFile(out_file_), HasSubstr("RAINCHECK_LOG_LEVEL"));
  std::filesystem::remove_all(dir);
}

// Sends `request` to 127.0.0.1:port and returns what comes back until the server closes the
// connection or 10 s pass.
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    char buf[8192];
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return got;
}

std::vector<std::string> StatusLines(const std::string& got) {
  std::vector<std::string> out;
  for (size_t at = got.find("HTTP/1.1 "); at != std::string::npos;
       at = got.find("HTTP/1.1 ", at + 1)) {
    out.push_back(got.substr(at, 12));
  }
  return out;
}

// start-lambda's HTTP server is start-api's (local/http_server.h): pipelined calls are answered
// in order, a GET's body is never a request, and lenient syntax is refused, each as a Lambda
// error document with Connection: close. No aws CLI needed.
TEST(StartLambdaHttpTest, PipeliningSmugglingAndLenientSyntax) {
  StartLambda server({"--bootstrap", kScriptedRuntime});
  ASSERT_GT(server.port(), 0) << server.output();
  const std::string invoke =
      "POST /2015-03-31/functions/raincheck/invocations HTTP/1.1\r\n"
      "Host: x\r\nX-Amz-Invocation-Type: DryRun\r\nContent-Length: 2\r\n\r\n{}";
  const std::string inner = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string got =
      RawExchange(server.port(), invoke + "GET /other HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                     std::to_string(inner.size()) + "\r\n\r\n" + inner + invoke +
                                     "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusLines(got), (std::vector<std::string>{"HTTP/1.1 204", "HTTP/1.1 404",
                                                        "HTTP/1.1 204", "HTTP/1.1 404"}))
      << got;
  struct Case {
    std::string request;
    const char* status;
  };
  for (const Case& c :
       {Case{"POST /2015-03-31/functions/raincheck/invocations HTTP/1.1\r\nHost : x\r\n\r\n",
             "HTTP/1.1 400"},
        Case{"POST /2015-03-31/functions/raincheck/invocations HTTP/1.1\r\nHost: x\r\n"
             "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
             "HTTP/1.1 400"},
        Case{"POST /2015-03-31/functions/raincheck/invocations HTTP/1.1\r\nHost: x\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             "HTTP/1.1 411"},
        Case{"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405"}}) {
    const std::string answer = RawExchange(server.port(), c.request);
    EXPECT_EQ(StatusLines(answer), (std::vector<std::string>{c.status})) << c.request;
    EXPECT_THAT(answer, HasSubstr("Connection: close\r\n")) << c.request;
    EXPECT_THAT(answer, HasSubstr("X-Amzn-ErrorType: ")) << c.request;
  }
  EXPECT_EQ(server.Stop().Describe(), "exit status 0");
}

}  // namespace
}  // namespace raincheck
