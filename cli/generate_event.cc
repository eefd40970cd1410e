// `raincheck generate-event apigw-v1|apigw-v2|function-url [--city X] ...`: a sample event
// for `raincheck invoke -e -`, like `sam local generate-event`. Each event has the shape of
// a real one published by AWS (data/events/aws-samples/, provenance there):
//   apigw-v1      aws-lambda-go events/testdata/apigw-request.json (REST API, payload 1.0)
//   apigw-v2      aws-lambda-go events/testdata/apigw-v2-request-no-authorizer.json (HTTP API)
//   function-url  aws-lambda-go lambdaurl/testdata/function-url-request-with-headers-and-
//                 cookies-and-text-body.json
// with this request's method, path, query and body, and the time of generation.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "base/env.h"
#include "base/strings.h"
#include "cli/commands.h"

namespace raincheck::cli {
namespace {

using Json = nlohmann::ordered_json;

struct EventFlags {
  std::string city;
  std::string method = "GET";
  std::string path = "/forecast";
  std::string body;
  bool has_body = false;
};

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string raw_query;  // "city=Cape%20Town"
  std::string body;
  bool has_body = false;
  std::string content_type;
  std::string request_id;
  int64_t epoch_ms = 0;
  std::string time;  // "21/Apr/2020:15:08:21 +0000", as requestContext carries it
};

Request MakeRequest(const EventFlags& f) {
  Request r;
  r.method = f.method;
  for (char& c : r.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.path = f.path.empty() || f.path[0] != '/' ? "/" + f.path : f.path;
  if (!f.city.empty()) {
    r.query["city"] = f.city;
    r.raw_query = "city=" + base::UrlEncode(f.city);
  }
  r.has_body = f.has_body;
  r.body = f.body;
  if (r.has_body) {
    r.content_type = nlohmann::json::accept(r.body) ? "application/json" : "text/plain";
  }
  r.request_id = base::NewUuid();
  const auto now = std::chrono::system_clock::now();
  r.epoch_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  r.time = buf;
  return r;
}

Json V1(const Request& r) {
  const std::string host = "gy415nuibc.execute-api.us-east-1.amazonaws.com";
  Json headers = {{"Accept", "*/*"},
                  {"Accept-Encoding", "gzip, deflate"},
                  {"CloudFront-Forwarded-Proto", "https"},
                  {"CloudFront-Viewer-Country", "US"},
                  {"Host", host},
                  {"User-Agent", "curl/8.5.0"},
                  {"X-Forwarded-For", "203.0.113.7, 54.182.214.83"},
                  {"X-Forwarded-Port", "443"},
                  {"X-Forwarded-Proto", "https"}};
  if (r.has_body) headers["Content-Type"] = r.content_type;
  Json multi_headers = Json::object();
  for (const auto& [name, value] : headers.items()) multi_headers[name] = Json::array({value});
  Json query = nullptr;  // API Gateway sends null, not {}, without a query string
  Json multi_query = nullptr;
  if (!r.query.empty()) {
    query = Json::object();
    multi_query = Json::object();
    for (const auto& [k, v] : r.query) {
      query[k] = v;
      multi_query[k] = Json::array({v});
    }
  }
  Json event;
  event["resource"] = "/{proxy+}";
  event["path"] = r.path;
  event["httpMethod"] = r.method;
  event["headers"] = headers;
  event["multiValueHeaders"] = multi_headers;
  event["queryStringParameters"] = query;
  event["multiValueQueryStringParameters"] = multi_query;
  event["pathParameters"] = {{"proxy", r.path.substr(1)}};
  event["stageVariables"] = nullptr;
  event["requestContext"] = {
      {"accountId", "123456789012"},
      {"resourceId", "roq9wj"},
      {"path", "/prod" + r.path},
      {"stage", "prod"},
      {"domainName", host},
      {"domainPrefix", "gy415nuibc"},
      {"requestId", r.request_id},
      {"extendedRequestId", "TWegAcC4EowCHnA="},
      {"protocol", "HTTP/1.1"},
      {"identity", {{"sourceIp", "203.0.113.7"}, {"userAgent", "curl/8.5.0"}}},
      {"resourcePath", "/{proxy+}"},
      {"httpMethod", r.method},
      {"requestTime", r.time},
      {"requestTimeEpoch", r.epoch_ms},
      {"apiId", "gy415nuibc"}};
  event["body"] = r.has_body ? Json(r.body) : Json(nullptr);
  event["isBase64Encoded"] = false;
  return event;
}

// HTTP API payload 2.0 and Function URLs share a shape; they differ in the host and routeKey.
Json V2(const Request& r, bool function_url) {
  const std::string prefix = function_url ? "abcdefghijklmnopqrstuvwxyz012345" : "abcdef1234";
  const std::string host = function_url ? prefix + ".lambda-url.us-east-1.on.aws"
                                        : prefix + ".execute-api.us-east-1.amazonaws.com";
  const std::string route = function_url ? "$default" : r.method + " " + r.path;
  Json headers = {{"accept", "*/*"},
                  {"host", host},
                  {"user-agent", "curl/8.5.0"},
                  {"x-amzn-trace-id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"},
                  {"x-forwarded-for", "203.0.113.7"},
                  {"x-forwarded-port", "443"},
                  {"x-forwarded-proto", "https"}};
  if (r.has_body) {
    headers["content-length"] = std::to_string(r.body.size());
    headers["content-type"] = r.content_type;
  }
  Json event;
  event["version"] = "2.0";
  event["routeKey"] = route;
  event["rawPath"] = r.path;
  event["rawQueryString"] = r.raw_query;
  event["headers"] = headers;
  if (!r.query.empty()) {
    event["queryStringParameters"] = Json::object();
    for (const auto& [k, v] : r.query) event["queryStringParameters"][k] = v;
  }
  Json context = {{"accountId", function_url ? "anonymous" : "123456789012"},
                  {"apiId", prefix},
                  {"domainName", host},
                  {"domainPrefix", prefix},
                  {"http",
                   {{"method", r.method},
                    {"path", r.path},
                    {"protocol", "HTTP/1.1"},
                    {"sourceIp", "203.0.113.7"},
                    {"userAgent", "curl/8.5.0"}}},
                  {"requestId", r.request_id},
                  {"routeKey", route},
                  {"stage", "$default"},
                  {"time", r.time},
                  {"timeEpoch", r.epoch_ms}};
  event["requestContext"] = context;
  if (r.has_body) event["body"] = r.body;
  event["isBase64Encoded"] = false;
  return event;
}

}  // namespace

void RegisterGenerateEvent(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "generate-event",
      "Print a sample event for raincheck invoke -e - (like sam local generate-event)");
  cmd->require_subcommand(1);
  struct Kind {
    const char* name;
    const char* description;
  };
  static constexpr Kind kKinds[] = {
      {"apigw-v1", "API Gateway REST API event (payload 1.0)"},
      {"apigw-v2", "API Gateway HTTP API event (payload 2.0)"},
      {"function-url", "Lambda Function URL event"},
  };
  for (const Kind& kind : kKinds) {
    auto flags = std::make_shared<EventFlags>();
    CLI::App* sub = cmd->add_subcommand(kind.name, kind.description);
    sub->add_option("--city", flags->city,
                    "The city asked for (?city=...; none: the default city)");
    sub->add_option("--method", flags->method, "HTTP method")->default_val("GET");
    sub->add_option("--path", flags->path, "Request path")->default_val("/forecast");
    CLI::Option* body = sub->add_option("--body", flags->body, "Request body");
    const std::string name = kind.name;
    sub->callback([flags, body, name, exit_code] {
      const bool token =
          !flags->method.empty() &&
          flags->method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
              std::string::npos;
      if (!token) {
        std::fprintf(stderr, "raincheck generate-event: --method takes a method name, e.g. GET\n");
        *exit_code = kExitUsage;
        return;
      }
      flags->has_body = body->count() > 0;
      const Request request = MakeRequest(*flags);
      const Json event = name == "apigw-v1" ? V1(request) : V2(request, name == "function-url");
      std::printf("%s\n", event.dump(2).c_str());
      *exit_code = kExitOk;
    });
  }
}

}  // namespace raincheck::cli
