// The function's configuration, read from environment variables (the Lambda convention).
// `invoke`, `bootstrap` and the local emulators read the same names; CLI flags override them.
#ifndef RAINCHECK_CLI_CONFIG_H_
#define RAINCHECK_CLI_CONFIG_H_

#include <string>

#include "app/handler.h"
#include "base/env.h"
#include "base/log.h"
#include "base/status.h"

namespace raincheck::cli {

struct FunctionConfig {
  base::LogLevel log_level = base::LogLevel::kInfo;  // RAINCHECK_LOG_LEVEL
  app::Settings settings;                             // RAINCHECK_DEFAULT_CITY
};

// InvalidArgument naming the variable when a value is unusable (never echoing secrets).
Result<FunctionConfig> LoadFunctionConfig(const base::EnvLookup& env);

}  // namespace raincheck::cli

#endif  // RAINCHECK_CLI_CONFIG_H_
