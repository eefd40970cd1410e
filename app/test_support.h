// Builders for handler tests: events as API Gateway would send them.
#ifndef RAINCHECK_APP_TEST_SUPPORT_H_
#define RAINCHECK_APP_TEST_SUPPORT_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace raincheck::app::testing {

// An HTTP API (2.0) GET event for `path` with the given raw (unencoded) query pairs.
inline std::string HttpApiEvent(const std::vector<std::pair<std::string, std::string>>& query,
                                const std::string& accept = "*/*", const std::string& method = "GET") {
  std::string raw;
  for (const auto& [k, v] : query) {
    if (!raw.empty()) raw += '&';
    raw += base::UrlEncode(k) + "=" + base::UrlEncode(v);
  }
  nlohmann::json e = {
      {"version", "2.0"},
      {"routeKey", "$default"},
      {"rawPath", "/"},
      {"rawQueryString", raw},
      {"headers", {{"accept", accept}, {"host", "example.test"}}},
      {"requestContext",
       {{"requestId", "test-request"},
        {"stage", "$default"},
        {"http", {{"method", method}, {"path", "/"}, {"sourceIp", "127.0.0.1"}, {"userAgent", "t"}}}}},
      {"isBase64Encoded", false}};
  return e.dump();
}

}  // namespace raincheck::app::testing

#endif  // RAINCHECK_APP_TEST_SUPPORT_H_
