// The inverse of ParseEvent: the API Gateway event a local gateway hands to the function for an
// HTTP request, shaped as REST APIs (payload 1.0) or HTTP APIs (payload 2.0) shape it.
// See docs/start_api.md for the field-by-field mapping.
#ifndef RAINCHECK_LAMBDA_EVENT_BUILDER_H_
#define RAINCHECK_LAMBDA_EVENT_BUILDER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "lambda/event.h"

namespace raincheck::lambda {

// An HTTP request as it arrived, before any decoding.
struct IncomingRequest {
  std::string method;     // "GET"
  std::string raw_path;   // "/forecast" as on the request line (percent-encoded)
  std::string raw_query;  // "city=Cape%20Town&format=json" (no '?')
  std::string protocol = "HTTP/1.1";
  // In arrival order, names as sent; repeated names allowed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;       // raw bytes
  std::string source_ip;  // the peer address
};

struct EventOptions {
  PayloadVersion version = PayloadVersion::kV2;
  std::string request_id;  // requestContext.requestId; empty: a new UUID
  base::TimePoint time;    // requestContext.requestTime(Epoch) / time(Epoch)
  std::string stage;       // empty: "Prod" (1.0, as SAM names it) / "$default" (2.0)
  std::string resource;    // 1.0 resource / resourcePath; empty: the request's path
  std::string route_key;   // 2.0 routeKey; empty: "$default"
  std::string account_id = "123456789012";
  std::string api_id = "1234567890";
};

// True when a body with this Content-Type is handed over base64-encoded (everything except
// text/*, JSON, XML, JavaScript and form data; the parameters after ';' are ignored).
bool IsBinaryContentType(std::string_view content_type);

// Builds the event JSON. 1.0: headers (last value) and multiValueHeaders (all), names as sent;
// queryStringParameters (last value) and multiValueQueryStringParameters, both null when there
// is no query; body null when empty. 2.0: header names lower-cased and repeated values joined
// by ",", Cookie moved to `cookies`, rawQueryString as sent, queryStringParameters (values
// joined by ",") absent when there is no query, body absent when empty. Paths and query values
// are percent-decoded ('+' is a space in the query). The body is base64-encoded when it is not
// valid UTF-8 or its Content-Type is binary. Never fails: invalid bytes end up base64 or as
// U+FFFD in the JSON text.
std::string BuildEvent(const IncomingRequest& request, const EventOptions& options);

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_EVENT_BUILDER_H_
