// `raincheck start-lambda`: the Lambda Invoke API on localhost, running `bootstrap` under the
// emulator (local/), for `aws lambda invoke --endpoint-url http://127.0.0.1:3001 ...`.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/local_function.h"
#include "local/emulator.h"
#include "local/invoke_api.h"

namespace raincheck::cli {
namespace {

struct StartLambdaOptions {
  std::string host = "127.0.0.1";
  int port = 3001;
  int max_concurrency = 4;
  std::string function_name = "raincheck";
  FunctionFlags function;
  ConfigFlags config;  // --models and --env
};

int RunStartLambda(const StartLambdaOptions& opts) {
  Result<LocalFunction> fn = LoadLocalFunction(opts.function, opts.config);
  if (!fn.ok()) {
    std::fprintf(stderr, "raincheck start-lambda: %s\n", fn.status().message().c_str());
    return kExitUsage;
  }
  for (const std::string& w : fn->warnings) {
    std::fprintf(stderr, "raincheck start-lambda: warning: %s\n", w.c_str());
  }
  local::EmulatorOptions options;
  options.bootstrap_path = opts.function.BootstrapPath();
  options.function_name = opts.function_name;
  options.max_concurrency = opts.max_concurrency;
  options.memory_mb = opts.function.MemoryMb(fn->memory_mb);
  const double timeout_seconds = opts.function.TimeoutSeconds(fn->timeout_s);
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  for (const auto& [name, value] : fn->variables) options.environment.emplace_back(name, value);
  options.log_sink = WriteInstanceLogLine;

  // SIGINT / SIGTERM are taken by sigwait below, never by a thread that happens to run.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  local::Emulator emulator(options);
  if (Status s = emulator.Start(); !s.ok()) {
    std::fprintf(stderr, "raincheck start-lambda: %s\n", s.message().c_str());
    return kExitFailure;
  }
  local::InvokeApiServer server(emulator, {opts.host, opts.port});
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "raincheck start-lambda: %s\n", s.message().c_str());
    return kExitFailure;
  }
  std::printf(
      "raincheck start-lambda: function %s (%s) at http://%s:%d\n"
      "  aws lambda invoke --endpoint-url http://%s:%d --function-name %s "
      "--payload '{}' --cli-binary-format raw-in-base64-out out.json\n",
      opts.function_name.c_str(), emulator.options().bootstrap_path.c_str(), opts.host.c_str(),
      server.port(), opts.host.c_str(), server.port(), opts.function_name.c_str());
  std::printf("  template: %s; timeout %g s, memory %d MB%s\n  records: %s\n",
              fn->template_path.empty() ? "none" : fn->template_path.c_str(), timeout_seconds,
              options.memory_mb, emulator.options().enforce_memory ? " (enforced)" : "",
              fn->records.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "raincheck start-lambda: stopping (%s)\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  emulator.Shutdown();  // ends running invocations and kills the instances
  server.Stop();
  return kExitOk;
}

}  // namespace

void RegisterStartLambda(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<StartLambdaOptions>();
  CLI::App* cmd = root.add_subcommand(
      "start-lambda",
      "Serve the Lambda Invoke API locally (for aws lambda invoke --endpoint-url), running "
      "bootstrap in a Lambda-like environment");
  cmd->add_option("--port", opts->port, "Port (0: any free port)")
      ->default_val(3001)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--host", opts->host, "Address to bind")->default_val("127.0.0.1");
  cmd->add_option("--max-concurrency", opts->max_concurrency,
                  "Instances run at most at once; more calls wait")
      ->default_val(4)
      ->check(CLI::Range(1, 64));
  AddFunctionFlags(
      cmd, &opts->function,
      {.template_help = "SAM template to read environment, Timeout and MemorySize from (default: "
                        "dist/template.yaml, else template.yaml; 'none' for neither)",
       .timeout_help = "Function timeout in seconds (default: the template's Timeout, else 10)",
       .memory_help = "Memory size in MB, enforced per instance (default: the template's "
                      "MemorySize, else 128)"});
  cmd->add_option("--function-name", opts->function_name, "The function's name")
      ->default_val("raincheck");
  AddConfigFlags(cmd, &opts->config, /*city_and_log_level=*/false);
  cmd->callback([opts, exit_code] { *exit_code = RunStartLambda(*opts); });
}

}  // namespace raincheck::cli
