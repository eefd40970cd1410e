#include "providers/internal/upstream.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace raincheck::providers::internal {

Result<http::Response> Get(const Upstream& up, const std::string& url, const base::CallContext& ctx,
                           http::Headers headers, const GetOptions& options) {
  http::Request req;
  req.method = "GET";
  req.url = url;
  req.headers = std::move(headers);
  req.headers.emplace_back("Accept", "application/json");
  req.deadline = ctx.deadline.at();
  req.attempt_timeout = options.attempt_timeout;
  req.connect_timeout = options.connect_timeout;
  req.max_retries = options.max_retries;
  req.max_response_bytes = kMaxUpstreamBytes;
  auto res = up.client.Send(req);
  if (res.ok()) return res;
  const Status& s = res.status();
  const std::string name(up.name);
  up.logger.Warn("upstream request failed",
                 {{"upstream", name}, {"error", std::string(StatusCodeName(s.code()))}});
  switch (s.code()) {
    case StatusCode::kDeadlineExceeded:
      return Status::DeadlineExceeded(name + " did not answer before the deadline");
    case StatusCode::kResourceExhausted:
      return Status::Unavailable(name + " sent an oversized response");
    default:
      return Status::Unavailable(name + " is unreachable");
  }
}

namespace {

Status StatusForHttpError(const Upstream& up, const http::Response& response) {
  const std::string name(up.name);
  up.logger.Warn(
      "upstream error status",
      {{"upstream", name}, {"status", response.status}, {"attempts", response.attempts}});
  const std::string code = std::to_string(response.status);
  if (response.status == 401 || response.status == 403) {
    return Status::PermissionDenied(name + " refused the API key (HTTP " + code + ")");
  }
  if (response.status == 429) {
    return Status::ResourceExhausted(name + " rate limit reached (HTTP 429)");
  }
  return Status::Unavailable(name + " answered HTTP " + code);
}

Result<nlohmann::json> ParseJson(const Upstream& up, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Malformed(up, "not JSON");
  return j;
}

}  // namespace

Result<nlohmann::json> JsonBody(const Upstream& up, const http::Response& response) {
  if (response.status != 200) return StatusForHttpError(up, response);
  return ParseJson(up, response.body);
}

std::optional<double> NumberAt(const nlohmann::json& obj, std::string_view key, bool allow_string) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (allow_string && it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::string> StringAt(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Status Malformed(const Upstream& up, std::string_view what) {
  up.logger.Warn("malformed upstream response", {{"upstream", std::string(up.name)}});
  return Status::Unavailable(std::string(up.name) + ": malformed response: " + std::string(what));
}

namespace {

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::optional<std::chrono::sys_seconds> ParseIsoLocalMinutes(std::string_view s) {
  if (s.size() != 16 && s.size() != 19) return std::nullopt;
  const auto date = base::ParseIsoDate(s.substr(0, 10));
  int hh = 0, mm = 0, ss = 0;
  if (!date || s[10] != 'T' || s[13] != ':' || !ParseInt(s.substr(11, 2), &hh) ||
      !ParseInt(s.substr(14, 2), &mm) || hh > 23 || mm > 59) {
    return std::nullopt;
  }
  if (s.size() == 19 && (s[16] != ':' || !ParseInt(s.substr(17, 2), &ss) || ss > 60)) {
    return std::nullopt;
  }
  // base::TimePoint counts nanoseconds in 64 bits (years 1678-2262): a year beyond would
  // overflow when the time is converted to it.
  if (date->year() < std::chrono::year(1900) || date->year() > std::chrono::year(2200)) {
    return std::nullopt;
  }
  return std::chrono::sys_days(*date) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
         std::chrono::seconds(ss);
}

std::string FormatCoordinate(double degrees) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5f", degrees);
  return buf;
}

}  // namespace raincheck::providers::internal
