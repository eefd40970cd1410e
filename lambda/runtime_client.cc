#include "lambda/runtime_client.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "base/strings.h"

namespace raincheck::lambda {
namespace {

constexpr std::string_view kApiVersion = "/2018-06-01";

std::string HeaderValue(const http::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (base::EqualsIgnoreAsciiCase(key, name)) return value;
  }
  return {};
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  text = base::Trim(text);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string ErrorReport::ToJson() const {
  nlohmann::json doc = {
      {"errorMessage", message}, {"errorType", type}, {"stackTrace", stack_trace}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status RuntimeStatusFromHttp(int http_status, std::string_view what) {
  const std::string context =
      std::string(what) + ": runtime API answered " + std::to_string(http_status);
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  if (http_status >= 500) return Status::Unavailable(context);
  if (http_status == 400) return Status::InvalidArgument(context);
  if (http_status == 403) return Status::FailedPrecondition(context);
  if (http_status == 413) return Status::ResourceExhausted(context);
  return Status::Internal(context);
}

RuntimeClient::RuntimeClient(const std::string& endpoint, http::Client& http)
    : base_url_("http://" + endpoint + std::string(kApiVersion)), http_(http) {}

Result<http::Response> RuntimeClient::Call(http::Request request) {
  // The Runtime API is local and answers at once; a 5xx means "exit", never "retry".
  request.max_retries = 0;
  request.max_response_bytes = 2 * kMaxResponseBytes;
  // Compression on loopback only costs time (measured in docs/runtime.md).
  request.headers.emplace_back("Accept-Encoding", "identity");
  auto response = http_.Send(request);
  if (!response.ok()) {
    return Status::Unavailable(request.method + " " + request.url.substr(base_url_.size()) + ": " +
                               response.status().ToString());
  }
  return response;
}

Result<NextInvocation> RuntimeClient::Next() {
  http::Request request;
  request.method = "GET";
  request.url = base_url_ + "/runtime/invocation/next";
  request.deadline = std::nullopt;
  // No limit at all: the process may be frozen between invocations for any time.
  request.attempt_timeout = std::chrono::milliseconds(0);
  RC_ASSIGN_OR_RETURN(http::Response response, Call(std::move(request)));
  RC_RETURN_IF_ERROR(RuntimeStatusFromHttp(response.status, "next"));

  NextInvocation next;
  next.context.request_id = HeaderValue(response.headers, "Lambda-Runtime-Aws-Request-Id");
  if (next.context.request_id.empty()) {
    return Status::InvalidArgument("next: the event came without Lambda-Runtime-Aws-Request-Id");
  }
  // A missing or malformed deadline leaves the epoch: the handler sees no time left. So does
  // one the clock cannot hold (before 1970, or after its nanoseconds overflow in 2262).
  constexpr int64_t kLastMillis =
      std::chrono::duration_cast<base::Millis>(base::TimePoint::max().time_since_epoch()).count();
  const auto ms = ParseInt64(HeaderValue(response.headers, "Lambda-Runtime-Deadline-Ms"));
  if (ms && *ms >= 0 && *ms <= kLastMillis) next.context.deadline = base::FromUnixMillis(*ms);
  next.context.function_arn = HeaderValue(response.headers, "Lambda-Runtime-Invoked-Function-Arn");
  next.context.trace_id = HeaderValue(response.headers, "Lambda-Runtime-Trace-Id");
  next.client_context = HeaderValue(response.headers, "Lambda-Runtime-Client-Context");
  next.cognito_identity = HeaderValue(response.headers, "Lambda-Runtime-Cognito-Identity");
  next.event = std::move(response.body);
  return next;
}

Status RuntimeClient::Post(const std::string& path, std::string body, const ErrorReport* error) {
  http::Request request;
  request.method = "POST";
  request.url = base_url_ + path;
  request.body = std::move(body);
  if (error != nullptr) {
    request.headers.emplace_back("Content-Type", "application/vnd.aws.lambda.error+json");
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error->type);
  } else {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  RC_ASSIGN_OR_RETURN(http::Response response, Call(std::move(request)));
  return RuntimeStatusFromHttp(response.status, path);
}

Status RuntimeClient::PostResponse(std::string_view request_id, std::string body) {
  return Post("/runtime/invocation/" + base::UrlEncode(request_id) + "/response", std::move(body),
              nullptr);
}

Status RuntimeClient::PostError(std::string_view request_id, const ErrorReport& error) {
  return Post("/runtime/invocation/" + base::UrlEncode(request_id) + "/error", error.ToJson(),
              &error);
}

Status RuntimeClient::PostInitError(const ErrorReport& error) {
  return Post("/runtime/init/error", error.ToJson(), &error);
}

}  // namespace raincheck::lambda
