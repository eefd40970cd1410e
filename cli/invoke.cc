// `raincheck invoke -e EVENT.json`: one local invocation of the function, like
// `sam local invoke`, without a container.
#include <chrono>
#include <cstdio>
#include <map>

#include "base/env.h"
#include "base/file.h"
#include "cli/commands.h"
#include "cli/function.h"

namespace raincheck::cli {

namespace {

struct InvokeOptions {
  std::string event_path;
  double timeout_seconds = 10;
  std::string default_city;
  std::string models;
  std::string log_level;
  std::vector<std::string> env;
  std::string env_vars;  // --env-vars FILE, SAM CLI's JSON
};

int RunInvoke(const InvokeOptions& opts) {
  std::map<std::string, std::string> overrides;
  if (!opts.env_vars.empty()) {  // below --env and the flags
    Result<std::map<std::string, std::string>> vars =
        ReadEnvVarsFile(opts.env_vars, "RaincheckFunction");
    if (!vars.ok()) {
      std::fprintf(stderr, "raincheck invoke: %s\n", vars.status().message().c_str());
      return kExitUsage;
    }
    overrides = std::move(vars).value();
  }
  for (const std::string& kv : opts.env) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "raincheck invoke: --env takes NAME=VALUE\n");
      return kExitUsage;
    }
    overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!opts.default_city.empty()) overrides["RAINCHECK_DEFAULT_CITY"] = opts.default_city;
  if (!opts.models.empty()) SetModelsDir(opts.models, &overrides);
  if (!opts.log_level.empty()) overrides["RAINCHECK_LOG_LEVEL"] = opts.log_level;

  Result<std::string> event = base::ReadFile(opts.event_path);
  if (!event.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s\n", event.status().message().c_str());
    return kExitFailure;
  }
  Result<std::unique_ptr<Function>> function =
      Function::Create(base::OverlayEnv(std::move(overrides), base::ProcessEnv()));
  if (!function.ok()) {
    std::fprintf(stderr, "raincheck invoke: configuration: %s\n",
                 function.status().message().c_str());
    return kExitFailure;
  }
  lambda::InvocationContext context;
  context.request_id = base::NewUuid();
  context.deadline = (*function)->clock().Now() +
                     std::chrono::milliseconds(static_cast<int64_t>(opts.timeout_seconds * 1000));
  context.function_arn = "arn:aws:lambda:local:000000000000:function:raincheck";
  Result<std::string> response = (*function)->Invoke(*event, context);
  if (!response.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s: %s\n",
                 opts.event_path == "-" ? "stdin" : opts.event_path.c_str(),
                 response.status().message().c_str());
    return kExitFailure;
  }
  std::fwrite(response->data(), 1, response->size(), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

}  // namespace

void RegisterInvoke(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<InvokeOptions>();
  CLI::App* cmd = root.add_subcommand(
      "invoke", "Run the function once on an API Gateway / Function URL event and print its response");
  cmd->add_option("-e,--event", opts->event_path, "Event JSON file ('-' reads stdin)")->required();
  cmd->add_option("--timeout", opts->timeout_seconds, "Invocation deadline in seconds")
      ->default_val(10)
      ->check(CLI::Range(0.001, 900.0));
  cmd->add_option("--models", opts->models,
                  "Directory of models to choose from by place (RAINCHECK_MODELS)");
  cmd->add_option("--default-city", opts->default_city,
                  "City used when the request names none (RAINCHECK_DEFAULT_CITY)");
  cmd->add_option("--log-level", opts->log_level, "debug, info, warn, error, off (RAINCHECK_LOG_LEVEL)");
  cmd->add_option("--env", opts->env, "Set a configuration variable NAME=VALUE (repeatable)");
  cmd->add_option("--env-vars", opts->env_vars,
                  "JSON file of variables, as SAM CLI's: {\"Parameters\": {...}} or "
                  "{\"RaincheckFunction\": {...}}");
  cmd->callback([opts, exit_code] { *exit_code = RunInvoke(*opts); });
}

}  // namespace raincheck::cli
