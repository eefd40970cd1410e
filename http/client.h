// The HTTP client every outbound call goes through (upstream APIs, S3, the Lambda Runtime API).
// An interface so handlers and stores are testable without sockets; the libcurl
// implementation lives in http/curl_client.h.
#ifndef RAINCHECK_HTTP_CLIENT_H_
#define RAINCHECK_HTTP_CLIENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace raincheck::http {

// Header names compare case-insensitively; order and duplicates are kept.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns the first value of `name` (any case), or nullopt.
std::optional<std::string> FindHeader(const Headers& headers, std::string_view name);

// A Retry-After value (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date) as the wait
// from `now`: capped at one day, 0 for a date already past, nullopt when it is neither form.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         base::TimePoint now);

struct Request {
  std::string method = "GET";
  std::string url;  // absolute; query values already URL-encoded by the caller (base::UrlEncode)
  Headers headers;
  std::string body;

  // Never run past this point in time (connect + transfer + retries). nullopt: no deadline,
  // for the Runtime API's GET /next, which may block while the process is frozen.
  std::optional<base::TimePoint> deadline;
  // Upper bound of one attempt, whatever the deadline.
  std::chrono::milliseconds attempt_timeout{10000};
  std::chrono::milliseconds connect_timeout{2000};
  // Retries with exponential backoff and jitter on connection errors, timeouts of an attempt
  // (when time is left), 429 (Retry-After honoured when it fits the deadline) and 5xx.
  // Never on other 4xx. 0 disables.
  int max_retries = 2;
  // Responses larger than this fail with ResourceExhausted instead of being buffered.
  size_t max_response_bytes = 8u << 20;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  int attempts = 1;
};

// A transport failure (no HTTP status) comes back as a Status:
//   DeadlineExceeded  the deadline or the attempt timeout passed
//   Unavailable       connection refused / reset, DNS, TLS, malformed HTTP
//   ResourceExhausted the body exceeded max_response_bytes
// Any HTTP status, 4xx and 5xx included, is a successful Result after retries are used up;
// callers map statuses to their own errors. Implementations are thread-safe.
class Client {
 public:
  virtual ~Client() = default;
  virtual Result<Response> Send(const Request& request) = 0;
};

}  // namespace raincheck::http

#endif  // RAINCHECK_HTTP_CLIENT_H_
