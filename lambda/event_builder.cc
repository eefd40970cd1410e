#include "lambda/event_builder.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "base/env.h"
#include "base/strings.h"

namespace raincheck::lambda {

namespace {

using nlohmann::json;
using NamedValues = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Groups values by name, case-insensitively when `fold_case`, keeping the first spelling and
// the order of first appearance. Linear in the number of items: one hash lookup each (a
// request may carry as many headers as the server lets through, docs/start_api.md).
NamedValues Group(const std::vector<std::pair<std::string, std::string>>& items, bool fold_case) {
  NamedValues out;
  std::unordered_map<std::string, size_t> index;  // name (lower-cased when folding) -> out[i]
  index.reserve(items.size());
  for (const auto& [name, value] : items) {
    auto [it, inserted] = index.try_emplace(fold_case ? base::AsciiLower(name) : name, out.size());
    if (inserted) {
      out.push_back({name, {value}});
    } else {
      out[it->second].second.push_back(value);
    }
  }
  return out;
}

// "a=1&a=2&b" -> [(a,1), (a,2), (b,"")], percent-decoded with '+' as a space.
std::vector<std::pair<std::string, std::string>> QueryPairs(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  if (raw.empty()) return out;
  for (const std::string& pair : base::Split(raw, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out.emplace_back(
        base::UrlDecode(pair.substr(0, eq), true),
        eq == std::string::npos ? std::string() : base::UrlDecode(pair.substr(eq + 1), true));
  }
  return out;
}

// "28/Nov/2026:02:30:00 +0000", the format of requestTime / time.
std::string ClfTime(base::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[static_cast<size_t>(tm.tm_mon) % 12], tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::string HeaderValue(const IncomingRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (base::EqualsIgnoreAsciiCase(k, name)) return v;
  }
  return "";
}

// The request's path, percent-decoded ('+' stays '+').
std::string DecodedPath(const IncomingRequest& r) {
  std::string path = base::UrlDecode(r.raw_path, false);
  return path.empty() ? "/" : path;
}

void SetBody(const IncomingRequest& r, json* event, bool null_when_empty) {
  const bool binary =
      !base::IsValidUtf8(r.body) || IsBinaryContentType(HeaderValue(r, "content-type"));
  if (r.body.empty()) {
    if (null_when_empty) (*event)["body"] = nullptr;
    (*event)["isBase64Encoded"] = false;
    return;
  }
  (*event)["body"] = binary ? base::Base64Encode(r.body) : r.body;
  (*event)["isBase64Encoded"] = binary;
}

std::string BuildV1(const IncomingRequest& r, const EventOptions& o, const std::string& id) {
  const std::string path = DecodedPath(r);
  const std::string stage = o.stage.empty() ? "Prod" : o.stage;
  const std::string resource = o.resource.empty() ? path : o.resource;
  const std::string host = HeaderValue(r, "host");
  json e = json::object();
  e["version"] = "1.0";
  e["resource"] = resource;
  e["path"] = path;
  e["httpMethod"] = r.method;

  json headers = json::object();
  json multi_headers = json::object();
  for (const auto& [name, values] : Group(r.headers, true)) {
    headers[name] = values.back();
    multi_headers[name] = values;
  }
  e["headers"] = std::move(headers);
  e["multiValueHeaders"] = std::move(multi_headers);

  const auto query = Group(QueryPairs(r.raw_query), false);
  if (query.empty()) {
    e["queryStringParameters"] = nullptr;
    e["multiValueQueryStringParameters"] = nullptr;
  } else {
    json single = json::object();
    json multi = json::object();
    for (const auto& [key, values] : query) {
      single[key] = values.back();
      multi[key] = values;
    }
    e["queryStringParameters"] = std::move(single);
    e["multiValueQueryStringParameters"] = std::move(multi);
  }
  e["pathParameters"] = nullptr;
  e["stageVariables"] = nullptr;

  const int64_t epoch_ms = base::ToUnixMillis(o.time);
  json identity = {{"sourceIp", r.source_ip}, {"userAgent", HeaderValue(r, "user-agent")},
                   {"accountId", nullptr},    {"caller", nullptr},
                   {"user", nullptr},         {"userArn", nullptr},
                   {"apiKey", nullptr},       {"cognitoIdentityId", nullptr}};
  e["requestContext"] = {
      {"accountId", o.account_id},
      {"apiId", o.api_id},
      {"resourceId", "123456"},
      {"resourcePath", resource},
      {"httpMethod", r.method},
      {"path", "/" + stage + path},
      {"protocol", r.protocol},
      {"stage", stage},
      {"requestId", id},
      {"extendedRequestId", id},
      {"requestTime", ClfTime(o.time)},
      {"requestTimeEpoch", epoch_ms},
      {"domainName", host},
      {"domainPrefix", host.substr(0, host.find('.'))},
      {"identity", std::move(identity)},
  };
  SetBody(r, &e, /*null_when_empty=*/true);
  return e.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string BuildV2(const IncomingRequest& r, const EventOptions& o, const std::string& id) {
  const std::string path = DecodedPath(r);
  const std::string host = HeaderValue(r, "host");
  const std::string route_key = o.route_key.empty() ? "$default" : o.route_key;
  json e = json::object();
  e["version"] = "2.0";
  e["routeKey"] = route_key;
  e["rawPath"] = path;
  e["rawQueryString"] = r.raw_query;

  json headers = json::object();
  std::vector<std::string> cookies;
  for (const auto& [name, values] : Group(r.headers, true)) {
    const std::string lower = base::AsciiLower(name);
    if (lower == "cookie") {
      for (const std::string& v : values) {
        for (const std::string& part : base::Split(v, ';')) {
          const std::string_view item = base::Trim(part);
          if (!item.empty()) cookies.emplace_back(item);
        }
      }
      continue;
    }
    headers[lower] = base::Join(values, ",");
  }
  if (!cookies.empty()) e["cookies"] = std::move(cookies);
  e["headers"] = std::move(headers);

  const auto query = Group(QueryPairs(r.raw_query), false);
  if (!query.empty()) {
    json single = json::object();
    for (const auto& [key, values] : query) single[key] = base::Join(values, ",");
    e["queryStringParameters"] = std::move(single);
  }

  e["requestContext"] = {
      {"accountId", o.account_id},
      {"apiId", o.api_id},
      {"domainName", host},
      {"domainPrefix", host.substr(0, host.find('.'))},
      {"http",
       {{"method", r.method},
        {"path", path},
        {"protocol", r.protocol},
        {"sourceIp", r.source_ip},
        {"userAgent", HeaderValue(r, "user-agent")}}},
      {"requestId", id},
      {"routeKey", route_key},
      {"stage", o.stage.empty() ? "$default" : o.stage},
      {"time", ClfTime(o.time)},
      {"timeEpoch", base::ToUnixMillis(o.time)},
  };
  SetBody(r, &e, /*null_when_empty=*/false);
  return e.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

bool IsBinaryContentType(std::string_view content_type) {
  std::string type = base::AsciiLower(base::Trim(content_type.substr(0, content_type.find(';'))));
  if (type.empty() || base::StartsWith(type, "text/")) return false;
  static constexpr std::string_view kTextTypes[] = {
      "application/json",       "application/xml",
      "application/javascript", "application/x-www-form-urlencoded",
      "application/ecmascript", "application/graphql"};
  for (std::string_view t : kTextTypes) {
    if (type == t) return false;
  }
  // Structured syntax suffixes: application/problem+json, image/svg+xml, ...
  return !(type.ends_with("+json") || type.ends_with("+xml"));
}

std::string BuildEvent(const IncomingRequest& request, const EventOptions& options) {
  const std::string id = options.request_id.empty() ? base::NewUuid() : options.request_id;
  return options.version == PayloadVersion::kV1 ? BuildV1(request, options, id)
                                                : BuildV2(request, options, id);
}

}  // namespace raincheck::lambda
