// `raincheck start-api`: a local API Gateway in front of the function, with the web page, like
// `sam local start-api` without a container per request. See docs/start_api.md.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "base/env.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/function.h"
#include "local/api_gateway.h"
#include "local/emulator.h"
#include "local/emulator_invoker.h"
#include "web/assets.h"

namespace raincheck::cli {

namespace {

struct StartApiOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string payload = "2.0";
  double timeout_seconds = 10;
  int max_concurrency = 4;
  std::string bootstrap;
  bool in_process = false;
  std::string default_city;
  std::string models;
  std::string log_level;
  std::vector<std::string> env;
};

// Runs the function in this process (--in-process): no child processes, no enforced timeout.
class InProcessInvoker : public local::FunctionInvoker {
 public:
  InProcessInvoker(const Function* function, std::chrono::milliseconds timeout)
      : function_(function), timeout_(timeout) {}

  Result<local::FunctionResult> Invoke(std::string event, const std::string& request_id) override {
    lambda::InvocationContext context;
    context.request_id = request_id;
    context.deadline = function_->clock().Now() + timeout_;
    context.function_arn = "arn:aws:lambda:local:000000000000:function:raincheck";
    Result<std::string> out = function_->Invoke(event, context);
    if (!out.ok()) {
      const std::string type(StatusCodeName(out.status().code()));
      return local::FunctionResult{nlohmann::json{{"errorMessage", out.status().message()},
                                                  {"errorType", type}}
                                       .dump(),
                                   type, true};
    }
    return local::FunctionResult{std::move(out).value(), "", false};
  }

 private:
  const Function* function_;
  std::chrono::milliseconds timeout_;
};

// build/bin/bootstrap beside this executable.
std::string DefaultBootstrap() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "bootstrap";
  return (self.parent_path() / "bootstrap").string();
}

std::vector<local::StaticAsset> PageAssets() {
  std::vector<local::StaticAsset> assets;
  for (const web::EmbeddedFile& f : web::EmbeddedFiles()) {
    const std::string path = f.name == "index.html" ? "/" : "/" + std::string(f.name);
    assets.push_back({path, std::string(web::ContentTypeFor(f.name)), f.body});
  }
  return assets;
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so that they
// are only received by WaitForStopSignal.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int RunStartApi(const StartApiOptions& opts) {
  std::map<std::string, std::string> overrides;
  for (const std::string& kv : opts.env) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "raincheck start-api: --env takes NAME=VALUE\n");
      return kExitUsage;
    }
    overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!opts.default_city.empty()) overrides["RAINCHECK_DEFAULT_CITY"] = opts.default_city;
  if (!opts.models.empty()) SetModelsDir(opts.models, &overrides);
  if (!opts.log_level.empty()) overrides["RAINCHECK_LOG_LEVEL"] = opts.log_level;
  const base::EnvLookup env = base::OverlayEnv(overrides, base::ProcessEnv());

  Result<base::LogLevel> level = base::ParseLogLevel(env("RAINCHECK_LOG_LEVEL").value_or("info"));
  if (!level.ok()) {
    std::fprintf(stderr, "raincheck start-api: RAINCHECK_LOG_LEVEL: %s\n",
                 level.status().message().c_str());
    return kExitUsage;
  }
  const auto timeout =
      std::chrono::milliseconds(static_cast<int64_t>(opts.timeout_seconds * 1000));
  const sigset_t stop_signals = BlockStopSignals();
  base::SystemClock clock;
  base::Logger logger(*level);

  // The function: bootstrap instances under the Lambda emulator, or this process.
  std::unique_ptr<local::Emulator> emulator;
  std::unique_ptr<Function> function;
  std::unique_ptr<local::FunctionInvoker> invoker;
  if (opts.in_process) {
    Result<std::unique_ptr<Function>> created = Function::Create(env);
    if (!created.ok()) {
      std::fprintf(stderr, "raincheck start-api: configuration: %s\n",
                   created.status().message().c_str());
      return kExitFailure;
    }
    function = std::move(created).value();
    invoker = std::make_unique<InProcessInvoker>(function.get(), timeout);
  } else {
    local::EmulatorOptions eo;
    eo.bootstrap_path = opts.bootstrap.empty() ? DefaultBootstrap() : opts.bootstrap;
    eo.max_concurrency = opts.max_concurrency;
    eo.timeout = timeout;
    eo.environment = local::PassThroughEnvironment();
    for (const auto& [name, value] : overrides) SetVariable(name, value, &eo.environment);
    // The per-invocation START / END / REPORT lines only when info is wanted.
    eo.platform_lines = logger.Enabled(base::LogLevel::kInfo);
    eo.log_sink = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stderr);
      if (!line.ends_with('\n')) std::fputc('\n', stderr);
    };
    emulator = std::make_unique<local::Emulator>(std::move(eo));
    if (Status s = emulator->Start(); !s.ok()) {
      std::fprintf(stderr, "raincheck start-api: %s\n", s.message().c_str());
      return kExitFailure;
    }
    invoker = std::make_unique<local::EmulatorInvoker>(emulator.get());
  }

  local::ApiGatewayOptions gw;
  gw.host = opts.host;
  gw.port = opts.port;
  gw.payload_version = opts.payload == "1.0" ? lambda::PayloadVersion::kV1 : lambda::PayloadVersion::kV2;
  gw.assets = PageAssets();
  gw.clock = &clock;
  gw.logger = &logger;
  local::ApiGateway gateway(gw, invoker.get());
  if (Status s = gateway.Start(); !s.ok()) {
    std::fprintf(stderr, "raincheck start-api: %s\n", s.message().c_str());
    return kExitFailure;
  }
  std::printf("raincheck start-api: serving %s (API Gateway payload %s, function %s)\n",
              gateway.Url().c_str(), opts.payload.c_str(),
              emulator ? emulator->options().bootstrap_path.c_str() : "in process");
  std::printf("  open %s in a browser, or: curl '%sforecast?city=Cape+Town&format=json'\n",
              gateway.Url().c_str(), gateway.Url().c_str());
  std::printf("  Ctrl-C stops.\n");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  logger.Info("stopping", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  gateway.Stop();                  // requests in flight finish first
  if (emulator) emulator->Shutdown();  // then the instances go
  logger.Info("stopped");
  return kExitOk;
}

}  // namespace

void RegisterStartApi(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<StartApiOptions>();
  CLI::App* cmd = root.add_subcommand(
      "start-api", "Serve the function behind a local API Gateway, with the web page at /");
  cmd->add_option("--host", opts->host, "Address to listen on")->default_val("127.0.0.1");
  cmd->add_option("-p,--port", opts->port, "Port to listen on (0: any free port)")
      ->default_val(3000)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--payload", opts->payload, "API Gateway payload format: 1.0 (REST) or 2.0 (HTTP API)")
      ->default_val("2.0")
      ->check(CLI::IsMember({"1.0", "2.0"}));
  cmd->add_option("--timeout", opts->timeout_seconds, "Function timeout in seconds")
      ->default_val(10)
      ->check(CLI::Range(0.001, 900.0));
  cmd->add_option("--max-concurrency", opts->max_concurrency,
                  "Function instances run at most at once; more requests wait")
      ->default_val(4)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--bootstrap", opts->bootstrap,
                  "The runtime executable (default: bootstrap beside raincheck)");
  cmd->add_flag("--in-process", opts->in_process,
                "Run the function inside this process instead of bootstrap instances (no timeout "
                "enforcement)");
  cmd->add_option("--models", opts->models,
                  "Directory of models to choose from by place (RAINCHECK_MODELS)");
  cmd->add_option("--default-city", opts->default_city,
                  "City used when the request names none (RAINCHECK_DEFAULT_CITY)");
  cmd->add_option("--log-level", opts->log_level, "debug, info, warn, error, off (RAINCHECK_LOG_LEVEL)");
  cmd->add_option("--env", opts->env, "Set a configuration variable NAME=VALUE (repeatable)");
  cmd->callback([opts, exit_code] { *exit_code = RunStartApi(*opts); });
}

}  // namespace raincheck::cli
