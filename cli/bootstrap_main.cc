// `bootstrap`: the rain-check function as an AWS Lambda custom runtime (provided.al2023).
// Initialises once from the environment (function/function.h: the variables `invoke` reads), then
// serves events from the Runtime API at $AWS_LAMBDA_RUNTIME_API until it goes away.
// Links only the predict side (never the trainer).
#include <cstdlib>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "function/function.h"
#include "lambda/runtime_http.h"
#include "lambda/runtime_loop.h"

int main() {
  using namespace raincheck;
  // Only for start-up failures before the function's own logger exists.
  const base::Logger startup_log(base::LogLevel::kInfo);
  std::shared_ptr<function::Function> function;
  auto init = [&function]() -> Result<lambda::Handler> {
    RC_ASSIGN_OR_RETURN(function, function::Function::Create(base::ProcessEnv()));
    const function::Function* f = function.get();
    return lambda::Handler([f](std::string_view event, const lambda::InvocationContext& context) {
      return f->Invoke(event, context);
    });
  };
  // The Runtime API over a plain loopback socket, not libcurl: libcurl is loaded only when the
  // function's first upstream call needs it (http/curl_client.cc), not at init. One client for
  // the whole process: warm invocations reuse the Runtime API connection.
  base::SystemClock clock;
  lambda::RuntimeHttpClient http(clock);
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  return lambda::RunRuntime(endpoint != nullptr ? endpoint : "", http, init, startup_log);
}
