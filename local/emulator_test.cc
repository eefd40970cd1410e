// The emulator running real runtimes: the scripted test runtime (local/testing) and bootstrap.
#include "local/emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/upstream_fakes.h"

namespace raincheck::local {
namespace {

using ::testing::HasSubstr;

const std::string kScriptedRuntime = RAINCHECK_BINARY_DIR "/tests/scripted_runtime";
const std::string kBootstrap = RAINCHECK_BINARY_DIR "/bin/bootstrap";

class EmulatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Emulator> Make(std::vector<std::pair<std::string, std::string>> env = {},
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                 int max_concurrency = 2,
                                 std::string bootstrap = kScriptedRuntime) {
    EmulatorOptions options;
    options.bootstrap_path = std::move(bootstrap);
    options.timeout = timeout;
    options.init_timeout = init_timeout_;
    options.max_concurrency = max_concurrency;
    options.environment = std::move(env);
    options.platform_lines = platform_lines_;
    bool has_level = false;
    for (const auto& pair : options.environment) has_level |= pair.first == "RAINCHECK_LOG_LEVEL";
    if (!has_level) options.environment.emplace_back("RAINCHECK_LOG_LEVEL", "warn");
    for (auto& pair : PassThroughEnvironment()) {
      if (pair.first.find("SAN_OPTIONS") != std::string::npos) options.environment.push_back(pair);
    }
    options.log_sink = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(lines_mu_);
      lines_.emplace_back(line);
    };
    auto emulator = std::make_unique<Emulator>(std::move(options));
    EXPECT_TRUE(emulator->Start().ok());
    return emulator;
  }

  // Runtimes built with sanitizers report through their output: none may appear.
  void TearDown() override {
    for (const std::string& line : Lines()) {
      EXPECT_EQ(line.find("Sanitizer"), std::string::npos) << line;
      EXPECT_EQ(line.find("runtime error:"), std::string::npos) << line;
    }
  }

  static nlohmann::json Json(const InvokeResult& r) { return nlohmann::json::parse(r.payload); }

  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(lines_mu_);
    return lines_;
  }

  bool platform_lines_ = true;
  std::chrono::milliseconds init_timeout_{10000};
  std::mutex lines_mu_;
  std::vector<std::string> lines_;
};

// Sets variables of this process for one test and restores them after.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& vars) {
    for (auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        ::setenv(name.c_str(), old->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The instances of start-api and start-lambda get every variable the function reads (its API
// keys in each form, the S3 endpoint of the records) and nothing else of the shell.
TEST(PassThroughEnvironmentTest, EveryVariableTheFunctionReadsAndNothingElse) {
  const std::vector<std::pair<std::string, std::string>> read_by_function = {
      {"RAINCHECK_WEATHER", "darksky"},
      {"LOCATIONIQ_KEY", "liq-key"},
      {"LOCATIONIQ_KEY_SSM_PARAMETER", "raincheck/locationiq"},
      {"LOCATIONIQ_KEY_SECRET_ID", "raincheck/locationiq-secret"},
      {"DARKSKY_KEY", "ds-key"},
      {"DARKSKY_KEY_SSM_PARAMETER", "raincheck/darksky"},
      {"DARKSKY_KEY_SECRET_ID", "raincheck/darksky-secret"},
      {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773"},
      {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000"},
      {"AWS_ENDPOINT_URL", "http://127.0.0.1:5001"},
      {"AWS_ACCESS_KEY_ID", "test-id"},
      {"AWS_SECRET_ACCESS_KEY", "test-secret"},
      {"AWS_SESSION_TOKEN", "test-token"},
      {"AWS_REGION", "eu-west-1"},
      {"AWS_DEFAULT_REGION", "eu-west-1"},
  };
  const std::vector<std::pair<std::string, std::string>> unrelated = {
      {"MY_SECRET", "do-not-pass"},      {"HOME", "/home/someone"},
      {"AWS_PROFILE", "personal"},       {"DARKSKY_KEYRING", "not-a-key-the-function-reads"},
      {"XLOCATIONIQ_KEY", "not-either"},
  };
  std::vector<std::pair<std::string, std::string>> all = read_by_function;
  all.insert(all.end(), unrelated.begin(), unrelated.end());
  ScopedEnv env(all);

  std::map<std::string, std::string> passed;
  for (const auto& [name, value] : PassThroughEnvironment()) passed[name] = value;
  for (const auto& [name, value] : read_by_function) {
    EXPECT_EQ(passed[name], value) << name << " must reach the instances";
  }
  for (const auto& [name, value] : unrelated) {
    EXPECT_FALSE(passed.contains(name)) << name << " must not reach the instances";
  }
}

TEST_F(EmulatorTest, InvokesWithLambdaEnvironmentAndContext) {
  auto emulator = Make({{"RAINCHECK_TEST_MARKER", "m-1"}});
  auto first = emulator->Invoke(R"({"hello":"world"})");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->function_error, "");
  EXPECT_TRUE(first->cold_start);
  const nlohmann::json out = Json(*first);
  EXPECT_EQ(out["event"]["hello"], "world");
  EXPECT_EQ(out["request_id"], first->request_id);
  EXPECT_EQ(first->request_id.size(), 36u);
  EXPECT_EQ(out["function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:raincheck");
  EXPECT_THAT(out["trace_id"].get<std::string>(), HasSubstr("Root=1-"));
  EXPECT_EQ(out["trace_env"], out["trace_id"]);  // _X_AMZN_TRACE_ID set for the invocation
  EXPECT_GT(out["remaining_ms"].get<int64_t>(), 0);
  EXPECT_LE(out["remaining_ms"].get<int64_t>(), 5000);
  const nlohmann::json& env = out["env"];
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "raincheck");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["TZ"], "UTC");
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["RAINCHECK_TEST_MARKER"], "m-1");
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], RAINCHECK_BINARY_DIR "/tests");
  EXPECT_FALSE(env.contains("HOME"));  // nothing of ours leaks in unless passed through

  InvokeOptions options;
  options.request_id = "req-given";
  options.trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  auto second = emulator->Invoke(R"({"n":2})", options);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->cold_start);  // warm instance reused
  EXPECT_EQ(Json(*second)["pid"], out["pid"]);
  EXPECT_EQ(Json(*second)["request_id"], "req-given");
  EXPECT_EQ(Json(*second)["trace_env"], options.trace_id);
}

TEST_F(EmulatorTest, HandlerErrorsAreReportedAndTheLoopGoesOn) {
  auto emulator = Make();
  auto warm = emulator->Invoke("{}");
  ASSERT_TRUE(warm.ok());
  const auto pid = Json(*warm)["pid"];

  auto failed = emulator->Invoke(R"({"fail":"no such city"})");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->function_error, "Unhandled");
  EXPECT_EQ(Json(*failed)["errorType"], "InvalidArgument");
  EXPECT_EQ(Json(*failed)["errorMessage"], "no such city");
  EXPECT_TRUE(Json(*failed)["stackTrace"].is_array());

  auto threw = emulator->Invoke(R"({"throw":"boom"})");
  ASSERT_TRUE(threw.ok());
  EXPECT_EQ(threw->function_error, "Unhandled");
  EXPECT_EQ(Json(*threw)["errorType"], "std::runtime_error");
  EXPECT_EQ(Json(*threw)["errorMessage"], "boom");

  auto threw_int = emulator->Invoke(R"({"throw_int":1})");
  ASSERT_TRUE(threw_int.ok());
  EXPECT_EQ(Json(*threw_int)["errorType"], "int");

  auto bad_event = emulator->Invoke("not json at all");
  ASSERT_TRUE(bad_event.ok());
  EXPECT_EQ(bad_event->function_error, "Unhandled");
  EXPECT_THAT(Json(*bad_event)["errorType"].get<std::string>(), HasSubstr("parse_error"));

  auto after = emulator->Invoke("{}");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->function_error, "");
  EXPECT_EQ(Json(*after)["pid"], pid);  // the same process served all of them
}

TEST_F(EmulatorTest, InitErrorIsReportedAndRetriedOnTheNextInvoke) {
  auto emulator = Make({{"RAINCHECK_TEST_INIT", "fail"}});
  for (int i = 0; i < 2; ++i) {
    auto r = emulator->Invoke("{}");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->cold_start);
    EXPECT_EQ(r->function_error, "Unhandled");
    EXPECT_EQ(Json(*r)["errorType"], "Runtime.InitError");
    EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(), HasSubstr("scripted init failure"));
    EXPECT_THAT(r->log_tail, HasSubstr("scripted runtime starting"));
  }
}

TEST_F(EmulatorTest, InitExceptionIsReported) {
  auto emulator = Make({{"RAINCHECK_TEST_INIT", "throw"}});
  auto r = emulator->Invoke("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Json(*r)["errorType"], "Runtime.InitError");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(), HasSubstr("scripted init exception"));
}

TEST_F(EmulatorTest, RuntimeExitingDuringInitIsAnExitError) {
  auto emulator = Make({{"RAINCHECK_TEST_INIT", "exit"}});
  auto r = emulator->Invoke("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json(*r)["errorType"], "Runtime.ExitError");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(),
              HasSubstr("Runtime exited with error: exit status 3"));
}

TEST_F(EmulatorTest, TimeoutKillsTheInstanceAndTheNextInvokeStartsAFreshOne) {
  auto emulator = Make({}, std::chrono::seconds(1), 1);
  auto warm = emulator->Invoke("{}");
  ASSERT_TRUE(warm.ok());
  auto r = emulator->Invoke(R"({"sleep_ms":30000})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json(*r)["errorType"], "Sandbox.Timedout");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(),
              HasSubstr(r->request_id + " Error: Task timed out after 1.00 seconds"));
  auto next = emulator->Invoke("{}");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->function_error, "");
  EXPECT_TRUE(next->cold_start);
  EXPECT_NE(Json(*next)["pid"], Json(*warm)["pid"]);
}

TEST_F(EmulatorTest, InitOverItsLimitTimesOutAndTheNextInvokeStartsAgain) {
  init_timeout_ = std::chrono::milliseconds(300);
  auto emulator = Make({{"RAINCHECK_TEST_INIT", "sleep_ms:30000"}});
  auto r = emulator->Invoke("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cold_start);
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json(*r)["errorType"], "Sandbox.Timedout");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(),
              HasSubstr(r->request_id + " Error: Init timed out after 0.30 seconds"));
  auto next = emulator->Invoke("{}");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->cold_start);  // the slow process was killed, not reused
}

// The function's timeout runs from the hand-over of the event, not from the call: a slow
// start-up does not eat into the handler's time.
TEST_F(EmulatorTest, TheTimeoutCountsFromTheHandOverNotFromTheCall) {
  auto emulator = Make({{"RAINCHECK_TEST_INIT", "sleep_ms:700"}}, std::chrono::seconds(1), 1);
  auto r = emulator->Invoke(R"({"sleep_ms":600})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->function_error, "") << r->payload;
  EXPECT_TRUE(r->cold_start);
  EXPECT_GE(r->init_ms, 700.0);
  EXPECT_GE(r->duration_ms, 600.0);
}

// The first invocation's limit moves from the init timeout (10 s) to the function timeout at
// the hand-over.
TEST_F(EmulatorTest, TheFirstInvocationAfterAColdStartTimesOutToo) {
  auto emulator = Make({}, std::chrono::seconds(1), 1);
  auto r = emulator->Invoke(R"({"sleep_ms":4000})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cold_start);
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json(*r)["errorType"], "Sandbox.Timedout");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(),
              HasSubstr(r->request_id + " Error: Task timed out after 1.00 seconds"));
}

TEST_F(EmulatorTest, CrashMidInvocationIsAnExitErrorAndTheInstanceRestarts) {
  auto emulator = Make({}, std::chrono::seconds(5), 1);
  auto exited = emulator->Invoke(R"({"exit":7})");
  ASSERT_TRUE(exited.ok());
  EXPECT_EQ(Json(*exited)["errorType"], "Runtime.ExitError");
  EXPECT_THAT(Json(*exited)["errorMessage"].get<std::string>(), HasSubstr("exit status 7"));
  auto crashed = emulator->Invoke(R"({"crash":1})");
  ASSERT_TRUE(crashed.ok());
  EXPECT_TRUE(crashed->cold_start);
  EXPECT_EQ(Json(*crashed)["errorType"], "Runtime.ExitError");
  EXPECT_THAT(Json(*crashed)["errorMessage"].get<std::string>(), HasSubstr("signal: aborted"));
  auto next = emulator->Invoke("{}");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->function_error, "");
}

// Past MemorySize the invocation fails as on Lambda and the instance is replaced.
TEST_F(EmulatorTest, MemoryOverTheLimitIsRuntimeOutOfMemoryAndTheInstanceRestarts) {
  if (kSanitizerBuild) GTEST_SKIP() << "no memory limit in sanitizer builds";
  auto emulator = Make({}, std::chrono::seconds(20), 1);
  ASSERT_EQ(emulator->options().memory_mb, 128);
  auto small = emulator->Invoke(R"({"allocate_mb": 16})");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->function_error, "") << small->payload;
  const int pid = Json(*small)["pid"].get<int>();
  auto big = emulator->Invoke(R"({"allocate_mb": 300, "sleep_ms": 200})");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->function_error, "Unhandled");
  EXPECT_EQ(Json(*big)["errorType"], "Runtime.OutOfMemory");
  EXPECT_THAT(Json(*big)["errorMessage"].get<std::string>(), HasSubstr("signal: killed"));
  auto next = emulator->Invoke("{}");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->function_error, "");
  EXPECT_TRUE(next->cold_start);
  EXPECT_NE(Json(*next)["pid"].get<int>(), pid);
}

// ReplaceInstances: the invocation in flight finishes on its process, the next one gets a new
// process; an idle instance is replaced at its next invocation.
TEST_F(EmulatorTest, ReplacedInstancesFinishWhatTheyRunThenRestart) {
  auto emulator = Make({}, std::chrono::seconds(20), 1);
  auto first = emulator->Invoke("{}");
  ASSERT_TRUE(first.ok());
  const int old_pid = Json(*first)["pid"].get<int>();
  auto in_flight =
      std::async(std::launch::async, [&] { return emulator->Invoke(R"({"sleep_ms": 300})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  emulator->ReplaceInstances();
  auto finished = in_flight.get();
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->function_error, "") << finished->payload;
  auto after = emulator->Invoke("{}");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->cold_start);
  EXPECT_NE(Json(*after)["pid"].get<int>(), old_pid);
  // Idle, then replaced: a new process too.
  const int pid = Json(*after)["pid"].get<int>();
  emulator->ReplaceInstances();
  auto again = emulator->Invoke("{}");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(Json(*again)["pid"].get<int>(), pid);
  auto warm = emulator->Invoke("{}");
  ASSERT_TRUE(warm.ok());
  EXPECT_FALSE(warm->cold_start);
}

TEST_F(EmulatorTest, ResponseAtTheLimitPassesAndOneByteMoreIsAClearError) {
  auto emulator = Make();
  auto at_limit = emulator->Invoke(R"({"big":6291556})");
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit->function_error, "");
  EXPECT_EQ(at_limit->payload.size(), 6291556u);

  auto over = emulator->Invoke(R"({"big":6291557})");
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->function_error, "Unhandled");
  EXPECT_LT(over->payload.size(), 1000u);  // an error document, never a truncated body
  EXPECT_EQ(Json(*over)["errorType"], "Function.ResponseSizeTooLarge");
  EXPECT_THAT(Json(*over)["errorMessage"].get<std::string>(),
              HasSubstr("exceeded maximum allowed payload size (6291556 bytes)"));
}

TEST_F(EmulatorTest, RuntimeApiRefusesOversizedResponseWith413) {
  // This runtime skips its own check, so the oversized body reaches the Runtime API.
  auto emulator = Make({{"RAINCHECK_TEST_NO_SIZE_CHECK", "1"}});
  auto over = emulator->Invoke(R"({"big":7000000})");
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->function_error, "Unhandled");
  EXPECT_EQ(Json(*over)["errorType"], "Function.ResponseSizeTooLarge");
  // The runtime was told 413 and goes on.
  auto next = emulator->Invoke("{}");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->function_error, "");
  EXPECT_EQ(Json(*next)["pid"], Json(*emulator->Invoke("{}"))["pid"]);
  bool saw_refusal = false;
  for (const std::string& line : Lines()) {
    if (line.find("refused the result") != std::string::npos &&
        line.find("413") != std::string::npos) {
      saw_refusal = true;
    }
  }
  EXPECT_TRUE(saw_refusal);
}

TEST_F(EmulatorTest, RequestPayloadOverSixMegabytesIsRefused) {
  auto emulator = Make();
  auto r = emulator->Invoke(std::string(kMaxSyncRequestBytes + 1, ' '));
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  const std::string head = R"({"big":10,"pad":")";
  const std::string tail = R"("})";
  const std::string at_limit =
      head + std::string(kMaxSyncRequestBytes - head.size() - tail.size(), 'a') + tail;
  ASSERT_EQ(at_limit.size(), kMaxSyncRequestBytes);
  auto ok = emulator->Invoke(at_limit);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->function_error, "");
  EXPECT_EQ(ok->payload.size(), 10u);
}

// `calls` invocations from as many threads at once, each asking the function to sleep.
std::vector<Result<InvokeResult>> InvokeConcurrently(Emulator& emulator, int calls, int sleep_ms) {
  std::vector<Result<InvokeResult>> results(static_cast<size_t>(calls),
                                            Status::Internal("not run"));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(calls));
  for (int i = 0; i < calls; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<size_t>(i)] =
          emulator.Invoke(nlohmann::json({{"call", i}, {"sleep_ms", sleep_ms}}).dump());
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

TEST_F(EmulatorTest, ConcurrentInvokesAreAllAnsweredByAtMostMaxConcurrencyInstances) {
  auto emulator = Make({}, std::chrono::seconds(10), 4);
  constexpr int kCalls = 8;
  const std::vector<Result<InvokeResult>> results = InvokeConcurrently(*emulator, kCalls, 300);
  std::set<int64_t> pids;
  std::set<std::string> ids;
  for (int i = 0; i < kCalls; ++i) {
    const auto& r = results[static_cast<size_t>(i)];
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->function_error, "") << r->payload;
    const nlohmann::json out = Json(*r);
    EXPECT_EQ(out["event"]["call"], i);  // each caller got its own answer
    EXPECT_EQ(out["request_id"], r->request_id);
    pids.insert(out["pid"].get<int64_t>());
    ids.insert(r->request_id);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(pids.size(), 2u);
  EXPECT_LE(pids.size(), 4u);
}

TEST_F(EmulatorTest, QueuedCallersAreServedOneAtATimeByTheOneInstance) {
  auto emulator = Make({}, std::chrono::seconds(10), 1);
  constexpr int kCalls = 6;
  const std::vector<Result<InvokeResult>> results = InvokeConcurrently(*emulator, kCalls, 50);
  std::set<int64_t> pids;
  int cold = 0;
  for (int i = 0; i < kCalls; ++i) {
    const auto& r = results[static_cast<size_t>(i)];
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->function_error, "") << r->payload;
    EXPECT_EQ(Json(*r)["event"]["call"], i);
    pids.insert(Json(*r)["pid"].get<int64_t>());
    cold += r->cold_start ? 1 : 0;
  }
  EXPECT_EQ(pids.size(), 1u);
  EXPECT_EQ(cold, 1);
}

TEST_F(EmulatorTest, ShutdownReleasesCallersQueuedForAnInstance) {
  auto emulator = Make({}, std::chrono::seconds(60), 1);
  ASSERT_TRUE(emulator->Invoke("{}").ok());
  std::vector<Result<InvokeResult>> results(4, Status::Internal("not run"));
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = emulator->Invoke(R"({"sleep_ms":30000})"); });
  for (int i = 0; i < 500; ++i) {  // the slow invocation holds the only instance
    int starts = 0;
    for (const std::string& line : Lines()) {
      starts += line.find("] START RequestId") != std::string::npos;
    }
    if (starts >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (size_t i = 1; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = emulator->Invoke("{}"); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let them queue
  emulator->Shutdown();
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(EmulatorTest, PlatformLinesCanStayOutOfTheSinkAndReportsCanBeSkipped) {
  platform_lines_ = false;
  auto emulator = Make();
  auto r = emulator->Invoke(R"({"log":"quiet-marker"})");
  ASSERT_TRUE(r.ok());
  // The caller still gets the whole report in the tail ...
  EXPECT_THAT(r->log_tail, HasSubstr("START RequestId: " + r->request_id));
  EXPECT_THAT(r->log_tail, HasSubstr("REPORT RequestId: " + r->request_id));
  EXPECT_GT(r->max_memory_kb, 0);
  // ... while the sink only gets what the function printed.
  bool function_line = false;
  for (const std::string& line : Lines()) {
    EXPECT_EQ(line.find("START RequestId"), std::string::npos) << line;
    EXPECT_EQ(line.find("END RequestId"), std::string::npos) << line;
    EXPECT_EQ(line.find("REPORT RequestId"), std::string::npos) << line;
    function_line |= line == "[" + r->request_id + "] quiet-marker";
  }
  EXPECT_TRUE(function_line);

  // A caller that reads no report gets none, and the function's lines still reach the sink.
  InvokeOptions no_tail;
  no_tail.log_tail = false;
  auto quiet = emulator->Invoke(R"({"log":"second-marker"})", no_tail);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->function_error, "");
  EXPECT_EQ(quiet->log_tail, "");
  EXPECT_EQ(quiet->max_memory_kb, 0);
  auto next = emulator->Invoke("{}");  // the runtime printed its lines before asking again
  ASSERT_TRUE(next.ok());
  bool second_line = false;
  for (const std::string& line : Lines()) {
    second_line |= line == "[" + quiet->request_id + "] second-marker";
  }
  EXPECT_TRUE(second_line);
}

TEST_F(EmulatorTest, InvocationLogsArePrefixedAndTailed) {
  auto emulator = Make();
  auto r = emulator->Invoke(R"({"log":"hello-marker"})");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->log_tail, HasSubstr("START RequestId: " + r->request_id + " Version: $LATEST"));
  EXPECT_THAT(r->log_tail, HasSubstr("hello-marker\n"));
  EXPECT_THAT(r->log_tail, HasSubstr("hello-marker (stderr)\n"));
  EXPECT_THAT(r->log_tail, HasSubstr("END RequestId: " + r->request_id));
  EXPECT_THAT(r->log_tail, HasSubstr("REPORT RequestId: " + r->request_id));
  EXPECT_THAT(r->log_tail, HasSubstr("Memory Size: 128 MB"));
  // Whole milliseconds, rounded up, never 0.
  EXPECT_THAT(r->log_tail, ::testing::ContainsRegex("Billed Duration: [1-9][0-9]* ms"));
  int prefixed = 0;
  for (const std::string& line : Lines()) {
    if (line == "[" + r->request_id + "] hello-marker") ++prefixed;
  }
  EXPECT_EQ(prefixed, 1);
  // The tail is bounded.
  std::string long_text(3000, 'y');
  auto big = emulator->Invoke(nlohmann::json({{"log", long_text}}).dump());
  ASSERT_TRUE(big.ok());
  EXPECT_LE(big->log_tail.size(), kLogTailBytes);
  EXPECT_THAT(big->log_tail, HasSubstr("REPORT RequestId: " + big->request_id));
}

TEST_F(EmulatorTest, ShutdownEndsRunningInvocations) {
  auto emulator = Make();
  ASSERT_TRUE(emulator->Invoke("{}").ok());
  Result<InvokeResult> slow = Status::Internal("not run");
  std::thread caller([&] { slow = emulator->Invoke(R"({"sleep_ms":30000})"); });
  // Wait until the slow invocation is running: its START line has been printed.
  for (int i = 0; i < 500; ++i) {
    int starts = 0;
    for (const std::string& line : Lines())
      starts += line.find("] START RequestId") != std::string::npos;
    if (starts >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  emulator->Shutdown();
  caller.join();
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(emulator->Invoke("{}").status().code(), StatusCode::kUnavailable);
}

TEST_F(EmulatorTest, RuntimeApiAnswers400ForUnknownIdsAnd403ForSecondAnswers) {
  auto emulator = Make();
  auto probe = emulator->Invoke(R"({"probe":1})");
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(probe->function_error, "");
  EXPECT_EQ(probe->payload, R"({"probe":"first"})");  // the first answer counts
  // The runtime prints what it was told after its first answer ended the invocation, so the
  // line reaches the terminal log (still prefixed with the request id), not the tail.
  const std::string expected =
      "[" + probe->request_id +
      "] probe unknown=400 init_error=403 first=202 second=403 error_after=403";
  auto next = emulator->Invoke("{}");  // the runtime has printed the line before it asks for more
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    for (const std::string& line : Lines()) seen |= line == expected;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!seen)
    for (const std::string& line : Lines()) ADD_FAILURE() << line;
  EXPECT_TRUE(seen) << expected;
  // The loop's own (third) answer was refused with 403; it logged that and went on.
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->function_error, "");
  EXPECT_FALSE(next->cold_start);
}

TEST_F(EmulatorTest, StartRefusesAMissingBootstrap) {
  EmulatorOptions options;
  options.bootstrap_path = "/nonexistent/bootstrap";
  Emulator emulator(options);
  EXPECT_EQ(emulator.Start().code(), StatusCode::kNotFound);
  EXPECT_EQ(emulator.Invoke("{}").status().code(), StatusCode::kFailedPrecondition);
}

// The real function binary under the emulator.
TEST_F(EmulatorTest, BootstrapAnswersAnApiGatewayEvent) {
  fakes::OpenMeteoForecastFake openmeteo;
  const std::string dir = ::testing::TempDir() + "rc-emulator-" + std::to_string(::getpid());
  auto emulator = Make({{"RAINCHECK_OPENMETEO_URL", openmeteo.base_url()},
                        {"RAINCHECK_RECORDS", "dir:" + dir + "/records"},
                        {"RAINCHECK_SPOOL", dir + "/spool"}},
                       std::chrono::seconds(10), 1, kBootstrap);
  std::ifstream file(RAINCHECK_SOURCE_DIR "/data/events/forecast-cape-town.json");
  const std::string event((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(event.empty());
  auto r = emulator->Invoke(event);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->function_error, "") << r->payload;
  const nlohmann::json response = Json(*r);
  EXPECT_EQ(response["statusCode"], 200) << r->payload;
  EXPECT_NE(response["body"].get<std::string>().find("Cape Town"), std::string::npos);
  EXPECT_TRUE(r->cold_start);

  // Not an API Gateway event: a function error, and the next event is served by the same process.
  auto bad = emulator->Invoke(R"({"not":"an event"})");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->function_error, "Unhandled");
  EXPECT_EQ(Json(*bad)["errorType"], "InvalidArgument");
  auto again = emulator->Invoke(event);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->function_error, "");
  EXPECT_FALSE(again->cold_start);
}

TEST_F(EmulatorTest, BootstrapReportsBadConfigurationAsAnInitError) {
  auto emulator =
      Make({{"RAINCHECK_LOG_LEVEL", "chatty"}}, std::chrono::seconds(10), 1, kBootstrap);
  auto r = emulator->Invoke("{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json(*r)["errorType"], "Runtime.InitError");
  EXPECT_THAT(Json(*r)["errorMessage"].get<std::string>(), HasSubstr("RAINCHECK_LOG_LEVEL"));
}

}  // namespace
}  // namespace raincheck::local
