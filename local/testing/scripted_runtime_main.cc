// A custom runtime for the emulator's tests: the same loop as bootstrap, with a handler whose
// behaviour the event chooses. Not shipped.
//
// Event (JSON object), first key that is present wins:
//   {"fail": "msg"}       handler returns an error Status (InvalidArgument)
//   {"throw": "msg"}      handler throws std::runtime_error
//   {"throw_int": 1}      handler throws an int
//   {"exit": N}           process exits with status N mid-invocation
//   {"crash": 1}          process aborts mid-invocation
//   {"big": N}            responds with a JSON string of N bytes in total
//   {"allocate_mb": N, ...} fills N MB of memory, then behaves as below
//   {"sleep_ms": N, ...}  sleeps, then behaves as below
//   {"probe": 1}          plays a misbehaving runtime: posts for an unknown id, posts
//                         /init/error late, answers twice, then prints the statuses it got
//                         ("probe unknown=400 ...") and returns (so the loop answers a third time)
//   {"log": "text", ...}  prints "text" on stdout and "text (stderr)" on stderr, then echoes
//   anything else         echoes: {"event", "request_id", "function_arn", "trace_id",
//                         "trace_env", "remaining_ms", "pid", "env": {...}}
// A body that is not JSON makes the handler throw (nlohmann::json::parse_error).
// Start-up, from RAINCHECK_TEST_INIT: "fail" (init returns an error), "throw", "exit" (exits 3
// before any call), "sleep_ms:N"; RAINCHECK_TEST_NO_SIZE_CHECK=1 lets oversized responses
// through to the Runtime API.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "http/curl_client.h"
#include "lambda/runtime_loop.h"

namespace {

using raincheck::Result;
using raincheck::Status;
using raincheck::lambda::InvocationContext;

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

int Post(const std::string& path, const std::string& body) {
  raincheck::base::SystemClock clock;
  raincheck::http::CurlClient client(clock);
  raincheck::http::Request request;
  request.max_retries = 0;
  request.method = "POST";
  request.url = "http://" + EnvOr("AWS_LAMBDA_RUNTIME_API", "") + "/2018-06-01" + path;
  request.body = body;
  auto response = client.Send(request);
  return response.ok() ? response->status : -1;
}

std::string Probe(const InvocationContext& context) {
  const std::string own = "/runtime/invocation/" + context.request_id;
  const int unknown = Post("/runtime/invocation/no-such-id/response", "{}");
  const int init_error = Post("/runtime/init/error", R"({"errorMessage":"late","errorType":"X"})");
  const int first = Post(own + "/response", R"({"probe":"first"})");
  const int second = Post(own + "/response", R"({"probe":"second"})");
  const int error_after = Post(own + "/error", R"({"errorMessage":"late","errorType":"X"})");
  std::printf("probe unknown=%d init_error=%d first=%d second=%d error_after=%d\n", unknown,
              init_error, first, second, error_after);
  std::fflush(stdout);
  return "{}";
}

Result<std::string> Handle(std::string_view event_text, const InvocationContext& context) {
  const nlohmann::json event = nlohmann::json::parse(event_text);  // throws on a bad event
  if (event.contains("probe")) return Probe(context);
  if (event.contains("fail")) return Status::InvalidArgument(event["fail"].get<std::string>());
  if (event.contains("throw")) throw std::runtime_error(event["throw"].get<std::string>());
  if (event.contains("throw_int")) throw 42;
  if (event.contains("exit")) std::_Exit(event["exit"].get<int>());
  if (event.contains("crash")) std::abort();
  if (event.contains("big")) {
    const size_t total = event["big"].get<size_t>();
    std::string body(total < 2 ? 2 : total, 'x');
    body.front() = '"';
    body.back() = '"';
    return body;
  }
  if (event.contains("allocate_mb")) {  // touches N MB, then goes on as below
    const size_t bytes = event["allocate_mb"].get<size_t>() << 20;
    std::vector<char> block(bytes, 1);
    volatile char sink = block[bytes / 2];
    (void)sink;
  }
  if (event.contains("sleep_ms")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(event["sleep_ms"].get<int>()));
  }
  if (event.contains("log")) {
    const std::string text = event["log"].get<std::string>();
    std::printf("%s\n", text.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "%s (stderr)\n", text.c_str());
  }
  raincheck::base::SystemClock clock;
  nlohmann::json env = nlohmann::json::object();
  for (const char* name : {"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                           "AWS_LAMBDA_FUNCTION_VERSION", "LAMBDA_TASK_ROOT", "TZ", "AWS_REGION",
                           "AWS_ACCESS_KEY_ID", "RAINCHECK_TEST_MARKER", "HOME"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  nlohmann::json out = {{"event", event},
                        {"request_id", context.request_id},
                        {"function_arn", context.function_arn},
                        {"trace_id", context.trace_id},
                        {"trace_env", EnvOr("_X_AMZN_TRACE_ID", "")},
                        {"remaining_ms", context.deadline.Remaining(clock).count()},
                        {"pid", static_cast<long>(::getpid())},
                        {"cwd", EnvOr("PWD", "")},
                        {"env", env}};
  return out.dump();
}

}  // namespace

int main() {
  raincheck::base::Logger log(raincheck::base::LogLevel::kInfo);
  raincheck::base::SystemClock clock;
  raincheck::http::CurlClient http(clock);
  raincheck::lambda::LoopOptions options;
  if (EnvOr("RAINCHECK_TEST_NO_SIZE_CHECK", "") == "1") {
    options.max_response_bytes = std::numeric_limits<size_t>::max();
  }
  const std::string init_mode = EnvOr("RAINCHECK_TEST_INIT", "");
  auto init = [&]() -> Result<raincheck::lambda::Handler> {
    std::fprintf(stderr, "scripted runtime starting\n");
    if (init_mode == "fail") return Status::FailedPrecondition("scripted init failure");
    if (init_mode == "throw") throw std::runtime_error("scripted init exception");
    if (init_mode == "exit") std::_Exit(3);
    if (init_mode.rfind("sleep_ms:", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(init_mode.substr(9))));
    }
    return raincheck::lambda::Handler(Handle);
  };
  return raincheck::lambda::RunRuntime(EnvOr("AWS_LAMBDA_RUNTIME_API", ""), http, init, log,
                                       options);
}
