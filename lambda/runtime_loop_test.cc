// The runtime client and loop against a scripted Runtime API (a loopback HTTP server), to pin
// down the wire protocol: paths, headers, bodies, and what ends the loop.
#include "lambda/runtime_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "http/curl_client.h"
#include "tests/fakes/loopback_server.h"

namespace raincheck::lambda {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDeadlineMs = 1795856400123;

class RuntimeLoopTest : public ::testing::Test {
 protected:
  // Serves `events` (bodies) one per GET /next, then answers 500 (so the loop ends).
  void Serve(std::vector<std::string> events) {
    events_ = std::move(events);
    server_.server().Get("/2018-06-01/runtime/invocation/next", [this](const httplib::Request&,
                                                                       httplib::Response& res) {
      const size_t n = next_calls_++;
      if (n >= events_.size()) {
        res.status = 500;
        return;
      }
      res.set_header("Lambda-Runtime-Aws-Request-Id", "id-" + std::to_string(n));
      res.set_header("Lambda-Runtime-Deadline-Ms",
                     n < deadlines_.size() ? deadlines_[n] : std::to_string(kDeadlineMs));
      res.set_header("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:eu-west-1:1:function:f");
      res.set_header("Lambda-Runtime-Trace-Id", "Root=1-trace-" + std::to_string(n));
      res.set_content(events_[n], "application/json");
    });
    server_.server().Post(R"(/2018-06-01/runtime/.*)",
                          [](const httplib::Request&, httplib::Response& res) {
                            res.status = 202;
                            res.set_content(R"({"status":"OK"})", "application/json");
                          });
    server_.Start();
  }

  int Run(const Handler& handler, Initializer init = nullptr) {
    if (!init) init = [&handler]() -> Result<Handler> { return handler; };
    return RunRuntime("127.0.0.1:" + std::to_string(server_.port()), http_, init, log_);
  }

  std::vector<fakes::RecordedRequest> Posts() {
    std::vector<fakes::RecordedRequest> posts;
    for (auto& r : server_.requests()) {
      if (r.method == "POST") posts.push_back(r);
    }
    return posts;
  }

  static std::string Header(const fakes::RecordedRequest& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
  }

  fakes::LoopbackServer server_;
  base::SystemClock clock_;
  http::CurlClient http_{clock_};
  std::vector<std::string> log_lines_;
  base::Logger log_{base::LogLevel::kDebug,
                    [this](std::string_view line) { log_lines_.emplace_back(line); }};
  std::vector<std::string> events_;
  std::vector<std::string> deadlines_;  // of each event in turn; kDeadlineMs after them
  std::atomic<size_t> next_calls_{0};
};

// Found by the fuzz target runtime_api (fuzz/corpus/runtime_api/crash-deadline-year-6857.txt):
// a deadline past what the clock holds overflowed converting it to nanoseconds (UBSan). Now it
// is malformed, as a missing one is: the handler sees the epoch, no time left.
TEST_F(RuntimeLoopTest, ADeadlineTheClockCannotHoldIsNoTimeLeft) {
  deadlines_ = {"154224097068888", "9223372036854775807", "-1"};
  Serve({"a", "b", "c"});
  std::vector<base::TimePoint> seen;
  Run([&](std::string_view, const InvocationContext& context) -> Result<std::string> {
    seen.push_back(context.deadline.at());
    return std::string("{}");
  });
  EXPECT_EQ(seen, std::vector<base::TimePoint>(3, base::TimePoint{}));
}

TEST_F(RuntimeLoopTest, PassesTheContextAndPostsResponsesUntilThe500) {
  Serve({R"({"n":0})", R"({"n":1})"});
  std::vector<std::string> traces;
  const int code =
      Run([&](std::string_view event, const InvocationContext& context) -> Result<std::string> {
        EXPECT_EQ(context.deadline.at(), base::FromUnixMillis(kDeadlineMs));
        EXPECT_EQ(context.function_arn, "arn:aws:lambda:eu-west-1:1:function:f");
        EXPECT_EQ(context.trace_id, std::getenv("_X_AMZN_TRACE_ID"));
        traces.push_back(context.trace_id);
        return "answer to " + std::string(event) + " as " + context.request_id;
      });
  EXPECT_EQ(code, 1);  // the 500 ends the process promptly
  EXPECT_EQ(next_calls_.load(), 3u);
  ASSERT_EQ(traces.size(), 2u);
  EXPECT_EQ(traces[1], "Root=1-trace-1");
  const auto posts = Posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].path, "/2018-06-01/runtime/invocation/id-0/response");
  EXPECT_EQ(posts[0].body, R"(answer to {"n":0} as id-0)");
  EXPECT_EQ(posts[1].path, "/2018-06-01/runtime/invocation/id-1/response");
}

TEST_F(RuntimeLoopTest, ErrorsAndExceptionsArePostedAndTheLoopGoesOn) {
  Serve({"a", "b", "c", "d"});
  int calls = 0;
  Run([&](std::string_view event, const InvocationContext&) -> Result<std::string> {
    ++calls;
    if (event == "a") return Status::NotFound("no such city");
    if (event == "b") throw std::out_of_range("index 7");
    if (event == "c") throw "a string";
    return std::string(kMaxResponseBytes + 1, 'x');
  });
  EXPECT_EQ(calls, 4);
  const auto posts = Posts();
  ASSERT_EQ(posts.size(), 4u);
  for (const auto& post : posts) EXPECT_THAT(post.path, HasSubstr("/error"));
  const auto doc = [&](size_t i) { return nlohmann::json::parse(posts[i].body); };
  EXPECT_EQ(doc(0)["errorType"], "NotFound");
  EXPECT_EQ(doc(0)["errorMessage"], "no such city");
  EXPECT_TRUE(doc(0)["stackTrace"].is_array());
  EXPECT_EQ(Header(posts[0], "Lambda-Runtime-Function-Error-Type"), "NotFound");
  EXPECT_EQ(Header(posts[0], "Content-Type"), "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(doc(1)["errorType"], "std::out_of_range");
  EXPECT_EQ(doc(1)["errorMessage"], "index 7");
  EXPECT_EQ(doc(2)["errorType"], "char const*");
  EXPECT_EQ(doc(3)["errorType"], "Function.ResponseSizeTooLarge");
  EXPECT_THAT(doc(3)["errorMessage"].get<std::string>(), HasSubstr("6291557 bytes"));
  EXPECT_LT(posts[3].body.size(), 1000u);  // never the truncated body
  // Nothing of the events reached the log.
  for (const std::string& line : log_lines_)
    EXPECT_THAT(line, ::testing::Not(HasSubstr("no such city")));
}

TEST_F(RuntimeLoopTest, InitFailureIsPostedBeforeAnyNext) {
  Serve({"a"});
  const int code =
      Run(nullptr, []() -> Result<Handler> { return Status::Corruption("model file truncated"); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(next_calls_.load(), 0u);
  const auto posts = Posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(Header(posts[0], "Lambda-Runtime-Function-Error-Type"), "Runtime.InitError");
  EXPECT_EQ(nlohmann::json::parse(posts[0].body)["errorMessage"],
            "Corruption: model file truncated");
}

TEST(RuntimeRunTest, NoEndpointIsAClearFailure) {
  base::SystemClock clock;
  http::CurlClient http(clock);
  std::string logged;
  base::Logger log(base::LogLevel::kInfo, [&](std::string_view line) { logged += line; });
  bool initialised = false;
  EXPECT_EQ(RunRuntime(
                "", http,
                [&]() -> Result<Handler> {
                  initialised = true;
                  return Status::Internal("unused");
                },
                log),
            1);
  EXPECT_FALSE(initialised);
  EXPECT_THAT(logged, HasSubstr("AWS_LAMBDA_RUNTIME_API"));
}

TEST(RuntimeRunTest, AnUnreachableRuntimeApiEndsTheProcess) {
  base::SystemClock clock;
  http::CurlClient http(clock);
  base::Logger log(base::LogLevel::kOff);
  const int port = fakes::UnusedLoopbackPort();
  EXPECT_EQ(RunRuntime(
                "127.0.0.1:" + std::to_string(port), http,
                []() -> Result<Handler> {
                  return Handler([](std::string_view, const InvocationContext&) {
                    return Result<std::string>(std::string("{}"));
                  });
                },
                log),
            1);
}

}  // namespace
}  // namespace raincheck::lambda
