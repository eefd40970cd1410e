#include "lambda/event.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/strings.h"

namespace raincheck::lambda {

namespace {

using nlohmann::json;

Status WrongType(std::string_view field, std::string_view expected) {
  return Status::InvalidArgument("event field '" + std::string(field) + "' is not " +
                                 std::string(expected));
}

// Reads an optional string field; null and absent give "".
Result<std::string> OptString(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return WrongType(key, "a string");
  return it->get<std::string>();
}

// The object at `key`, or nullptr when absent or null.
Result<const json*> OptObject(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return WrongType(key, "an object");
  return &*it;
}

// {"k": "v"} -> map; values must be strings (null values are skipped).
Result<std::map<std::string, std::string>> StringMap(const json* obj, std::string_view field) {
  std::map<std::string, std::string> out;
  if (obj == nullptr) return out;
  for (const auto& [k, v] : obj->items()) {
    if (v.is_null()) continue;
    if (!v.is_string()) return WrongType(std::string(field) + "." + k, "a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

// {"k": ["a", "b"]} -> map; each value must be an array of strings.
Result<std::map<std::string, std::vector<std::string>>> StringListMap(const json* obj,
                                                                      std::string_view field) {
  std::map<std::string, std::vector<std::string>> out;
  if (obj == nullptr) return out;
  for (const auto& [k, v] : obj->items()) {
    if (v.is_null()) continue;
    if (!v.is_array()) return WrongType(std::string(field) + "." + k, "an array");
    auto& values = out[k];
    for (const auto& item : v) {
      if (!item.is_string()) return WrongType(std::string(field) + "." + k, "an array of strings");
      values.push_back(item.get<std::string>());
    }
  }
  return out;
}

template <typename Map>
Map LowerKeys(Map in) {
  Map out;
  for (auto& [k, v] : in) out[base::AsciiLower(k)] = std::move(v);
  return out;
}

// "a=1&a=2&b" -> {a: [1, 2], b: [""]}, URL-decoded ('+' is a space).
std::map<std::string, std::vector<std::string>> ParseQueryString(std::string_view raw) {
  std::map<std::string, std::vector<std::string>> out;
  if (raw.empty()) return out;
  for (const std::string& pair : base::Split(raw, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = base::UrlDecode(pair.substr(0, eq), true);
    const std::string value =
        eq == std::string::npos ? std::string() : base::UrlDecode(pair.substr(eq + 1), true);
    out[key].push_back(value);
  }
  return out;
}

std::vector<std::string> CookiesFromHeader(std::string_view header) {
  std::vector<std::string> out;
  for (const std::string& part : base::Split(header, ';')) {
    const std::string_view item = base::Trim(part);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

Status ParseBody(const json& event, HttpRequest* req) {
  RC_ASSIGN_OR_RETURN(std::string body, OptString(event, "body"));
  const auto b64 = event.find("isBase64Encoded");
  if (b64 != event.end() && !b64->is_null() && !b64->is_boolean()) {
    return WrongType("isBase64Encoded", "a boolean");
  }
  req->body_was_base64 = b64 != event.end() && b64->is_boolean() && b64->get<bool>();
  if (req->body_was_base64) {
    Result<std::string> decoded = base::Base64Decode(body);
    if (!decoded.ok())
      return Status::InvalidArgument("event body is marked base64 but does not decode");
    req->body = std::move(decoded).value();
  } else {
    req->body = std::move(body);
  }
  return Status::Ok();
}

Status ParseV1(const json& event, HttpRequest* req) {
  req->version = PayloadVersion::kV1;
  RC_ASSIGN_OR_RETURN(req->method, OptString(event, "httpMethod"));
  RC_ASSIGN_OR_RETURN(req->path, OptString(event, "path"));

  RC_ASSIGN_OR_RETURN(const json* headers, OptObject(event, "headers"));
  RC_ASSIGN_OR_RETURN(const json* multi_headers, OptObject(event, "multiValueHeaders"));
  RC_ASSIGN_OR_RETURN(auto single_h, StringMap(headers, "headers"));
  RC_ASSIGN_OR_RETURN(auto multi_h, StringListMap(multi_headers, "multiValueHeaders"));
  req->headers = LowerKeys(std::move(single_h));
  req->multi_headers = LowerKeys(std::move(multi_h));
  for (const auto& [k, v] : req->headers) {
    if (!req->multi_headers.count(k)) req->multi_headers[k] = {v};
  }
  for (const auto& [k, values] : req->multi_headers) {
    if (!req->headers.count(k) && !values.empty()) req->headers[k] = values.back();
  }

  RC_ASSIGN_OR_RETURN(const json* query, OptObject(event, "queryStringParameters"));
  RC_ASSIGN_OR_RETURN(const json* multi_query, OptObject(event, "multiValueQueryStringParameters"));
  RC_ASSIGN_OR_RETURN(req->query, StringMap(query, "queryStringParameters"));
  RC_ASSIGN_OR_RETURN(req->multi_query,
                      StringListMap(multi_query, "multiValueQueryStringParameters"));
  // API Gateway keeps the last of repeated values in the single-value map.
  for (const auto& [k, values] : req->multi_query) {
    if (!values.empty()) req->query[k] = values.back();
  }
  for (const auto& [k, v] : req->query) {
    if (!req->multi_query.count(k)) req->multi_query[k] = {v};
  }

  if (const auto it = req->multi_headers.find("cookie"); it != req->multi_headers.end()) {
    for (const std::string& h : it->second) {
      for (std::string& c : CookiesFromHeader(h)) req->cookies.push_back(std::move(c));
    }
  }

  RC_ASSIGN_OR_RETURN(const json* ctx, OptObject(event, "requestContext"));
  if (ctx != nullptr) {
    RC_ASSIGN_OR_RETURN(req->request_id, OptString(*ctx, "requestId"));
    RC_ASSIGN_OR_RETURN(req->stage, OptString(*ctx, "stage"));
    RC_ASSIGN_OR_RETURN(const json* identity, OptObject(*ctx, "identity"));
    if (identity != nullptr) {
      RC_ASSIGN_OR_RETURN(req->source_ip, OptString(*identity, "sourceIp"));
      RC_ASSIGN_OR_RETURN(req->user_agent, OptString(*identity, "userAgent"));
    }
    if (req->method.empty()) {
      RC_ASSIGN_OR_RETURN(req->method, OptString(*ctx, "httpMethod"));
    }
  }
  if (req->user_agent.empty()) req->user_agent = req->Header("user-agent").value_or("");
  return ParseBody(event, req);
}

Status ParseV2(const json& event, HttpRequest* req) {
  req->version = PayloadVersion::kV2;
  RC_ASSIGN_OR_RETURN(const json* ctx, OptObject(event, "requestContext"));
  if (ctx == nullptr) return Status::InvalidArgument("event has no requestContext");
  RC_ASSIGN_OR_RETURN(const json* http, OptObject(*ctx, "http"));
  if (http == nullptr) return Status::InvalidArgument("event has no requestContext.http");
  RC_ASSIGN_OR_RETURN(req->method, OptString(*http, "method"));
  RC_ASSIGN_OR_RETURN(req->source_ip, OptString(*http, "sourceIp"));
  RC_ASSIGN_OR_RETURN(req->user_agent, OptString(*http, "userAgent"));
  RC_ASSIGN_OR_RETURN(req->path, OptString(event, "rawPath"));
  if (req->path.empty()) {
    RC_ASSIGN_OR_RETURN(req->path, OptString(*http, "path"));
  }
  RC_ASSIGN_OR_RETURN(req->request_id, OptString(*ctx, "requestId"));
  RC_ASSIGN_OR_RETURN(req->stage, OptString(*ctx, "stage"));

  RC_ASSIGN_OR_RETURN(const json* headers, OptObject(event, "headers"));
  RC_ASSIGN_OR_RETURN(auto single_h, StringMap(headers, "headers"));
  req->headers = LowerKeys(std::move(single_h));
  for (const auto& [k, v] : req->headers) req->multi_headers[k] = base::Split(v, ',');

  // rawQueryString keeps every value; queryStringParameters joins repeats with commas.
  RC_ASSIGN_OR_RETURN(const std::string raw_query, OptString(event, "rawQueryString"));
  req->multi_query = ParseQueryString(raw_query);
  RC_ASSIGN_OR_RETURN(const json* query, OptObject(event, "queryStringParameters"));
  RC_ASSIGN_OR_RETURN(req->query, StringMap(query, "queryStringParameters"));
  for (const auto& [k, values] : req->multi_query) {
    if (!req->query.count(k)) req->query[k] = base::Join(values, ",");
  }
  for (const auto& [k, v] : req->query) {
    if (!req->multi_query.count(k)) req->multi_query[k] = base::Split(v, ',');
  }

  const auto cookies = event.find("cookies");
  if (cookies != event.end() && !cookies->is_null()) {
    if (!cookies->is_array()) return WrongType("cookies", "an array");
    for (const auto& c : *cookies) {
      if (!c.is_string()) return WrongType("cookies", "an array of strings");
      req->cookies.push_back(c.get<std::string>());
    }
  } else if (auto h = req->Header("cookie")) {
    req->cookies = CookiesFromHeader(*h);
  }
  return ParseBody(event, req);
}

}  // namespace

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  const auto it = headers.find(base::AsciiLower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::Query(std::string_view key) const {
  const auto it = query.find(std::string(key));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Result<HttpRequest> ParseEvent(std::string_view event_json) {
  json event;
  try {
    event = json::parse(event_json);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(std::string("event is not valid JSON: ") + e.what());
  } catch (const json::out_of_range&) {
    // 1e999 or an integer of hundreds of digits: valid JSON no double can hold.
    return Status::InvalidArgument("not a valid API Gateway event: a number is out of range");
  } catch (const json::exception&) {
    return Status::InvalidArgument("not a valid API Gateway event: it cannot be read as JSON");
  }
  if (!event.is_object()) return Status::InvalidArgument("event is not a JSON object");
  HttpRequest req;
  try {
    const auto version = event.find("version");
    if (version != event.end() && version->is_string() && *version == "2.0") {
      RC_RETURN_IF_ERROR(ParseV2(event, &req));
    } else if (event.contains("httpMethod") ||
               (version != event.end() && version->is_string() && *version == "1.0")) {
      RC_RETURN_IF_ERROR(ParseV1(event, &req));
    } else {
      return Status::InvalidArgument(
          "event is not an API Gateway (REST or HTTP API) or Function URL event");
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("event is malformed: ") + e.what());
  }
  if (req.method.empty()) return Status::InvalidArgument("event has no HTTP method");
  return req;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return base::EqualsIgnoreAsciiCase(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (base::EqualsIgnoreAsciiCase(k, name)) return v;
  }
  return std::nullopt;
}

std::string SerializeResponse(const HttpResponse& response, PayloadVersion version) {
  json out = json::object();
  out["statusCode"] = response.status;
  const bool encode = response.base64 || !base::IsValidUtf8(response.body);
  // Group repeated names, keeping the first spelling and the order of first appearance.
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  for (const auto& header : response.headers) {
    auto it = std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) {
      return base::EqualsIgnoreAsciiCase(g.first, header.first);
    });
    if (it == grouped.end()) {
      grouped.push_back({header.first, {header.second}});
    } else {
      it->second.push_back(header.second);
    }
  }
  json headers = json::object();
  if (version == PayloadVersion::kV1) {
    json multi = json::object();
    for (const auto& [k, values] : grouped) {
      headers[k] = values.back();
      multi[k] = values;
    }
    for (const std::string& c : response.cookies) multi["Set-Cookie"].push_back(c);
    out["headers"] = std::move(headers);
    out["multiValueHeaders"] = std::move(multi);
  } else {
    for (const auto& [k, values] : grouped) headers[k] = base::Join(values, ",");
    out["headers"] = std::move(headers);
    out["cookies"] = response.cookies;
  }
  out["body"] = encode ? base::Base64Encode(response.body) : response.body;
  out["isBase64Encoded"] = encode;
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// What API Gateway answers 502 to: "function response <what>".
Status Malformed(std::string_view what) {
  return Status::InvalidArgument("function response " + std::string(what));
}

// A header value as API Gateway takes it: a string as is, a number or boolean as its JSON text.
std::optional<std::string> HeaderValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

// statusCode: an integer or a string of one, from 100 to 599.
Result<int> ReadStatusCode(const json& status) {
  int code = 0;
  if (status.is_number_integer()) {
    code = status.get<int>();
  } else if (status.is_string()) {
    try {
      code = std::stoi(status.get<std::string>());
    } catch (const std::exception&) {
      return Malformed("statusCode is not a number");
    }
  } else {
    return Malformed("statusCode is not a number");
  }
  if (code < 100 || code > 599) return Malformed("statusCode is out of range");
  return code;
}

// The member `name` of `in` when present and not null, else nullptr.
const json* Member(const json& in, const char* name) {
  const auto it = in.find(name);
  return it == in.end() || it->is_null() ? nullptr : &*it;
}

// headers: an object of single values.
Status ReadHeaders(const json& headers, HttpResponse& out) {
  if (!headers.is_object()) return Malformed("headers is not an object");
  for (const auto& [k, v] : headers.items()) {
    auto value = HeaderValue(v);
    if (!value) return Malformed("header value is not a string");
    out.headers.emplace_back(k, *value);
  }
  return Status::Ok();
}

// multiValueHeaders: an object of arrays of values; they replace `headers`' values of the same
// name, as API Gateway merges them.
Status ReadMultiValueHeaders(const json& headers, HttpResponse& out) {
  if (!headers.is_object()) return Malformed("multiValueHeaders is not an object");
  for (const auto& item : headers.items()) {
    const std::string& k = item.key();
    const json& values = item.value();
    if (!values.is_array()) return Malformed("multiValueHeaders value is not an array");
    std::erase_if(out.headers,
                  [&](const auto& e) { return base::EqualsIgnoreAsciiCase(e.first, k); });
    for (const auto& v : values) {
      auto value = HeaderValue(v);
      if (!value) return Malformed("header value is not a string");
      out.headers.emplace_back(k, *value);
    }
  }
  return Status::Ok();
}

// cookies: an array of strings.
Status ReadCookies(const json& cookies, HttpResponse& out) {
  if (!cookies.is_array()) return Malformed("cookies is not an array");
  for (const auto& v : cookies) {
    if (!v.is_string()) return Malformed("cookie is not a string");
    out.cookies.push_back(v.get<std::string>());
  }
  return Status::Ok();
}

// body: a string, base64 to decode when isBase64Encoded says so. Moves the string out of
// `body`.
Status ReadBody(json& body, bool base64, HttpResponse& out) {
  if (!body.is_string()) return Malformed("body is not a string");
  if (!base64) {
    out.body = std::move(body.get_ref<std::string&>());
    return Status::Ok();
  }
  Result<std::string> decoded = base::Base64Decode(body.get_ref<const std::string&>());
  if (!decoded.ok()) return Malformed("body is not valid base64");
  out.body = std::move(decoded).value();
  out.base64 = true;
  return Status::Ok();
}

}  // namespace

Result<HttpResponse> ParseResponse(std::string_view response_json, PayloadVersion version) {
  json in;
  try {
    in = json::parse(response_json);
  } catch (const json::out_of_range&) {
    return Malformed("has a number out of range");
  } catch (const json::exception&) {
    return Malformed("is not valid JSON");
  }
  HttpResponse out;
  if (!in.is_object() || !in.contains("statusCode")) {
    if (version == PayloadVersion::kV1) return Malformed("has no statusCode");
    // Payload 2.0's format inference: the JSON itself is the body.
    out.status = 200;
    out.headers.emplace_back("Content-Type", "application/json");
    out.body = std::string(response_json);
    return out;
  }
  RC_ASSIGN_OR_RETURN(out.status, ReadStatusCode(in["statusCode"]));
  if (const json* h = Member(in, "headers")) RC_RETURN_IF_ERROR(ReadHeaders(*h, out));
  if (const json* h = Member(in, "multiValueHeaders")) {
    RC_RETURN_IF_ERROR(ReadMultiValueHeaders(*h, out));
  }
  if (const json* c = Member(in, "cookies")) RC_RETURN_IF_ERROR(ReadCookies(*c, out));
  bool base64 = false;
  if (const json* b = Member(in, "isBase64Encoded")) {
    if (!b->is_boolean()) return Malformed("isBase64Encoded is not a boolean");
    base64 = b->get<bool>();
  }
  // `in` is ours and goes away: the body is moved out of it.
  if (const auto b = in.find("body"); b != in.end() && !b->is_null()) {
    RC_RETURN_IF_ERROR(ReadBody(*b, base64, out));
  }
  return out;
}

}  // namespace raincheck::lambda
