#include "app/handler.h"

#include <gtest/gtest.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "app/test_support.h"

namespace raincheck::app {
namespace {

using nlohmann::json;
using testing::HttpApiEvent;

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : clock_(base::FromUnixMillis(1'700'000'000'000)),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_.emplace_back(l); }) {
    services_.clock = &clock_;
    services_.logger = &logger_;
    context_.request_id = "req-42";
    context_.deadline = clock_.Now() + std::chrono::seconds(10);
  }

  json Invoke(const std::string& event) {
    auto out = HandleEvent(event, context_, services_);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return json::parse(*out);
  }

  base::ManualClock clock_;
  std::vector<std::string> log_;
  base::Logger logger_;
  Services services_;
  lambda::InvocationContext context_;
};

TEST_F(HandlerTest, HtmlPageNamesTheCity) {
  const json r = Invoke(HttpApiEvent({{"city", "Hong Kong"}}));
  EXPECT_EQ(r["statusCode"], 200);
  EXPECT_EQ(r["headers"]["Content-Type"], "text/html; charset=utf-8");
  const std::string body = r["body"];
  EXPECT_NE(body.find("<h1>City: Hong Kong</h1>"), std::string::npos) << body;
  EXPECT_NE(body.find("req-42"), std::string::npos);
}

TEST_F(HandlerTest, DefaultCityWhenMissing) {
  services_.settings.default_city = "Z\xC3\xBCrich";
  const json r = Invoke(HttpApiEvent({{"format", "json"}}));
  const json body = json::parse(r["body"].get<std::string>());
  EXPECT_EQ(body["city"], "Z\xC3\xBCrich");
  EXPECT_EQ(body["city_defaulted"], true);
}

TEST_F(HandlerTest, JsonKeepsUnicodeUnchanged) {
  for (const std::string city : {"S\xC3\xA3o Paulo", "\xE6\x9D\xB1\xE4\xBA\xAC", "N'Djamena"}) {
    const json r = Invoke(HttpApiEvent({{"city", city}}, "application/json"));
    EXPECT_EQ(r["statusCode"], 200);
    EXPECT_EQ(r["headers"]["Content-Type"], "application/json; charset=utf-8");
    const std::string raw = r["body"];
    EXPECT_NE(raw.find(city), std::string::npos) << "not escaped to \\u sequences: " << raw;
    EXPECT_EQ(json::parse(raw)["city"], city);
    EXPECT_EQ(json::parse(raw)["request_id"], "req-42");
  }
}

TEST_F(HandlerTest, EscapesScriptAndAttributePayloads) {
  const std::vector<std::string> payloads = {
      "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)",
      "</title><script>x</script>", "&lt;already&gt;"};
  for (const std::string& p : payloads) {
    const json r = Invoke(HttpApiEvent({{"city", p}}));
    ASSERT_EQ(r["statusCode"], 200) << p;
    const std::string body = r["body"];
    EXPECT_EQ(body.find("<script>"), std::string::npos) << body;
    EXPECT_EQ(body.find("<img"), std::string::npos) << body;
    EXPECT_EQ(body.find("' onmouseover"), std::string::npos) << body;
    EXPECT_EQ(body.find(p), std::string::npos) << "raw payload in page: " << body;
    EXPECT_NE(body.find(base::HtmlEscape(p)), std::string::npos) << body;
  }
}

TEST_F(HandlerTest, BadCityIs400InTheRequestedFormat) {
  const json html = Invoke(HttpApiEvent({{"city", "   "}}));
  EXPECT_EQ(html["statusCode"], 400);
  EXPECT_NE(html["body"].get<std::string>().find("city is empty"), std::string::npos);

  const json j = Invoke(HttpApiEvent({{"city", std::string(150, 'x')}, {"format", "json"}}));
  EXPECT_EQ(j["statusCode"], 400);
  const json body = json::parse(j["body"].get<std::string>());
  EXPECT_EQ(body["error"]["status"], 400);
  EXPECT_EQ(body["error"]["request_id"], "req-42");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("100"), std::string::npos);

  const json ctl = Invoke(HttpApiEvent({{"city", "a\x01" "b"}, {"format", "json"}}));
  EXPECT_EQ(ctl["statusCode"], 400);
}

TEST_F(HandlerTest, OtherMethodsAre405) {
  const json r = Invoke(HttpApiEvent({{"city", "Paris"}}, "*/*", "POST"));
  EXPECT_EQ(r["statusCode"], 405);
  EXPECT_EQ(r["headers"]["Allow"], "GET, HEAD");
}

TEST_F(HandlerTest, RestEventGetsARestResponse) {
  json e = json::parse(R"({"httpMethod": "GET", "path": "/", "headers": null,
    "queryStringParameters": null, "multiValueQueryStringParameters": null,
    "requestContext": {"requestId": "r"}, "body": null, "isBase64Encoded": false})");
  const json r = Invoke(e.dump());
  EXPECT_EQ(r["statusCode"], 200);
  EXPECT_TRUE(r.contains("multiValueHeaders"));
}

TEST_F(HandlerTest, NonEventsAreErrorsNotResponses) {
  EXPECT_FALSE(HandleEvent("{\"hello\": 1}", context_, services_).ok());
  EXPECT_FALSE(HandleEvent("nope", context_, services_).ok());
}

TEST_F(HandlerTest, LogsNeverCarryTheCity) {
  Invoke(HttpApiEvent({{"city", "Secretville"}}));
  Invoke(HttpApiEvent({{"city", "Secretville\n"}}));
  ASSERT_FALSE(log_.empty());
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find("Secretville"), std::string::npos) << line;
    EXPECT_EQ(json::parse(line)["request_id"], "req-42");
  }
}

}  // namespace
}  // namespace raincheck::app
