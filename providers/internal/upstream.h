// Shared plumbing of the HTTP providers: one GET with the invocation's deadline, HTTP status
// and transport errors mapped to provider Status codes, and tolerant JSON field readers.
#ifndef RAINCHECK_PROVIDERS_INTERNAL_UPSTREAM_H_
#define RAINCHECK_PROVIDERS_INTERNAL_UPSTREAM_H_

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/deadline.h"
#include "base/log.h"
#include "base/status.h"
#include "http/client.h"

namespace raincheck::providers::internal {

// Upstream bodies we accept (the largest real answer is a few KiB).
inline constexpr size_t kMaxUpstreamBytes = 1u << 20;

struct Upstream {
  std::string_view name;  // "openmeteo"; used in messages and logs
  http::Client& client;
  const base::Logger& logger;
};

// How one Get() runs; the defaults suit the function's per-invocation calls.
struct GetOptions {
  std::chrono::milliseconds attempt_timeout{4000};
  std::chrono::milliseconds connect_timeout{1500};
  int max_retries = 2;  // the http::Client's own retries (0: the caller retries itself)
};

// GET `url` before ctx.deadline. Transport failures become DeadlineExceeded / Unavailable;
// an oversized body is Unavailable. Any HTTP status is returned as is. `url` is never logged
// nor put in a message (it may carry a key or the user's query).
Result<http::Response> Get(const Upstream& up, const std::string& url, const base::CallContext& ctx,
                           http::Headers headers = {}, const GetOptions& options = {});

// The JSON body of a 200 answer. Any other status: 401/403 PermissionDenied, 429
// ResourceExhausted, anything else Unavailable, with the status logged (never the body). A body
// that is not JSON: Unavailable("<name>: malformed JSON").
Result<nlohmann::json> JsonBody(const Upstream& up, const http::Response& response);

// A finite number at obj[key] (a number, or a string holding one when `allow_string`),
// or nullopt when the key is absent, null or not a number.
std::optional<double> NumberAt(const nlohmann::json& obj, std::string_view key,
                               bool allow_string = false);
// A string at obj[key], or nullopt.
std::optional<std::string> StringAt(const nlohmann::json& obj, std::string_view key);

// Unavailable("<name>: malformed response: <what>").
Status Malformed(const Upstream& up, std::string_view what);

// "2026-11-28T14:15" (optionally ":SS") as a local time -> seconds since the epoch as if it
// were UTC, or nullopt (also for a year outside 1900-2200, which base::TimePoint may not hold).
// Subtract the UTC offset to get the instant.
std::optional<std::chrono::sys_seconds> ParseIsoLocalMinutes(std::string_view s);
// "%.5f": enough for ~1 m, never exponent notation.
std::string FormatCoordinate(double degrees);

}  // namespace raincheck::providers::internal

#endif  // RAINCHECK_PROVIDERS_INTERNAL_UPSTREAM_H_
