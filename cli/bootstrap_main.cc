// `bootstrap`: the rain-check function as an AWS Lambda custom runtime (provided.al2023).
// Initialises once from the environment, then serves events from the Runtime API at
// $AWS_LAMBDA_RUNTIME_API until it goes away. Links only the predict side (no trainer).
#include <cstdlib>
#include <memory>
#include <string>

#include "app/handler.h"
#include "base/clock.h"
#include "base/log.h"
#include "lambda/runtime_loop.h"
#include "local/loopback_client.h"

namespace {

using namespace raincheck;

// What every invocation shares, built once before the first GET /next.
struct FunctionState {
  base::SystemClock clock;
  base::Logger logger;
  app::Services services;
};

Result<lambda::Handler> Initialise(std::shared_ptr<FunctionState> state) {
  state->services.clock = &state->clock;
  state->services.logger = &state->logger;
  return lambda::Handler([state](std::string_view event, const lambda::InvocationContext& context) {
    return app::HandleEvent(event, context, state->services);
  });
}

}  // namespace

int main() {
  base::Logger logger(base::LogLevel::kInfo);
  if (const char* level = std::getenv("RAINCHECK_LOG_LEVEL")) {
    if (auto parsed = base::ParseLogLevel(level); parsed.ok()) logger = base::Logger(*parsed);
  }
  auto state = std::make_shared<FunctionState>(FunctionState{{}, logger, {}});
  // The Runtime API is on loopback (Lambda's is too): a one-connection-per-call client is enough.
  local::LoopbackClient http;
  const char* endpoint = std::getenv("AWS_LAMBDA_RUNTIME_API");
  return lambda::RunRuntime(endpoint != nullptr ? endpoint : "", http,
                            [state] { return Initialise(state); }, logger);
}
