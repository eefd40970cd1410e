// The client side of the AWS Lambda Runtime API (2018-06-01): what a custom runtime's
// `bootstrap` calls to fetch events and post results. See docs/runtime.md.
#ifndef RAINCHECK_LAMBDA_RUNTIME_CLIENT_H_
#define RAINCHECK_LAMBDA_RUNTIME_CLIENT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/client.h"
#include "lambda/context.h"

namespace raincheck::lambda {

// The largest response body Lambda accepts from a function (observed in AWS's emulator).
inline constexpr size_t kMaxResponseBytes = 6291556;

// One event handed out by GET /runtime/invocation/next.
struct NextInvocation {
  std::string event;  // the body, exactly as received
  InvocationContext context;
  std::string client_context;    // Lambda-Runtime-Client-Context (may be empty)
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity (may be empty)
};

// The standard Lambda error document.
struct ErrorReport {
  std::string type;     // errorType, also sent as Lambda-Runtime-Function-Error-Type
  std::string message;  // errorMessage
  std::vector<std::string> stack_trace;

  // {"errorMessage":...,"errorType":...,"stackTrace":[...]}; invalid UTF-8 is replaced.
  std::string ToJson() const;
};

// Status of a Runtime API call:
//   OK                  2xx
//   Unavailable         500 (the environment is broken: exit promptly), or no HTTP answer
//   InvalidArgument     400 (unknown request id), or a /next without a request id
//   FailedPrecondition  403 (already answered, or not allowed now)
//   ResourceExhausted   413 (the body is over the limit)
//   Internal            any other status
// Thread-compatible: one runtime loop uses one client.
class RuntimeClient {
 public:
  // `endpoint` is the value of AWS_LAMBDA_RUNTIME_API ("host:port"). `http` must outlive this.
  RuntimeClient(const std::string& endpoint, http::Client& http);

  // Blocks, with no timeout, until the next event arrives.
  Result<NextInvocation> Next();
  // POST /runtime/invocation/{id}/response with `body`.
  Status PostResponse(std::string_view request_id, std::string body);
  // POST /runtime/invocation/{id}/error.
  Status PostError(std::string_view request_id, const ErrorReport& error);
  // POST /runtime/init/error; the runtime must exit afterwards.
  Status PostInitError(const ErrorReport& error);

 private:
  Result<http::Response> Call(http::Request request);
  Status Post(const std::string& path, std::string body, const ErrorReport* error);

  std::string base_url_;
  http::Client& http_;
};

// Maps the HTTP status of a Runtime API answer to the Status documented above.
Status RuntimeStatusFromHttp(int http_status, std::string_view what);

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_RUNTIME_CLIENT_H_
