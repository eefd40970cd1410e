// The function wired from configuration: the services the handler uses, built once and
// shared by every invocation. `raincheck invoke`, `bootstrap` and tests use it alike.
#ifndef RAINCHECK_FUNCTION_FUNCTION_H_
#define RAINCHECK_FUNCTION_FUNCTION_H_

#include <memory>
#include <string>
#include <string_view>

#include "app/handler.h"
#include "app/model_catalog.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "function/config.h"
#include "http/curl_client.h"
#include "lambda/context.h"
#include "providers/config.h"
#include "store/spooling_store.h"

namespace raincheck::function {

class Function {
 public:
  // Reads the configuration from `env` and builds every service. Errors say which setting
  // or resource is wrong. `logger` receives the function's log lines (stderr in mains).
  static Result<std::unique_ptr<Function>> Create(const base::EnvLookup& env,
                                                  base::Logger::Sink log_sink = nullptr);

  // Thread-safe.
  Result<std::string> Invoke(std::string_view event_json,
                             const lambda::InvocationContext& context) const;

  const app::Services& services() const { return services_; }
  const base::Clock& clock() const { return clock_; }
  const base::Logger& logger() const { return logger_; }
  const FunctionConfig& config() const { return config_; }

 private:
  Function(FunctionConfig config, base::Logger logger);
  Status Init();

  FunctionConfig config_;
  base::SystemClock clock_;
  base::Logger logger_;
  http::CurlClient http_;
  std::optional<app::ModelCatalog> models_;
  providers::Providers providers_;
  std::unique_ptr<store::SpoolingStore> records_;
  app::Services services_;
};

}  // namespace raincheck::function

#endif  // RAINCHECK_FUNCTION_FUNCTION_H_
