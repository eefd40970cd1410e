// The runtime loop of a custom Lambda runtime: fetch an event, run the handler, post the result.
// In the style of aws-lambda-cpp's run_handler, with three differences: every exception and
// error of the handler is reported to /error (a bad event never ends the loop), start-up
// failures go to /init/error, and payloads are never logged. See docs/runtime.md.
#ifndef RAINCHECK_LAMBDA_RUNTIME_LOOP_H_
#define RAINCHECK_LAMBDA_RUNTIME_LOOP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/status.h"
#include "http/client.h"
#include "lambda/context.h"
#include "lambda/runtime_client.h"

namespace raincheck::lambda {

// The function: event JSON in, response JSON out. May throw; may be called many times.
using Handler =
    std::function<Result<std::string>(std::string_view event, const InvocationContext& context)>;

// Builds the handler once per process (load the model, gazetteer, clients). An error is posted
// to /runtime/init/error.
using Initializer = std::function<Result<Handler>()>;

struct LoopOptions {
  // Larger responses are reported as a Function.ResponseSizeTooLarge error, never truncated.
  size_t max_response_bytes = kMaxResponseBytes;
  // Return OK after this many invocations; 0 loops until the Runtime API fails.
  uint64_t max_invocations = 0;
};

// Runs `handler` for one event and posts its response or error. Exceptions and error Statuses
// of the handler become /error posts; `_X_AMZN_TRACE_ID` is set from the trace id (and unset
// when there is none) while the handler runs. Returns the Status of the post.
Status HandleInvocation(RuntimeClient& client, const Handler& handler, const NextInvocation& next,
                        const base::Logger& log, const LoopOptions& options = {});

// Loops over events until the Runtime API fails (a 500, or no answer), and returns that
// Status; a 4xx to a post is logged and the loop goes on. Not thread-safe (one per process).
Status RunLoop(RuntimeClient& client, const Handler& handler, const base::Logger& log,
               const LoopOptions& options = {});

// The life of a bootstrap process: runs `init` once, before the first GET /next (posting
// /init/error and returning 1 when it fails), then RunLoop. Returns the process exit code:
// 0 only when options.max_invocations were served, 1 otherwise. `endpoint` is
// AWS_LAMBDA_RUNTIME_API; an empty one is an error (returns 1 without any call).
int RunRuntime(std::string_view endpoint, http::Client& http, const Initializer& init,
               const base::Logger& log, const LoopOptions& options = {});

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_RUNTIME_LOOP_H_
