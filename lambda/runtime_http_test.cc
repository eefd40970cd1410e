// The Runtime API transport against loopback servers: a cpp-httplib server for well-formed
// HTTP (headers, Content-Length and chunked bodies, 6 MB payloads) and a raw TCP server for
// what a library would not send (1xx, truncated or malformed answers, closed connections).
#include "lambda/runtime_http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "lambda/runtime_client.h"
#include "lambda/runtime_loop.h"
#include "tests/fakes/loopback_server.h"

namespace raincheck::lambda {
namespace {

using ::testing::HasSubstr;

std::string Header(const fakes::RecordedRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// A payload of `n` bytes that is not all one byte, so a misplaced chunk shows.
std::string Payload(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

class RuntimeHttpTest : public ::testing::Test {
 protected:
  http::Request Get(const std::string& path) {
    http::Request r;
    r.url = server_.base_url() + path;
    r.attempt_timeout = std::chrono::seconds(20);  // only against hangs
    return r;
  }

  fakes::LoopbackServer server_;
  base::SystemClock clock_;
  RuntimeHttpClient client_{clock_};
};

TEST_F(RuntimeHttpTest, NextCarriesEveryRuntimeHeaderToTheInvocation) {
  server_.server().Get("/2018-06-01/runtime/invocation/next", [](const httplib::Request&,
                                                                 httplib::Response& res) {
    res.set_header("Lambda-Runtime-Aws-Request-Id", "req-1");
    res.set_header("Lambda-Runtime-Deadline-Ms", "1795856400123");
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:1:function:f");
    res.set_header("Lambda-Runtime-Trace-Id", "Root=1-abc;Sampled=1");
    res.set_header("Lambda-Runtime-Client-Context", R"({"client":{}})");
    res.set_header("Lambda-Runtime-Cognito-Identity", R"({"id":"x"})");
    res.set_content(R"({"city":"Oslo"})", "application/json");
  });
  server_.Start();
  RuntimeClient runtime("127.0.0.1:" + std::to_string(server_.port()), client_);
  auto next = runtime.Next();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->event, R"({"city":"Oslo"})");
  EXPECT_EQ(next->context.request_id, "req-1");
  EXPECT_EQ(next->context.function_arn, "arn:aws:lambda:eu-west-1:1:function:f");
  EXPECT_EQ(next->context.trace_id, "Root=1-abc;Sampled=1");
  EXPECT_EQ(next->client_context, R"({"client":{}})");
  EXPECT_EQ(next->cognito_identity, R"({"id":"x"})");
  // The deadline's parsing is RuntimeClient's (runtime_loop_test.cc); the header arrives.
  auto raw = client_.Send(Get("/2018-06-01/runtime/invocation/next"));
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(http::FindHeader(raw->headers, "lambda-runtime-deadline-ms"), "1795856400123");
  ASSERT_EQ(server_.requests().size(), 2u);
  EXPECT_EQ(server_.requests()[0].target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(Header(server_.requests()[0], "Accept-Encoding"), "identity");
}

TEST_F(RuntimeHttpTest, PostsSendTheBodyAndTheErrorHeadersOnOneConnection) {
  std::mutex mu;
  std::vector<int> ports;  // the client's port of each request's connection
  server_.server().Post(R"(/2018-06-01/runtime/.*)",
                        [&](const httplib::Request& req, httplib::Response& res) {
                          {
                            std::lock_guard<std::mutex> lock(mu);
                            ports.push_back(req.remote_port);
                          }
                          res.status = 202;
                          res.set_content(R"({"status":"OK"})", "application/json");
                        });
  server_.Start();
  RuntimeClient runtime("127.0.0.1:" + std::to_string(server_.port()), client_);
  ASSERT_TRUE(runtime.PostResponse("id/1", R"({"statusCode":200})").ok());
  ErrorReport error{"Runtime.Oops", "went wrong", {}};
  ASSERT_TRUE(runtime.PostError("id-2", error).ok());
  ASSERT_TRUE(runtime.PostInitError(error).ok());

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target, "/2018-06-01/runtime/invocation/id%2F1/response");
  EXPECT_EQ(requests[0].body, R"({"statusCode":200})");
  EXPECT_EQ(Header(requests[0], "Content-Type"), "application/json");
  EXPECT_EQ(requests[1].target, "/2018-06-01/runtime/invocation/id-2/error");
  EXPECT_EQ(Header(requests[1], "Lambda-Runtime-Function-Error-Type"), "Runtime.Oops");
  EXPECT_EQ(Header(requests[1], "Content-Type"), "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(requests[1].body, error.ToJson());
  EXPECT_EQ(requests[2].target, "/2018-06-01/runtime/init/error");
  // All three came over one connection: it is kept alive between calls.
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[1], ports[0]);
  EXPECT_EQ(ports[2], ports[0]);
}

TEST_F(RuntimeHttpTest, ChunkedAndLengthBodiesOfSixMegabytesArriveWhole) {
  const std::string big = Payload(kMaxResponseBytes);
  server_.server().Get("/length", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(big, "application/json");
  });
  server_.server().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/json", [&](size_t offset, httplib::DataSink& sink) {
          // Uneven pieces, so chunk boundaries fall anywhere.
          const size_t n = std::min<size_t>(100003, big.size() - offset);
          sink.write(big.data() + offset, n);
          if (offset + n == big.size()) sink.done();
          return true;
        });
  });
  server_.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body, "application/octet-stream");
  });
  server_.Start();

  http::Request get = Get("/length");
  get.max_response_bytes = 2 * kMaxResponseBytes;
  auto length = client_.Send(get);
  ASSERT_TRUE(length.ok()) << length.status().ToString();
  EXPECT_EQ(length->status, 200);
  EXPECT_TRUE(length->body == big);

  get.url = server_.base_url() + "/chunked";
  auto chunked = client_.Send(get);
  ASSERT_TRUE(chunked.ok()) << chunked.status().ToString();
  EXPECT_EQ(chunked->body.size(), big.size());
  EXPECT_TRUE(chunked->body == big);

  http::Request post = Get("/echo");
  post.method = "POST";
  post.body = big;
  post.max_response_bytes = 2 * kMaxResponseBytes;
  auto echo = client_.Send(post);
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_TRUE(echo->body == big);
}

TEST_F(RuntimeHttpTest, BodiesOverTheLimitAreRefused) {
  const std::string big = Payload(100000);
  server_.server().Get("/length", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(big, "text/plain");
  });
  server_.server().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&](size_t offset, httplib::DataSink& sink) {
      const size_t n = std::min<size_t>(4096, big.size() - offset);
      sink.write(big.data() + offset, n);
      if (offset + n == big.size()) sink.done();
      return true;
    });
  });
  server_.server().Get("/small", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server_.Start();
  for (const char* path : {"/length", "/chunked"}) {
    http::Request r = Get(path);
    r.max_response_bytes = 50000;
    auto response = client_.Send(r);
    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted) << path;
  }
  // The connection with the unread rest was dropped: the next call still works.
  auto small = client_.Send(Get("/small"));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->body, "ok");
}

TEST(RuntimeHttpRawTest, SkipsInterimAnswersAndReadsToTheCloseWithoutALength) {
  base::SystemClock clock;
  RuntimeHttpClient client(clock);
  fakes::RawTcpServer server(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: r\r\nX-Folded:  spaced  \r\n\r\n"
      "until the end",
      false);
  http::Request r;
  r.url = server.base_url() + "/x";
  auto response = client.Send(r);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "until the end");
  EXPECT_EQ(http::FindHeader(response->headers, "Lambda-Runtime-Aws-Request-Id"), "r");
  EXPECT_EQ(http::FindHeader(response->headers, "x-folded"), "spaced");
}

TEST(RuntimeHttpRawTest, AKeptConnectionTheServerClosedIsReplacedOnce) {
  base::SystemClock clock;
  RuntimeHttpClient client(clock);
  // Announces a length, so the client keeps the connection; the server then closes it.
  fakes::RawTcpServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
  http::Request r;
  r.url = server.base_url() + "/x";
  for (int i = 0; i < 3; ++i) {
    auto response = client.Send(r);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status().ToString();
    EXPECT_EQ(response->body, "ok");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(RuntimeHttpRawTest, MalformedOrTruncatedAnswersAreUnavailable) {
  base::SystemClock clock;
  const char* replies[] = {
      "garbage\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
      "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Len",
      "",
  };
  for (const char* reply : replies) {
    RuntimeHttpClient client(clock);
    fakes::RawTcpServer server(reply, false);
    http::Request r;
    r.url = server.base_url() + "/x";
    r.attempt_timeout = std::chrono::seconds(20);
    auto response = client.Send(r);
    ASSERT_FALSE(response.ok()) << reply;
    EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << reply;
  }
  RuntimeHttpClient client(clock);
  fakes::RawTcpServer reset("", true);
  http::Request r;
  r.url = reset.base_url() + "/x";
  auto response = client.Send(r);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

TEST(RuntimeHttpRawTest, RequestsItCannotSendAreRefusedBeforeAnyConnection) {
  base::SystemClock clock;
  RuntimeHttpClient client(clock);
  fakes::RawTcpServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false);
  http::Request r;
  for (const std::string& url :
       {std::string("https://127.0.0.1:1/x"), std::string("127.0.0.1:1"),
        std::string("http://127.0.0.1/x"), std::string("http://127.0.0.1:99999/x"),
        std::string("http://[::1/x")}) {
    r.url = url;
    auto response = client.Send(r);
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << url;
  }
  r.url = server.base_url() + "/x";
  r.headers = {{"X-Injected", "a\r\nHost: elsewhere"}};
  auto response = client.Send(r);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.connections(), 0);
}

TEST(RuntimeHttpRawTest, ARefusedConnectionEndsTheRuntimeWithALogLineThatSaysSo) {
  base::SystemClock clock;
  RuntimeHttpClient client(clock);
  const std::string endpoint = "127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort());
  http::Request r;
  r.url = "http://" + endpoint + "/x";
  auto response = client.Send(r);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("refused"));

  std::string logged;
  base::Logger log(base::LogLevel::kInfo, [&](std::string_view line) { logged += line; });
  EXPECT_EQ(RunRuntime(
                endpoint, client,
                []() -> Result<Handler> {
                  return Handler([](std::string_view, const InvocationContext&) {
                    return Result<std::string>(std::string("{}"));
                  });
                },
                log),
            1);
  EXPECT_THAT(logged, HasSubstr("runtime API failed; exiting"));
  EXPECT_THAT(logged, HasSubstr("Connection refused"));
  EXPECT_THAT(logged, HasSubstr(endpoint));
}

TEST_F(RuntimeHttpTest, TimesOutOnlyWhenTheRequestSetsALimit) {
  server_.server().Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
    server_.SleepUnlessStopped(std::chrono::milliseconds(400));
    res.set_content("late", "text/plain");
  });
  server_.Start();
  http::Request r = Get("/slow");
  r.attempt_timeout = std::chrono::milliseconds(50);
  auto timed_out = client_.Send(r);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kDeadlineExceeded);

  r.attempt_timeout = std::chrono::milliseconds(0);  // GET /next: no limit at all
  r.deadline = std::nullopt;
  auto waited = client_.Send(r);
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_EQ(waited->body, "late");

  r.deadline = clock_.Now() - std::chrono::seconds(1);
  auto past = client_.Send(r);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), StatusCode::kDeadlineExceeded);
}

void NoOp(int) {}

TEST_F(RuntimeHttpTest, SignalsWhileWaitingDoNotFailTheCall) {
  server_.server().Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
    server_.SleepUnlessStopped(std::chrono::milliseconds(300));
    res.set_content("after the signals", "text/plain");
  });
  server_.Start();
  struct sigaction action {};
  action.sa_handler = NoOp;  // no SA_RESTART: poll and recv return EINTR
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &old), 0);
  const pthread_t self = ::pthread_self();
  std::atomic<bool> done{false};
  std::atomic<int> sent{0};
  std::thread interrupter([&] {
    for (int i = 0; i < 200 && !done; ++i) {  // bounded: at most 200 signals, 2 s
      ::pthread_kill(self, SIGUSR1);
      ++sent;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  http::Request r = Get("/slow");
  r.attempt_timeout = std::chrono::milliseconds(0);
  auto response = client_.Send(r);
  done = true;
  interrupter.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "after the signals");
  EXPECT_GT(sent.load(), 1);
}

}  // namespace
}  // namespace raincheck::lambda
