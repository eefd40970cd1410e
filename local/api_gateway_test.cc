#include "local/api_gateway.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/strings.h"

namespace raincheck::local {
namespace {

using lambda::PayloadVersion;
using nlohmann::json;
using ::testing::HasSubstr;

// A function that reads the event as the real one does and answers with what it saw: the city
// (400 when there is none) and the invocation's request id. The real function behind the real
// binary is tested in tests/start_api_test.cc and tests/browser/.
class HandlerInvoker : public FunctionInvoker {
 public:
  Result<FunctionResult> Invoke(std::string event, const std::string& request_id) override {
    Result<lambda::HttpRequest> req = lambda::ParseEvent(event);
    if (!req.ok()) return FunctionResult{req.status().message(), "InvalidArgument", true};
    lambda::HttpResponse r;
    r.SetHeader("Content-Type", "application/json; charset=utf-8");
    const std::string city(base::Trim(req->Query("city").value_or("")));
    if (city.empty()) {
      r.status = 400;
      r.body = json{{"error", {{"status", 400}, {"request_id", request_id}}}}.dump();
    } else {
      r.body = json{{"city", city}, {"request_id", request_id}}.dump();
    }
    return FunctionResult{lambda::SerializeResponse(r, req->version), "", false};
  }
};

// Answers with whatever the test says and remembers the events it saw.
class ScriptedInvoker : public FunctionInvoker {
 public:
  using Script = std::function<Result<FunctionResult>(const std::string& event)>;
  explicit ScriptedInvoker(Script script) : script_(std::move(script)) {}
  Result<FunctionResult> Invoke(std::string event, const std::string&) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(event);
    }
    return script_(event);
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  Script script_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

FunctionResult Returns(std::string payload) {
  return FunctionResult{std::move(payload), "", false};
}

constexpr std::string_view kPage = "<!DOCTYPE html><title>t</title>";

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() : logger_(base::LogLevel::kOff) {}

  ApiGatewayOptions Options(PayloadVersion v = PayloadVersion::kV2) {
    ApiGatewayOptions o;
    o.http.port = 0;
    o.payload_version = v;
    o.clock = &clock_;
    o.logger = &logger_;
    o.assets = {{"/", "text/html; charset=utf-8", kPage}};
    o.http.threads = 16;
    return o;
  }

  void Start(FunctionInvoker* invoker, ApiGatewayOptions o) {
    gateway_ = std::make_unique<ApiGateway>(std::move(o), invoker);
    ASSERT_TRUE(gateway_->Start().ok());
  }
  void Start(FunctionInvoker* invoker) { Start(invoker, Options()); }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", gateway_->port());
    c.set_read_timeout(20, 0);
    c.set_url_encode(false);  // send paths exactly as written
    return c;
  }

  base::SystemClock clock_;
  base::Logger logger_;
  std::unique_ptr<ApiGateway> gateway_;
};

// --- Routes -------------------------------------------------------------------------------

TEST_F(GatewayTest, HealthAnswersOk) {
  HandlerInvoker invoker;
  Start(&invoker);
  auto r = Client().Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["status"], "ok");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
}

TEST_F(GatewayTest, ServesThePageWithASecurityPolicy) {
  HandlerInvoker invoker;
  Start(&invoker);
  auto r = Client().Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kPage);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(r->get_header_value("Content-Security-Policy"), HasSubstr("script-src 'self'"));
  // No other site may frame the page (clickjacking), as the function's own HTML says too.
  EXPECT_THAT(r->get_header_value("Content-Security-Policy"), HasSubstr("frame-ancestors 'none'"));
  auto head = Client().Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Security-Policy"),
            r->get_header_value("Content-Security-Policy"));
}

TEST_F(GatewayTest, ForecastRunsTheFunction) {
  HandlerInvoker invoker;
  Start(&invoker);
  auto r = Client().Get("/forecast?city=Lima&format=json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["city"], "Lima");
  EXPECT_EQ(body["request_id"], r->get_header_value("Apigw-Requestid"));
  EXPECT_THAT(r->get_header_value("Content-Type"), HasSubstr("application/json"));

  auto bad = Client().Get("/forecast?city=%20&format=json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["status"], 400);
}

TEST_F(GatewayTest, UnknownRoutesAre404) {
  HandlerInvoker invoker;
  Start(&invoker);
  for (const char* path : {"/nope", "/forecast/extra", "/index.html", "/%2e%2e/etc/passwd"}) {
    auto r = Client().Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(json::parse(r->body)["message"], "Not Found");
  }
  auto post = Client().Post("/nope", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

// Routes from a template reach the function whatever they are: the route key and resource are
// the route's; a route beats a page file of the same path; a more specific path beats a
// greedy one; $default takes what nothing else does, /health and the page files excepted.
TEST_F(GatewayTest, TemplateRoutesReachTheFunction) {
  ScriptedInvoker invoker([](const std::string& event) {
    const json e = json::parse(event);
    const json body = {
        {"routeKey", e.value("routeKey", "")},
        {"resource", e.value("resource", "")},
        {"method",
         e.contains("httpMethod") ? e["httpMethod"] : e["requestContext"]["http"]["method"]}};
    return Returns(json{{"statusCode", 200}, {"body", body.dump()}}.dump());
  });
  ApiGatewayOptions o = Options();
  o.assets.push_back({"/app.js", "text/javascript", "js"});
  o.routes = {{"GET", "/", std::nullopt},
              {"POST", "/predict", std::nullopt},
              {"GET", "/items/{id}", std::nullopt},
              {"ANY", "/items/{proxy+}", std::nullopt},
              {"DELETE", "/rest", PayloadVersion::kV1}};
  Start(&invoker, o);
  auto call = [&](const std::string& method, const std::string& path) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method != "GET" && method != "HEAD") req.body = "{}";
    auto r = Client().send(req);
    EXPECT_TRUE(r) << method << " " << path;
    return r;
  };
  auto page = call("GET", "/");
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(json::parse(page->body)["routeKey"], "GET /");  // the function's, not the file
  auto predict = call("POST", "/predict");
  ASSERT_EQ(predict->status, 200);
  EXPECT_EQ(json::parse(predict->body)["routeKey"], "POST /predict");
  EXPECT_EQ(json::parse(predict->body)["method"], "POST");
  auto item = call("GET", "/items/42");
  ASSERT_EQ(item->status, 200);
  EXPECT_EQ(json::parse(item->body)["routeKey"], "GET /items/{id}");
  auto greedy = call("PUT", "/items/4/2");
  ASSERT_EQ(greedy->status, 200);
  EXPECT_EQ(json::parse(greedy->body)["routeKey"], "ANY /items/{proxy+}");
  auto rest = call("DELETE", "/rest");  // a 1.0 route: the REST event's resource
  ASSERT_EQ(rest->status, 200);
  EXPECT_EQ(json::parse(rest->body)["resource"], "/rest");
  EXPECT_EQ(json::parse(rest->body)["method"], "DELETE");
  EXPECT_EQ(rest->get_header_value("x-amzn-RequestId").size(), 36u);

  auto wrong = call("GET", "/predict");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST");
  EXPECT_EQ(call("GET", "/app.js")->body, "js");
  EXPECT_EQ(call("GET", "/health")->status, 200);
  EXPECT_EQ(call("GET", "/forecast")->status, 404);  // not a route of this template
  EXPECT_EQ(invoker.events().size(), 5u);

  // With a $default route, what no route takes reaches the function too.
  gateway_.reset();
  o.routes.push_back({"", "", std::nullopt});
  Start(&invoker, o);
  auto other = call("PATCH", "/anything/else");
  ASSERT_EQ(other->status, 200);
  EXPECT_EQ(json::parse(other->body)["routeKey"], "$default");
  EXPECT_EQ(call("GET", "/health")->body, R"({"status":"ok"})");
}

TEST_F(GatewayTest, WrongMethodsAre405) {
  ScriptedInvoker invoker([](const std::string&) { return Returns("{}"); });
  Start(&invoker);
  auto post = Client().Post("/forecast?city=Lima", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET");
  // HEAD is not GET: API Gateway matches a route by method and path, and a HEAD must not spend
  // the function's upstream calls.
  auto head = Client().Head("/forecast?city=Lima");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 405);
  EXPECT_EQ(head->get_header_value("Allow"), "GET");
  EXPECT_EQ(json::parse(post->body)["message"], "Method Not Allowed");
  auto del = Client().Delete("/health");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  auto put = Client().Put("/", "x", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  httplib::Request trace;
  trace.method = "TRACE";
  trace.path = "/forecast";
  auto t = Client().send(trace);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, 405);
  EXPECT_TRUE(invoker.events().empty());  // the function never saw them
}

TEST_F(GatewayTest, BodiesOverTheLimitAre413) {
  ScriptedInvoker invoker([](const std::string&) { return Returns("{}"); });
  ApiGatewayOptions o = Options();
  o.http.max_body_bytes = 1024;
  Start(&invoker, o);
  auto r = Client().Post("/forecast", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["message"], "Request Entity Too Large");
  auto small = Client().Post("/forecast", std::string(512, 'x'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 405);  // under the limit: routed
}

// --- Events -------------------------------------------------------------------------------

class EventShapeTest : public GatewayTest, public ::testing::WithParamInterface<PayloadVersion> {};

TEST_P(EventShapeTest, TheFunctionSeesTheRequestAsApiGatewayWouldHandItOver) {
  ScriptedInvoker invoker([](const std::string&) { return Returns(R"({"statusCode": 204})"); });
  Start(&invoker, Options(GetParam()));
  httplib::Headers headers = {
      {"X-Repeat", "a"}, {"X-Repeat", "b"}, {"Cookie", "s=1; t=2"}, {"User-Agent", "gateway-test"}};
  auto r = Client().Get("/forecast?city=S%C3%A3o+Paulo&city=Lima&format=json", headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  ASSERT_EQ(invoker.events().size(), 1u);
  auto ev = lambda::ParseEvent(invoker.events()[0]);
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ(ev->version, GetParam());
  EXPECT_EQ(ev->method, "GET");
  EXPECT_EQ(ev->path, "/forecast");
  EXPECT_EQ(ev->multi_query.at("city"), (std::vector<std::string>{"S\xC3\xA3o Paulo", "Lima"}));
  EXPECT_EQ(ev->Query("format"), "json");
  EXPECT_EQ(ev->multi_headers.at("x-repeat"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ev->cookies, (std::vector<std::string>{"s=1", "t=2"}));
  EXPECT_EQ(ev->source_ip, "127.0.0.1");
  EXPECT_EQ(ev->user_agent, "gateway-test");
  EXPECT_EQ(ev->request_id.size(), 36u);
  EXPECT_FALSE(ev->Header("remote_addr").has_value());
  const json raw = json::parse(invoker.events()[0]);
  if (GetParam() == PayloadVersion::kV2) {
    EXPECT_EQ(raw["rawQueryString"], "city=S%C3%A3o+Paulo&city=Lima&format=json");
    EXPECT_EQ(raw["routeKey"], "GET /forecast");
    EXPECT_GT(raw["requestContext"]["timeEpoch"].get<int64_t>(), 0);
  } else {
    EXPECT_EQ(raw["resource"], "/forecast");
    EXPECT_GT(raw["requestContext"]["requestTimeEpoch"].get<int64_t>(), 0);
  }
}

TEST_P(EventShapeTest, ProxyResponsesAreMappedBack) {
  ScriptedInvoker invoker([](const std::string&) {
    return Returns(json{
        {"statusCode", 201},
        {"headers", {{"Content-Type", "image/png"}, {"X-One", "1"}}},
        {"multiValueHeaders", {{"X-Many", {"a", "b"}}}},
        {"cookies", {"c1=v1; HttpOnly", "c2=v2"}},
        {"body", base::Base64Encode(std::string("\x89PNG\x00\xFF", 6))},
        {"isBase64Encoded",
         true}}.dump());
  });
  Start(&invoker, Options(GetParam()));
  auto r = Client().Get("/forecast");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, std::string("\x89PNG\x00\xFF", 6));
  EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(r->get_header_value("X-One"), "1");
  EXPECT_EQ(r->get_header_value_count("X-Many"), 2u);
  EXPECT_EQ(r->get_header_value_count("Set-Cookie"), 2u);
  EXPECT_EQ(r->get_header_value("Set-Cookie", 0), "c1=v1; HttpOnly");
}

INSTANTIATE_TEST_SUITE_P(Payloads, EventShapeTest,
                         ::testing::Values(PayloadVersion::kV1, PayloadVersion::kV2),
                         [](const auto& p) {
                           return p.param == PayloadVersion::kV1 ? "Rest" : "HttpApi";
                         });

TEST_F(GatewayTest, HopByHopAndInjectedHeadersFromTheFunctionAreDropped) {
  ScriptedInvoker invoker([](const std::string&) {
    return Returns(R"({"statusCode": 200, "headers": {"Content-Length": "999",
      "Transfer-Encoding": "chunked", "X-Evil": "a\r\nSet-Cookie: pwned=1"}, "body": "ok"})");
  });
  Start(&invoker);
  auto r = Client().Get("/forecast");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_FALSE(r->has_header("Set-Cookie"));
  EXPECT_FALSE(r->has_header("X-Evil"));
}

// --- Failures -----------------------------------------------------------------------------

TEST_F(GatewayTest, MalformedFunctionResponsesAre502) {
  for (const char* payload : {"not json", R"({"statusCode": "abc"})", R"({"statusCode": 700})",
                              R"({"statusCode": 200, "body": 5})",
                              R"({"statusCode": 200, "isBase64Encoded": true, "body": "!!"})"}) {
    ScriptedInvoker invoker([&](const std::string&) { return Returns(payload); });
    Start(&invoker);
    auto r = Client().Get("/forecast?city=Lima");
    ASSERT_TRUE(r) << payload;
    EXPECT_EQ(r->status, 502) << payload;
    EXPECT_EQ(r->body, R"({"message":"Internal server error"})");
    gateway_.reset();
  }
}

TEST_F(GatewayTest, RestPayloadRequiresAStatusCode) {
  ScriptedInvoker invoker([](const std::string&) { return Returns(R"({"hello": 1})"); });
  Start(&invoker, Options(PayloadVersion::kV1));
  auto r = Client().Get("/forecast");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
}

TEST_F(GatewayTest, FunctionErrorsAre502AndTimeoutsAre504) {
  ScriptedInvoker invoker([](const std::string& event) -> Result<FunctionResult> {
    const std::string city = lambda::ParseEvent(event)->Query("city").value_or("");
    if (city == "error") {
      return FunctionResult{R"({"errorMessage":"boom","errorType":"Runtime.ExitError"})",
                            "Runtime.ExitError", true};
    }
    if (city == "timeout") {
      return FunctionResult{R"({"errorMessage":"Task timed out after 1.00 seconds"})",
                            "Sandbox.Timedout", true};
    }
    if (city == "unavailable") return Status::Unavailable("cannot start bootstrap");
    if (city == "deadline") return Status::DeadlineExceeded("no answer");
    return Status::ResourceExhausted("payload too large");
  });
  Start(&invoker);
  struct Case {
    const char* city;
    int status;
    const char* message;
  };
  for (const Case& c : {Case{"error", 502, "Internal server error"},
                        Case{"timeout", 504, "Endpoint request timed out"},
                        Case{"unavailable", 502, "Internal server error"},
                        Case{"deadline", 504, "Endpoint request timed out"},
                        Case{"big", 413, "Request Entity Too Large"}}) {
    auto r = Client().Get(std::string("/forecast?city=") + c.city);
    ASSERT_TRUE(r) << c.city;
    EXPECT_EQ(r->status, c.status) << c.city;
    EXPECT_EQ(json::parse(r->body)["message"], c.message) << c.city;
    EXPECT_THAT(r->body, Not(HasSubstr("boom")));  // function details stay in the logs
  }
}

// --- Concurrency, slow clients, shutdown ---------------------------------------------------

TEST_F(GatewayTest, ServesRequestsConcurrently) {
  constexpr int kClients = 8;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  int most = 0;
  ScriptedInvoker invoker([&](const std::string&) {
    std::unique_lock<std::mutex> lock(mu);
    most = std::max(most, ++in_flight);
    cv.notify_all();
    // Hold every invocation until all of them are in flight (bounded, so a serial server
    // fails the test instead of hanging it).
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return most == kClients; });
    --in_flight;
    return Returns(R"({"statusCode": 200, "body": "ok"})");
  });
  Start(&invoker);
  std::vector<std::future<int>> results;
  results.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    results.push_back(std::async(std::launch::async, [&] {
      auto r = Client().Get("/forecast");
      return r ? r->status : -1;
    }));
  }
  for (auto& f : results) EXPECT_EQ(f.get(), 200);
  EXPECT_EQ(most, kClients);
}

// A raw TCP connection, to behave as a slow or idle client.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view data) {
    ASSERT_EQ(send(fd_, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  // Reads until the server closes the connection; false if it stays open for `limit`.
  bool ReadUntilClosed(std::chrono::seconds limit, std::string* got) {
    const auto end = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      got->append(buf, static_cast<size_t>(n));
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST_F(GatewayTest, SlowAndIdleClientsAreCutOffWithoutBlockingOthers) {
  HandlerInvoker invoker;
  ApiGatewayOptions o = Options();
  o.http.header_timeout = std::chrono::milliseconds(300);
  o.http.idle_timeout = std::chrono::milliseconds(1000);
  Start(&invoker, o);
  RawConnection slow(gateway_->port());  // sends half a request line and stops
  RawConnection idle(gateway_->port());  // sends nothing
  RawConnection kept(gateway_->port());  // one request, then keeps the connection open
  ASSERT_TRUE(slow.connected() && idle.connected() && kept.connected());
  slow.Send("GET /health HT");
  kept.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");

  // Others are served meanwhile.
  auto r = Client().Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  std::string got;
  EXPECT_TRUE(slow.ReadUntilClosed(std::chrono::seconds(30), &got));
  EXPECT_TRUE(idle.ReadUntilClosed(std::chrono::seconds(30), &got));
  std::string kept_got;
  EXPECT_TRUE(kept.ReadUntilClosed(std::chrono::seconds(30), &kept_got));
  EXPECT_THAT(kept_got, HasSubstr("200 OK"));
}

// Sends `request` on a new connection and returns everything the gateway sends until it closes
// the connection or `limit` passes.
std::string Exchange(int port, std::string_view request,
                     std::chrono::seconds limit = std::chrono::seconds(10)) {
  RawConnection c(port);
  EXPECT_TRUE(c.connected());
  c.Send(request);
  std::string got;
  c.ReadUntilClosed(limit, &got);
  return got;
}

// A GET's body goes into the event like any other (and is never read as the next request,
// the CL.0 desync); Range is not interpreted: the function's response goes out whole.
TEST_F(GatewayTest, GetBodiesReachTheFunctionAndRangeIsIgnored) {
  ScriptedInvoker invoker([](const std::string& event) {
    const json e = json::parse(event);
    const json body = {{"body", e.value("body", "")}, {"padding", std::string(200, 'p')}};
    return Returns(json{
        {"statusCode", 200},
        {"headers", {{"Content-Type", "application/json"}}},
        {"body",
         body.dump()}}.dump());
  });
  Start(&invoker);
  const std::string inner = "GET /nothere HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string got =
      Exchange(gateway_->port(),
               "GET /forecast HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nContent-Length: " +
                   std::to_string(inner.size()) + "\r\nConnection: close\r\n\r\n" + inner);
  EXPECT_THAT(got, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(got.find("HTTP/1.1 ", 1), std::string::npos);  // one answer: the body was no request
  const json body = json::parse(got.substr(got.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["body"], inner);
  EXPECT_EQ(body["padding"].get<std::string>().size(), 200u);  // whole, not bytes 0-9
  EXPECT_THAT(got, HasSubstr("Content-Type: application/json\r\n"));

  auto multi = Client().Get("/forecast", {{"Range", "bytes=0-1,4-5"}});
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->status, 200);
  EXPECT_EQ(multi->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(json::accept(multi->body)) << multi->body;
  ASSERT_EQ(invoker.events().size(), 2u);
}

// The HTTP server's refusals come in API Gateway's JSON and close the connection; the
// function never sees the request.
TEST_F(GatewayTest, MalformedRequestsAreRefusedBeforeRouting) {
  ScriptedInvoker invoker([](const std::string&) { return Returns("{}"); });
  Start(&invoker);
  struct Case {
    std::string request;
    int status;
    const char* message;
  };
  for (const Case& c :
       {Case{"GET /forecast HTTP/1.1\r\nHost : x\r\n\r\n", 400, "Bad Request"},
        Case{"GET /forecast HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400, "Bad Request"},
        Case{"FOO /forecast HTTP/1.1\r\nHost: x\r\n\r\n", 405, "Method Not Allowed"},
        Case{"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             411, "Length Required"},
        Case{"GET /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413,
             "Request Entity Too Large"}}) {
    const std::string got = Exchange(gateway_->port(), c.request);
    EXPECT_THAT(got, ::testing::StartsWith("HTTP/1.1 " + std::to_string(c.status))) << c.request;
    EXPECT_THAT(got, HasSubstr("Connection: close\r\n")) << c.request;
    EXPECT_THAT(got, HasSubstr(json{{"message", c.message}}.dump())) << c.request;
  }
  EXPECT_TRUE(invoker.events().empty());
}

// /health, the page and 404s are answered on the server's event thread: with every worker
// busy in a slow function, they still answer at once.
TEST_F(GatewayTest, HealthAnswersWhileEveryWorkerIsBusy) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ScriptedInvoker invoker([&](const std::string&) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
    return Returns(R"({"statusCode": 200, "body": "slow"})");
  });
  ApiGatewayOptions o = Options();
  o.http.threads = 2;
  Start(&invoker, o);
  std::vector<std::future<int>> slow;
  slow.reserve(4);
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::async(std::launch::async, [&] {
      auto r = Client().Get("/forecast");
      return r ? r->status : -1;
    }));
  }
  for (int i = 0; i < 500 && invoker.events().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto start = std::chrono::steady_clock::now();
  auto health = Client().Get("/health");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_LT(ms, 5000.0);
  EXPECT_EQ(Client().Get("/")->status, 200);
  EXPECT_EQ(Client().Get("/nope")->status, 404);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& f : slow) EXPECT_EQ(f.get(), 200);
}

TEST_F(GatewayTest, StopLetsInFlightRequestsFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ScriptedInvoker invoker([&](const std::string&) {
    entered.set_value();
    released.wait();
    return Returns(R"({"statusCode": 200, "body": "finished"})");
  });
  Start(&invoker);
  const int port = gateway_->port();
  auto request = std::async(std::launch::async, [&] {
    auto r = Client().Get("/forecast");
    return r ? r->body : std::string("no response");
  });
  entered.get_future().wait();
  auto stopping = std::async(std::launch::async, [&] { gateway_->Stop(); });
  // Stop() is waiting for the request; no new connection is accepted any more.
  EXPECT_EQ(stopping.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  release.set_value();
  EXPECT_EQ(request.get(), "finished");
  stopping.get();
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(2, 0);
  EXPECT_FALSE(late.Get("/health"));
}

TEST_F(GatewayTest, BusyPortIsReported) {
  HandlerInvoker invoker;
  Start(&invoker);
  ApiGatewayOptions o = Options();
  o.http.port = gateway_->port();
  ApiGateway second(o, &invoker);
  const Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(std::to_string(o.http.port)));
}

TEST_F(GatewayTest, ListensOnEveryInterfaceWhenAsked) {
  HandlerInvoker invoker;
  ApiGatewayOptions o = Options();
  o.http.host = "0.0.0.0";
  Start(&invoker, o);
  EXPECT_EQ(gateway_->Url(), "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/");
  auto r = Client().Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(MapFunctionResultTest, InferredV2BodyAndDefaultContentType) {
  auto r = MapFunctionResult(FunctionResult{R"({"a": 1})", "", false}, PayloadVersion::kV2);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"a": 1})");
  auto v1 = MapFunctionResult(FunctionResult{R"({"a": 1})", "", false}, PayloadVersion::kV1);
  EXPECT_EQ(v1.status, 502);
}

}  // namespace
}  // namespace raincheck::local
