#include "http/curl_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/fakes/loopback_server.h"

namespace raincheck::http {
namespace {

using std::chrono::milliseconds;

class CurlClientTest : public ::testing::Test {
 protected:
  CurlClientTest() : client_(clock_, Options()) {}

  static CurlClientOptions Options() {
    CurlClientOptions o;
    o.base_backoff = milliseconds(5);
    o.max_backoff = milliseconds(20);
    return o;
  }

  Request Get(const std::string& path, milliseconds budget = milliseconds(5000)) {
    Request r;
    r.url = server_.base_url() + path;
    r.deadline = clock_.Now() + budget;
    return r;
  }

  base::SystemClock clock_;
  fakes::LoopbackServer server_;  // declared first: destroyed after the client's connections
  CurlClient client_;
};

TEST(FindHeaderTest, IsCaseInsensitiveAndReturnsTheFirst) {
  const Headers h = {{"Content-Type", "a"}, {"X-Thing", "1"}, {"x-thing", "2"}};
  EXPECT_EQ(FindHeader(h, "content-type"), "a");
  EXPECT_EQ(FindHeader(h, "X-THING"), "1");
  EXPECT_EQ(FindHeader(h, "missing"), std::nullopt);
}

TEST_F(CurlClientTest, ReturnsStatusHeadersAndBody) {
  server_.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Answer", "42");
    res.set_content("hi there", "text/plain");
  });
  server_.Start();
  auto r = client_.Send(Get("/hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi there");
  EXPECT_EQ(FindHeader(r->headers, "x-answer"), "42");
  EXPECT_EQ(r->attempts, 1);
}

TEST_F(CurlClientTest, SendsMethodHeadersAndBody) {
  server_.server().Put("/obj", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + "|" + req.get_header_value("X-Custom") + "|" + req.body,
                    "text/plain");
  });
  server_.Start();
  Request r = Get("/obj");
  r.method = "PUT";
  r.headers = {{"X-Custom", "v1"}};
  r.body = "payload";
  auto res = client_.Send(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body, "PUT|v1|payload");
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.count("Expect"), 0u);
}

TEST_F(CurlClientTest, RetriesOn503ThenSucceeds) {
  std::atomic<int> calls{0};
  server_.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 503;
      res.set_content("busy", "text/plain");
    } else {
      res.set_content("ok", "text/plain");
    }
  });
  server_.Start();
  auto r = client_.Send(Get("/flaky"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(CurlClientTest, Persistent5xxIsReturnedAfterRetriesAreUsedUp) {
  std::atomic<int> calls{0};
  server_.server().Get("/down", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 500;
  });
  server_.Start();
  Request req = Get("/down");
  req.max_retries = 3;
  auto r = client_.Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->attempts, 4);
  EXPECT_EQ(calls.load(), 4);
}

TEST_F(CurlClientTest, DoesNotRetryOn404) {
  std::atomic<int> calls{0};
  server_.server().Get("/missing", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 404;
    res.set_content("{\"error\":\"Unable to geocode\"}", "application/json");
  });
  server_.Start();
  auto r = client_.Send(Get("/missing"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(CurlClientTest, HonoursRetryAfterOn429) {
  std::atomic<int> calls{0};
  server_.server().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
    } else {
      res.set_content("ok", "text/plain");
    }
  });
  server_.Start();
  const auto start = clock_.Now();
  auto r = client_.Send(Get("/limited"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  // The second attempt came no earlier than Retry-After said.
  EXPECT_GE(clock_.Now() - start, milliseconds(1000));
}

TEST_F(CurlClientTest, ReturnsThe429WhenRetryAfterDoesNotFitTheDeadline) {
  std::atomic<int> calls{0};
  server_.server().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 429;
    res.set_header("Retry-After", "120");
  });
  server_.Start();
  auto r = client_.Send(Get("/limited", milliseconds(3000)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(CurlClientTest, HangingServerGivesDeadlineExceeded) {
  std::atomic<int> calls{0};
  server_.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    server_.SleepUnlessStopped(milliseconds(60000));
    res.set_content("late", "text/plain");
  });
  server_.Start();
  auto r = client_.Send(Get("/hang", milliseconds(300)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(calls.load(), 1);  // the deadline, not an attempt timeout: no retry
}

TEST_F(CurlClientTest, AttemptTimeoutsAreRetriedUntilTheDeadline) {
  std::atomic<int> calls{0};
  server_.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    server_.SleepUnlessStopped(milliseconds(60000));
    res.set_content("late", "text/plain");
  });
  server_.Start();
  Request req = Get("/hang", milliseconds(2000));
  req.attempt_timeout = milliseconds(100);
  req.max_retries = 2;
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(CurlClientTest, PassedDeadlineSendsNothing) {
  std::atomic<int> calls{0};
  server_.server().Get("/x", [&](const httplib::Request&, httplib::Response&) { ++calls; });
  server_.Start();
  base::ManualClock manual(clock_.Now());
  CurlClient client(manual, Options());
  Request req = Get("/x");
  req.deadline = manual.Now() - milliseconds(1);
  auto r = client.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(CurlClientTest, NoDeadlineWaitsForASlowServer) {
  server_.server().Get("/next", [&](const httplib::Request&, httplib::Response& res) {
    server_.SleepUnlessStopped(milliseconds(300));
    res.set_content("event", "application/json");
  });
  server_.Start();
  Request req = Get("/next");
  req.deadline = std::nullopt;
  req.attempt_timeout = milliseconds(0);
  auto r = client_.Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "event");
}

TEST_F(CurlClientTest, BodyOverTheCapIsResourceExhausted) {
  server_.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, 'x'), "text/plain");
  });
  server_.Start();
  Request req = Get("/big");
  req.max_response_bytes = 10000;
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
  req.max_response_bytes = 100000;  // exactly the size: accepted
  auto ok = client_.Send(req);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body.size(), 100000u);
}

TEST_F(CurlClientTest, ChunkedBodyOverTheCapIsResourceExhausted) {
  server_.server().Get("/stream", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
      const std::string chunk(4096, 'y');
      sink.write(chunk.data(), chunk.size());
      if (offset > 1000000) sink.done();
      return true;
    });
  });
  server_.Start();
  Request req = Get("/stream");
  req.max_response_bytes = 20000;
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
}

TEST_F(CurlClientTest, ConnectionRefusedIsUnavailable) {
  Request req;
  req.url = "http://127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort()) + "/x";
  req.deadline = clock_.Now() + milliseconds(3000);
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

TEST_F(CurlClientTest, ConnectionResetIsUnavailableAndRetried) {
  fakes::RawTcpServer reset("", /*reset=*/true);
  Request req;
  req.url = reset.base_url() + "/x";
  req.deadline = clock_.Now() + milliseconds(3000);
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_EQ(reset.connections(), 3);
}

TEST_F(CurlClientTest, TruncatedAndGarbageRepliesAreUnavailable) {
  fakes::RawTcpServer truncated("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":", false);
  Request req;
  req.url = truncated.base_url() + "/x";
  req.deadline = clock_.Now() + milliseconds(3000);
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();

  fakes::RawTcpServer garbage("SSH-2.0-OpenSSH_9.2\r\n", false);
  req.url = garbage.base_url() + "/x";
  auto g = client_.Send(req);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnavailable) << g.status().ToString();
}

TEST_F(CurlClientTest, ReusesConnectionsAcrossCalls) {
  std::mutex mu;
  std::vector<int> ports;
  server_.server().Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ports.push_back(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  server_.Start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client_.Send(Get("/x")).ok());
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
}

TEST_F(CurlClientTest, ErrorsDoNotCarryThePathOrQuery) {
  Request req;
  req.url = "http://user:secretpw@127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort()) +
            "/forecast/SECRETKEY/1,2?key=SECRETKEY";
  req.deadline = clock_.Now() + milliseconds(3000);
  req.max_retries = 0;
  auto r = client_.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("SECRETKEY"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("secretpw"), std::string::npos) << r.status().message();
}

TEST_F(CurlClientTest, RejectsHeaderInjectionAndOtherSchemes) {
  Request req;
  req.url = "http://127.0.0.1:1/x";
  req.headers = {{"X-A", "v\r\nX-Injected: 1"}};
  EXPECT_EQ(client_.Send(req).status().code(), StatusCode::kInvalidArgument);
  Request file;
  file.url = "file:///etc/passwd";
  EXPECT_EQ(client_.Send(file).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CurlClientTest, IsSafeToShareBetweenThreads) {
  std::atomic<int> calls{0};
  server_.server().Get("/x", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.set_content("ok", "text/plain");
  });
  server_.Start();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        auto r = client_.Send(Get("/x"));
        if (r.ok() && r->status == 200 && r->body == "ok") ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 90);
  EXPECT_EQ(calls.load(), 90);
}

}  // namespace
}  // namespace raincheck::http
