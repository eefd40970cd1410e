// API Gateway REST (payload 1.0), HTTP API (payload 2.0) and Function URL events, parsed into
// one request type; proxy responses serialized for each payload version.
#ifndef RAINCHECK_LAMBDA_EVENT_H_
#define RAINCHECK_LAMBDA_EVENT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace raincheck::lambda {

// 1.0: API Gateway REST API. 2.0: HTTP API and Lambda Function URLs (same shape).
enum class PayloadVersion { kV1, kV2 };

struct HttpRequest {
  PayloadVersion version = PayloadVersion::kV2;
  std::string method;  // "GET"
  std::string path;    // "/forecast" (URL-decoded as API Gateway hands it over)

  // Header names lower-cased. `headers` holds one value per name (for 1.0 the event's
  // single-value map, whose value is the last one; for 2.0 values joined by commas);
  // `multi_headers` holds every value.
  std::map<std::string, std::string> headers;
  std::map<std::string, std::vector<std::string>> multi_headers;

  // URL-decoded. `query` keeps the last value of a repeated key for 1.0 and the
  // comma-joined values for 2.0, as API Gateway does; `multi_query` keeps all of them.
  std::map<std::string, std::string> query;
  std::map<std::string, std::vector<std::string>> multi_query;

  std::vector<std::string> cookies;  // "name=value" items
  std::string body;                  // raw bytes (base64 already decoded)
  bool body_was_base64 = false;

  std::string request_id;  // requestContext.requestId
  std::string source_ip;
  std::string user_agent;
  std::string stage;

  // Lookups by case-insensitive header name / exact query key.
  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view key) const;
};

// Parses an event. Errors (InvalidArgument, with a message safe to show to a caller):
// not JSON, not an object, not an API Gateway / Function URL event, a field of the wrong
// type, a base64 body that does not decode.
Result<HttpRequest> ParseEvent(std::string_view event_json);

struct HttpResponse {
  int status = 200;
  // Repeated names are allowed (1.0 emits them in multiValueHeaders, 2.0 joins them).
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> cookies;  // Set-Cookie values
  std::string body;                  // raw bytes
  // Set to send `body` base64-encoded; bodies that are not valid UTF-8 are always encoded.
  bool base64 = false;

  // Replaces every header named `name` (any case) with one value.
  void SetHeader(std::string name, std::string value);
  std::optional<std::string> Header(std::string_view name) const;
};

// The proxy response JSON for `version`:
//   1.0: statusCode, headers (last value), multiValueHeaders (all values, cookies as
//        Set-Cookie), body, isBase64Encoded
//   2.0: statusCode, headers (values joined by ","), cookies, body, isBase64Encoded
std::string SerializeResponse(const HttpResponse& response, PayloadVersion version);

// Reads what a function returned, as API Gateway does for `version`. Both versions accept
// statusCode, headers, multiValueHeaders, cookies, body and isBase64Encoded. For 2.0, valid
// JSON without a statusCode is itself the body of a 200 application/json response (format
// inference). Fails with InvalidArgument when the response is malformed, to which API
// Gateway answers 502.
Result<HttpResponse> ParseResponse(std::string_view response_json, PayloadVersion version);

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_EVENT_H_
