#include "lambda/event.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace raincheck::lambda {
namespace {

using nlohmann::json;

// Published AWS samples, copied byte for byte (data/events/aws-samples/README.md).
const std::string kSamples = RAINCHECK_SOURCE_DIR "/data/events/aws-samples/";

std::string ReadEvent(const std::string& name) {
  std::ifstream in(kSamples + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- The published samples -------------------------------------------------------------

TEST(EventTest, RestApiSampleFromAwsLambdaGo) {
  auto r = ParseEvent(ReadEvent("aws-lambda-go__events__testdata__apigw-request.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, PayloadVersion::kV1);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/hello/world");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r->Header("Cache-Control"), "no-cache");
  EXPECT_EQ(r->Query("name"), "me");
  EXPECT_EQ(r->request_id, "deef4878-7910-11e6-8f14-25afc3e9ae33");
  EXPECT_EQ(r->source_ip, "192.168.196.186");
  EXPECT_EQ(r->user_agent, "PostmanRuntime/2.4.5");
  EXPECT_EQ(r->stage, "testStage");
  EXPECT_EQ(r->body, "{\r\n\t\"a\": 1\r\n}");
}

TEST(EventTest, PowertoolsRestEventKeepsLastDuplicatedValueAsApiGatewayDoes) {
  auto r =
      ParseEvent(ReadEvent("powertools-lambda-python__tests__events__apiGatewayProxyEvent.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, PayloadVersion::kV1);
  EXPECT_EQ(r->method, "GET");
  // The sample's single-value map says value1; API Gateway keeps the last one.
  EXPECT_EQ(r->Query("parameter1"), "value2");
  EXPECT_EQ(r->multi_query.at("parameter1"), (std::vector<std::string>{"value1", "value2"}));
  EXPECT_EQ(r->Query("parameter2"), "value");
  EXPECT_EQ(r->multi_headers.at("header2"), (std::vector<std::string>{"value1", "value2"}));
  EXPECT_EQ(r->Header("header2"), "value2");
  EXPECT_EQ(r->source_ip, "192.168.0.1/32");
  EXPECT_EQ(r->user_agent, "user-agent");
  EXPECT_EQ(r->request_id, "id=");
  EXPECT_EQ(r->body, "Hello from Lambda!");
}

TEST(EventTest, HttpApiWithoutQueryString) {
  auto r =
      ParseEvent(ReadEvent("aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, PayloadVersion::kV2);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/");
  EXPECT_TRUE(r->query.empty());  // the key is absent in 2.0
  EXPECT_TRUE(r->multi_query.empty());
  EXPECT_EQ(r->request_id, "LV7fzho-PHcEJPw=");
  EXPECT_EQ(r->source_ip, "1.2.3.4");
  EXPECT_EQ(r->user_agent, "curl/7.58.0");
  EXPECT_EQ(r->body, "");
}

TEST(EventTest, HttpApiJoinsDuplicatedQueryValuesWithCommas) {
  auto r = ParseEvent(ReadEvent("aws-lambda-go__events__testdata__apigw-v2-request-iam.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Query("parameter1"), "value1,value2");
  EXPECT_EQ(r->multi_query.at("parameter1"), (std::vector<std::string>{"value1", "value2"}));
  EXPECT_EQ(r->cookies, (std::vector<std::string>{"cookie1", "cookie2"}));
  EXPECT_EQ(r->Header("header1"), "value1");
  EXPECT_EQ(r->path, "/my/path");
}

TEST(EventTest, FunctionUrlWithBase64Body) {
  auto r =
      ParseEvent(ReadEvent("aws-lambda-go__lambdaurl__testdata__function-url-domain-only-request-"
                           "with-base64-encoded-body.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, PayloadVersion::kV2);
  EXPECT_TRUE(r->body_was_base64);
  EXPECT_EQ(r->body, "<idk/>");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->request_id, "9701a3d4-36ad-40bd-bf0b-a525c987d27f");
}

TEST(EventTest, FunctionUrlWithCookiesAndTextBody) {
  auto r =
      ParseEvent(ReadEvent("aws-lambda-go__lambdaurl__testdata__function-url-request-with-headers-"
                           "and-cookies-and-text-body.json"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, "/hello");
  EXPECT_EQ(r->cookies, (std::vector<std::string>{"foo=bar", "hello=hello"}));
  EXPECT_EQ(r->Query("hello"), "world");
  EXPECT_EQ(r->Query("foo"), "bar");
  EXPECT_EQ(r->Header("Header2"), "h1,h2");
  EXPECT_EQ(r->body, "{\"hello\": \"world\"}");
  EXPECT_FALSE(r->body_was_base64);
}

TEST(EventTest, SamTemplateWithPlaceholdersIsRefusedClearly) {
  auto r = ParseEvent(
      ReadEvent("aws-sam-cli__generated_sample_events__apigateway__AwsProxy.template.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("queryStringParameters"), std::string::npos)
      << r.status().message();
}

TEST(EventTest, EveryPublishedRequestSampleParsesAndEveryResponseSampleIsReadable) {
  int requests = 0, responses = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find("template") != std::string::npos) continue;
    const std::string text = ReadEvent(name);
    if (name.find("response") != std::string::npos) {
      const PayloadVersion v =
          json::parse(text).contains("multiValueHeaders") && name.find("v2") == std::string::npos
              ? PayloadVersion::kV1
              : PayloadVersion::kV2;
      auto r = ParseResponse(text, v);
      EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      ++responses;
    } else {
      auto r = ParseEvent(text);
      EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      ++requests;
    }
  }
  EXPECT_EQ(requests, 6);
  EXPECT_EQ(responses, 3);
}

// --- Edge cases ---------------------------------------------------------------------------

json MinimalV1() {
  return json::parse(R"({"resource": "/", "path": "/forecast", "httpMethod": "GET",
    "headers": null, "multiValueHeaders": null,
    "queryStringParameters": null, "multiValueQueryStringParameters": null,
    "requestContext": {"requestId": "r1", "stage": "prod", "identity": {"sourceIp": "10.1.2.3"}},
    "body": null, "isBase64Encoded": false})");
}

json MinimalV2() {
  return json::parse(R"({"version": "2.0", "routeKey": "$default", "rawPath": "/forecast",
    "rawQueryString": "", "headers": {"host": "x"},
    "requestContext": {"requestId": "r2", "stage": "$default",
      "http": {"method": "GET", "path": "/forecast", "sourceIp": "10.0.0.1", "userAgent": "ua"}},
    "isBase64Encoded": false})");
}

TEST(EventEdgeTest, RestQueryStringParametersNull) {
  auto r = ParseEvent(MinimalV1().dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->query.empty());
  EXPECT_TRUE(r->headers.empty());
  EXPECT_EQ(r->body, "");
  EXPECT_FALSE(r->Query("city").has_value());
  EXPECT_EQ(r->source_ip, "10.1.2.3");
}

TEST(EventEdgeTest, RestDuplicatedKeysKeepLastInSingleMapAndAllInMulti) {
  json e = MinimalV1();
  e["queryStringParameters"] = {{"city", "Paris"}};
  e["multiValueQueryStringParameters"] = {{"city", {"Lima", "Paris"}}};
  auto r = ParseEvent(e.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Query("city"), "Paris");
  EXPECT_EQ(r->multi_query.at("city"), (std::vector<std::string>{"Lima", "Paris"}));
}

TEST(EventEdgeTest, HttpApiQueryKeyAbsentAndRawQueryDecoded) {
  json e = MinimalV2();
  e["rawQueryString"] = "city=Hong%20Kong&city=S%C3%A3o+Paulo&format=json";
  auto r = ParseEvent(e.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Query("city"), "Hong Kong,S\xC3\xA3o Paulo");
  EXPECT_EQ(r->multi_query.at("city"), (std::vector<std::string>{"Hong Kong", "S\xC3\xA3o Paulo"}));
  EXPECT_EQ(r->Query("format"), "json");
}

TEST(EventEdgeTest, HeaderNamesInAnyCase) {
  json e = MinimalV1();
  e["headers"] = {{"AcCePt", "application/json"}};
  auto r = ParseEvent(e.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Header("accept"), "application/json");
  EXPECT_EQ(r->Header("ACCEPT"), "application/json");
  EXPECT_EQ(r->multi_headers.at("accept").size(), 1u);
}

TEST(EventEdgeTest, RestCookiesComeFromTheCookieHeader) {
  json e = MinimalV1();
  e["headers"] = {{"Cookie", "a=1; b=2"}};
  auto r = ParseEvent(e.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cookies, (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(EventEdgeTest, EmptyAndBase64Bodies) {
  json e = MinimalV2();
  e["body"] = "";
  auto empty = ParseEvent(e.dump());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->body, "");

  e["body"] = "AP8Q";  // 0x00 0xFF 0x10
  e["isBase64Encoded"] = true;
  auto binary = ParseEvent(e.dump());
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(binary->body, std::string("\x00\xFF\x10", 3));

  e["body"] = "not base64!";
  auto bad = ParseEvent(e.dump());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(EventEdgeTest, InvalidUtf8IsRefusedNotCrashed) {
  std::string text = MinimalV2().dump();
  text.replace(text.find("/forecast"), 9, "/fore\xFF\xFEst");
  auto r = ParseEvent(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(EventEdgeTest, PercentEncodedInvalidUtf8SurvivesAsBytes) {
  json e = MinimalV2();
  e["rawQueryString"] = "city=%FF%FE";
  auto r = ParseEvent(e.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Query("city"), "\xFF\xFE");  // the handler decides what to do with it
}

TEST(EventEdgeTest, NotJsonOrNotAnObject) {
  for (const char* text : {"", "not json", "{\"a\":", "[1,2]", "\"str\"", "42", "null", "{}",
                           "{\"version\": \"2.0\"}", "{\"httpMethod\": 5}"}) {
    auto r = ParseEvent(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

// Numbers nlohmann cannot hold (1e999 overflows a double, as does an integer of 400 digits)
// must be refused as a bad event wherever they appear, never escape as a library exception.
std::vector<std::string> OutOfRangeNumbers() {
  return {"1e999", "-1e999", "1" + std::string(399, '7'), "-" + std::string(400, '9')};
}

std::vector<std::string> EventsWithNumber(const std::string& n) {
  return {
      n,
      "[" + n + "]",
      R"({"version": "2.0", "rawPath": "/forecast", "requestContext": {"requestId": "r",
          "timeEpoch": )" +
          n + R"(, "http": {"method": "GET"}}})",
      R"({"httpMethod": "GET", "path": "/", "headers": {"accept": )" + n + "}}",
      R"({"httpMethod": "GET", "path": "/", "isBase64Encoded": )" + n + "}",
      R"({"unknown": [1, {"deep": )" + n + R"(}], "httpMethod": "GET", "path": "/"})",
      R"({"version": )" + n + R"(, "httpMethod": "GET"})",
      R"({"version": "2.0", "cookies": [)" + n +
          R"(], "requestContext": {"http": {"method": "GET"}}})",
  };
}

TEST(EventEdgeTest, NumbersOutOfRangeAreAnInvalidEventWhereverTheyAre) {
  for (const std::string& n : OutOfRangeNumbers()) {
    for (const std::string& text : EventsWithNumber(n)) {
      Result<HttpRequest> r = Status::Internal("not run");
      ASSERT_NO_THROW(r = ParseEvent(text)) << text;
      ASSERT_FALSE(r.ok()) << text;
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
      EXPECT_EQ(r.status().message(), "not a valid API Gateway event: a number is out of range")
          << text;
    }
  }
}

TEST(ResponseTest, NumbersOutOfRangeAreAMalformedResponse) {
  for (const std::string& n : OutOfRangeNumbers()) {
    for (const std::string& text :
         {n, "{\"statusCode\": " + n + "}", "{\"statusCode\": 200, \"body\": " + n + "}",
          "{\"statusCode\": 200, \"headers\": {\"x\": " + n + "}}", "{\"hello\": [" + n + "]}"}) {
      for (PayloadVersion v : {PayloadVersion::kV1, PayloadVersion::kV2}) {
        Result<HttpResponse> r = Status::Internal("not run");
        ASSERT_NO_THROW(r = ParseResponse(text, v)) << text;
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
        EXPECT_EQ(r.status().message(), "function response has a number out of range") << text;
      }
    }
  }
}

TEST(EventEdgeTest, WrongFieldTypesAreNamed) {
  json e = MinimalV1();
  e["headers"] = {{"accept", 5}};
  auto r = ParseEvent(e.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("headers.accept"), std::string::npos);
}

// --- Responses ------------------------------------------------------------------------------

TEST(ResponseTest, SerializesV1WithMultiValueHeadersAndCookies) {
  HttpResponse resp;
  resp.status = 404;
  resp.headers = {{"Content-Type", "text/html"}, {"X-A", "1"}, {"x-a", "2"}};
  resp.cookies = {"s=1; HttpOnly"};
  resp.body = "<p>no</p>";
  const json j = json::parse(SerializeResponse(resp, PayloadVersion::kV1));
  EXPECT_EQ(j["statusCode"], 404);
  EXPECT_EQ(j["headers"]["X-A"], "2");
  EXPECT_EQ(j["multiValueHeaders"]["X-A"], json({"1", "2"}));
  EXPECT_EQ(j["multiValueHeaders"]["Set-Cookie"], json({"s=1; HttpOnly"}));
  EXPECT_EQ(j["body"], "<p>no</p>");
  EXPECT_EQ(j["isBase64Encoded"], false);
  EXPECT_FALSE(j.contains("cookies"));
}

TEST(ResponseTest, SerializesV2WithCookiesAndJoinedHeaders) {
  HttpResponse resp;
  resp.headers = {{"Vary", "Accept"}, {"vary", "Origin"}};
  resp.cookies = {"a=1", "b=2"};
  resp.body = "{\"city\":\"\xE6\x9D\xB1\xE4\xBA\xAC\"}";
  const json j = json::parse(SerializeResponse(resp, PayloadVersion::kV2));
  EXPECT_EQ(j["statusCode"], 200);
  EXPECT_EQ(j["headers"]["Vary"], "Accept,Origin");
  EXPECT_EQ(j["cookies"], json({"a=1", "b=2"}));
  EXPECT_FALSE(j.contains("multiValueHeaders"));
  EXPECT_EQ(j["body"], resp.body);
}

TEST(ResponseTest, BinaryBodiesAreBase64Encoded) {
  HttpResponse resp;
  resp.body = std::string("\x89PNG\x00\xFF", 6);
  const json j = json::parse(SerializeResponse(resp, PayloadVersion::kV2));
  EXPECT_EQ(j["isBase64Encoded"], true);
  auto back = ParseResponse(j.dump(), PayloadVersion::kV2);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->body, resp.body);
}

TEST(ResponseTest, RoundTripsThePublishedResponses) {
  auto v1 = ParseResponse(ReadEvent("aws-lambda-go__events__testdata__apigw-response.json"),
                          PayloadVersion::kV1);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->status, 200);
  auto again = ParseResponse(SerializeResponse(*v1, PayloadVersion::kV1), PayloadVersion::kV1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->headers, v1->headers);
  EXPECT_EQ(again->body, v1->body);

  auto url = ParseResponse(ReadEvent("aws-lambda-go__events__testdata__lambda-urls-response.json"),
                           PayloadVersion::kV2);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->status, 201);
  EXPECT_EQ(url->cookies.size(), 2u);
  EXPECT_EQ(url->Header("my-custom-header"), "Custom Value");
  const json j = json::parse(SerializeResponse(*url, PayloadVersion::kV2));
  EXPECT_EQ(j["cookies"][1], "Cookie_2=Value2; Max-Age=78000");

  auto java = ParseResponse(
      ReadEvent(
          "aws-lambda-java-libs__aws-lambda-java-tests__response__apigw_v2_http_response.json"),
      PayloadVersion::kV2);
  ASSERT_TRUE(java.ok());
  EXPECT_EQ(java->cookies, (std::vector<std::string>{"session=abc123; Secure; HttpOnly"}));
  EXPECT_EQ(java->Header("set-cookie"), "cookie1=value1");
}

TEST(ResponseTest, MalformedResponses) {
  EXPECT_FALSE(ParseResponse("nope", PayloadVersion::kV2).ok());
  EXPECT_FALSE(ParseResponse("{\"body\": \"x\"}", PayloadVersion::kV1).ok());
  EXPECT_FALSE(ParseResponse("{\"statusCode\": \"abc\"}", PayloadVersion::kV2).ok());
  EXPECT_FALSE(ParseResponse("{\"statusCode\": 99}", PayloadVersion::kV2).ok());
  EXPECT_FALSE(ParseResponse("{\"statusCode\": 200, \"body\": 5}", PayloadVersion::kV2).ok());
  EXPECT_FALSE(ParseResponse("{\"statusCode\": 200, \"headers\": []}", PayloadVersion::kV2).ok());
  // 2.0 format inference: a JSON value without statusCode is the body of a 200.
  auto inferred = ParseResponse("{\"hello\": 1}", PayloadVersion::kV2);
  ASSERT_TRUE(inferred.ok());
  EXPECT_EQ(inferred->status, 200);
  EXPECT_EQ(inferred->body, "{\"hello\": 1}");
}

}  // namespace
}  // namespace raincheck::lambda
