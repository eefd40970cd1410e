// `raincheck invoke -e EVENT.json`: one local invocation of the function, like
// `sam local invoke`, without a container: the real `bootstrap` under the Lambda emulator
// (local/emulator.h), or the handler in this process with `--in-process`.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/env.h"
#include "base/file.h"
#include "cli/commands.h"
#include "cli/local_function.h"
#include "function/config.h"
#include "function/function.h"
#include "lambda/event.h"
#include "local/emulator.h"

namespace raincheck::cli {

namespace {

struct InvokeOptions {
  std::string event_path;
  bool in_process = false;
  FunctionFlags function;  // no template: RaincheckFunction's --env-vars
  ConfigFlags config;
};

std::string EventName(const std::string& path) { return path == "-" ? "stdin" : path; }

// The function's line for the terminal: without the emulator's "[request id] " prefix (one
// invocation, and the function's own lines carry their request id), rendered as text when the
// terminal wants text.
void WriteInstanceLine(std::string_view line) {
  if (line.starts_with('[')) {
    const size_t end = line.find("] ");
    if (end != std::string_view::npos) line.remove_prefix(end + 2);
  }
  WriteInstanceLogLine(line);
}

// "Sandbox.Timedout: RequestId: ... Error: Task timed out after 1.00 seconds" from Lambda's
// error document; the document itself when it is not one.
std::string DescribeFunctionError(const std::string& payload) {
  const nlohmann::json doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return payload;
  std::string out;
  if (const auto t = doc.find("errorType"); t != doc.end() && t->is_string()) {
    out = t->get<std::string>() + ": ";
  }
  if (const auto m = doc.find("errorMessage"); m != doc.end() && m->is_string()) {
    out += m->get<std::string>();
  } else {
    out += payload;
  }
  return out;
}

int RunInProcess(const InvokeOptions& opts, const std::string& event,
                 std::map<std::string, std::string> overrides) {
  Result<std::unique_ptr<function::Function>> function =
      function::Function::Create(base::OverlayEnv(std::move(overrides), base::ProcessEnv()));
  if (!function.ok()) {
    std::fprintf(stderr, "raincheck invoke: configuration: %s\n",
                 function.status().message().c_str());
    return kExitFailure;
  }
  lambda::InvocationContext context;
  context.request_id = base::NewUuid();
  context.deadline =
      (*function)->clock().Now() +
      std::chrono::milliseconds(static_cast<int64_t>(opts.function.timeout_seconds * 1000));
  context.function_arn = "arn:aws:lambda:local:000000000000:function:raincheck";
  Result<std::string> response = (*function)->Invoke(event, context);
  if (!response.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s: %s\n", EventName(opts.event_path).c_str(),
                 response.status().message().c_str());
    return kExitFailure;
  }
  std::fwrite(response->data(), 1, response->size(), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

int RunUnderEmulator(const InvokeOptions& opts, std::string event,
                     const std::map<std::string, std::string>& overrides) {
  local::EmulatorOptions options;
  options.bootstrap_path = opts.function.BootstrapPath();
  options.max_concurrency = 1;
  options.memory_mb = opts.function.memory_mb;
  options.timeout =
      std::chrono::milliseconds(static_cast<int64_t>(opts.function.timeout_seconds * 1000));
  options.environment = local::PassThroughEnvironment();
  for (const auto& [name, value] : overrides)
    function::SetVariable(name, value, &options.environment);
  options.log_sink = WriteInstanceLine;

  local::Emulator emulator(std::move(options));
  if (Status s = emulator.Start(); !s.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s\n", s.message().c_str());
    return kExitFailure;
  }
  local::InvokeOptions invoke;
  invoke.log_tail = false;  // the lines went to stderr as they came
  Result<local::InvokeResult> result = emulator.Invoke(std::move(event), invoke);
  emulator.Shutdown();
  if (!result.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  if (!result->function_error.empty()) {
    // Init errors, handler errors, crashes and timeouts: the function gave no response.
    std::fprintf(stderr, "raincheck invoke: %s\n", DescribeFunctionError(result->payload).c_str());
    return kExitFailure;
  }
  std::fwrite(result->payload.data(), 1, result->payload.size(), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

int RunInvoke(const InvokeOptions& opts) {
  std::map<std::string, std::string> overrides;
  if (!opts.function.env_vars.empty()) {  // below --env and the flags
    Result<std::map<std::string, std::string>> vars =
        function::ReadEnvVarsFile(opts.function.env_vars, "RaincheckFunction");
    if (!vars.ok()) {
      std::fprintf(stderr, "raincheck invoke: %s\n", vars.status().message().c_str());
      return kExitUsage;
    }
    overrides = std::move(vars).value();
  }
  if (Status s = ApplyConfigFlags(opts.config, &overrides); !s.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s\n", s.message().c_str());
    return kExitUsage;
  }
  // Records go where `raincheck records` and the other local verbs look, unless set.
  function::SetLocalRecordsDefaults(base::OverlayEnv(overrides, base::ProcessEnv()), &overrides);

  Result<std::string> event = base::ReadFile(opts.event_path);
  if (!event.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s\n", event.status().message().c_str());
    return kExitFailure;
  }
  if (opts.in_process) return RunInProcess(opts, *event, std::move(overrides));
  // Refused here as the handler would refuse it, before a runtime is started for it.
  if (Result<lambda::HttpRequest> parsed = lambda::ParseEvent(*event); !parsed.ok()) {
    std::fprintf(stderr, "raincheck invoke: %s: %s\n", EventName(opts.event_path).c_str(),
                 parsed.status().message().c_str());
    return kExitFailure;
  }
  return RunUnderEmulator(opts, std::move(event).value(), overrides);
}

}  // namespace

void RegisterInvoke(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<InvokeOptions>();
  CLI::App* cmd = root.add_subcommand(
      "invoke",
      "Run the function once on an API Gateway / Function URL event (bootstrap under the Lambda "
      "emulator) and print its response");
  cmd->add_option("-e,--event", opts->event_path, "Event JSON file ('-' reads stdin)")->required();
  AddFunctionFlags(cmd, &opts->function,
                   {.template_help = "",
                    .timeout_help = "Function timeout in seconds (enforced: the runtime is killed)",
                    .memory_help = "Memory size reported to the function (MB)"});
  cmd->add_flag("--in-process", opts->in_process,
                "Run the handler inside this process instead (for debugging; no timeout "
                "enforcement, no REPORT line)");
  AddConfigFlags(cmd, &opts->config, /*city_and_log_level=*/true);
  cmd->callback([opts, exit_code] { *exit_code = RunInvoke(*opts); });
}

}  // namespace raincheck::cli
