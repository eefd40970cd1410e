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
#include "cli/local_function.h"
#include "function/config.h"
#include "function/function.h"
#include "local/api_gateway.h"
#include "local/emulator.h"
#include "local/emulator_invoker.h"
#include "local/file_watcher.h"
#include "web/assets.h"

namespace raincheck::cli {

namespace {

struct StartApiOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string payload = "2.0";
  int max_concurrency = 4;
  bool in_process = false;
  bool watch = true;
  bool payload_given = false;
  FunctionFlags function;
  ConfigFlags config;
};

// Runs the function in this process (--in-process): no child processes, no enforced timeout.
class InProcessInvoker : public local::FunctionInvoker {
 public:
  InProcessInvoker(const function::Function* function, std::chrono::milliseconds timeout)
      : function_(function), timeout_(timeout) {}

  Result<local::FunctionResult> Invoke(std::string event, const std::string& request_id) override {
    lambda::InvocationContext context;
    context.request_id = request_id;
    context.deadline = function_->clock().Now() + timeout_;
    context.function_arn = "arn:aws:lambda:local:000000000000:function:raincheck";
    Result<std::string> out = function_->Invoke(event, context);
    if (!out.ok()) {
      const std::string type(StatusCodeName(out.status().code()));
      return local::FunctionResult{
          nlohmann::json{{"errorMessage", out.status().message()}, {"errorType", type}}.dump(),
          type, true};
    }
    return local::FunctionResult{std::move(out).value(), "", false};
  }

 private:
  const function::Function* function_;
  std::chrono::milliseconds timeout_;
};

std::vector<local::StaticAsset> PageAssets() {
  std::vector<local::StaticAsset> assets;
  for (const web::EmbeddedFile& f : web::EmbeddedFiles()) {
    // The page is at / (unless a route of the template takes /) and always at /index.html.
    if (f.name == "index.html")
      assets.push_back({"/", std::string(web::ContentTypeFor(f.name)), f.body});
    assets.push_back({"/" + std::string(f.name), std::string(web::ContentTypeFor(f.name)), f.body});
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

// The paths --watch looks at: bootstrap, and the models directory or model file the function
// loads (as its configuration resolves them).
std::vector<std::string> WatchedPaths(const std::string& bootstrap, const base::EnvLookup& env) {
  std::vector<std::string> paths = {bootstrap};
  Result<function::FunctionConfig> config = function::LoadFunctionConfig(env);
  if (config.ok()) {
    if (!config->models_dir.empty()) paths.push_back(config->models_dir);
    if (!config->model_path.empty()) paths.push_back(config->model_path);
  }
  return paths;
}

int RunStartApi(const StartApiOptions& opts) {
  Result<LocalFunction> fn = LoadLocalFunction(opts.function, opts.config);
  if (!fn.ok()) {
    std::fprintf(stderr, "raincheck start-api: %s\n", fn.status().message().c_str());
    return kExitUsage;
  }
  for (const std::string& w : fn->warnings)
    std::fprintf(stderr, "raincheck start-api: warning: %s\n", w.c_str());
  const base::EnvLookup env = base::OverlayEnv(fn->variables, base::ProcessEnv());
  const double timeout_seconds = opts.function.TimeoutSeconds(fn->timeout_s);
  const int memory_mb = opts.function.MemoryMb(fn->memory_mb);

  Result<base::LogLevel> level = base::ParseLogLevel(env("RAINCHECK_LOG_LEVEL").value_or("info"));
  if (!level.ok()) {
    std::fprintf(stderr, "raincheck start-api: RAINCHECK_LOG_LEVEL: %s\n",
                 level.status().message().c_str());
    return kExitUsage;
  }
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  const sigset_t stop_signals = BlockStopSignals();
  base::SystemClock clock;
  base::Logger logger(*level);

  // The function: bootstrap instances under the Lambda emulator, or this process.
  std::unique_ptr<local::Emulator> emulator;
  std::unique_ptr<function::Function> function;
  std::unique_ptr<local::FunctionInvoker> invoker;
  if (opts.in_process) {
    Result<std::unique_ptr<function::Function>> created = function::Function::Create(env);
    if (!created.ok()) {
      std::fprintf(stderr, "raincheck start-api: configuration: %s\n",
                   created.status().message().c_str());
      return kExitFailure;
    }
    function = std::move(created).value();
    invoker = std::make_unique<InProcessInvoker>(function.get(), timeout);
  } else {
    local::EmulatorOptions eo;
    eo.bootstrap_path = opts.function.BootstrapPath();
    eo.max_concurrency = opts.max_concurrency;
    eo.timeout = timeout;
    eo.memory_mb = memory_mb;
    eo.function_name = fn->logical_id == "RaincheckFunction" ? "raincheck" : fn->logical_id;
    for (const auto& [name, value] : fn->variables) eo.environment.emplace_back(name, value);
    // The per-invocation START / END / REPORT lines only when info is wanted.
    eo.platform_lines = logger.Enabled(base::LogLevel::kInfo);
    eo.log_sink = WriteInstanceLogLine;
    emulator = std::make_unique<local::Emulator>(std::move(eo));
    if (Status s = emulator->Start(); !s.ok()) {
      std::fprintf(stderr, "raincheck start-api: %s\n", s.message().c_str());
      return kExitFailure;
    }
    invoker = std::make_unique<local::EmulatorInvoker>(emulator.get());
  }

  local::ApiGatewayOptions gw;
  gw.http.host = opts.host;
  gw.http.port = opts.port;
  gw.payload_version =
      opts.payload == "1.0" ? lambda::PayloadVersion::kV1 : lambda::PayloadVersion::kV2;
  if (!fn->routes.empty()) {
    gw.routes.clear();
    for (const local::SamRoute& r : fn->routes) {
      std::optional<lambda::PayloadVersion> payload;
      if (!opts.payload_given) {
        payload =
            r.payload_format == "1.0" ? lambda::PayloadVersion::kV1 : lambda::PayloadVersion::kV2;
      }
      gw.routes.push_back({r.method, r.path, payload});
    }
  }
  gw.assets = PageAssets();
  gw.clock = &clock;
  gw.logger = &logger;
  local::ApiGateway gateway(gw, invoker.get());
  if (Status s = gateway.Start(); !s.ok()) {
    std::fprintf(stderr, "raincheck start-api: %s\n", s.message().c_str());
    return kExitFailure;
  }
  const std::string payload =
      !opts.payload_given && !fn->routes.empty() ? "as the template's events say" : opts.payload;
  std::printf("raincheck start-api: serving %s (API Gateway payload %s, function %s)\n",
              gateway.Url().c_str(), payload.c_str(),
              emulator ? emulator->options().bootstrap_path.c_str() : "in process");
  std::printf("  template: %s; timeout %g s, memory %d MB%s\n",
              fn->template_path.empty() ? "none (built-in routes)" : fn->template_path.c_str(),
              timeout_seconds, memory_mb,
              emulator && emulator->options().enforce_memory ? " (enforced)" : "");
  std::printf("  records: %s\n", fn->records.c_str());
  bool function_page = false;
  for (const auto& r : gw.routes) {
    if (r.path == "/" && (r.method == "GET" || r.method == "ANY")) function_page = true;
  }
  if (function_page) {
    std::printf("  GET / is the function's page, as deployed; the interactive page: %sindex.html\n",
                gateway.Url().c_str());
  } else {
    std::printf("  open %s in a browser, or: curl '%sforecast?city=Cape+Town&format=json'\n",
                gateway.Url().c_str(), gateway.Url().c_str());
  }

  // --watch: new code or models replace the instances, requests in flight finish first.
  std::unique_ptr<local::FileWatcher> watcher;
  if (opts.watch && emulator) {
    local::Emulator* em = emulator.get();
    watcher = std::make_unique<local::FileWatcher>(
        WatchedPaths(em->options().bootstrap_path, env), std::chrono::milliseconds(250),
        [em](const std::string& path) {
          em->ReplaceInstances();
          std::fprintf(stderr, "raincheck start-api: reloaded: %s changed\n", path.c_str());
        });
    watcher->Start();
    std::printf("  watching bootstrap and the models for changes (--no-watch to stop)\n");
  }
  std::printf("  Ctrl-C stops.\n");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  logger.Info("stopping", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  if (watcher) watcher->Stop();
  gateway.Stop();                      // requests in flight finish first
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
  cmd->add_option("--payload", opts->payload,
                  "API Gateway payload format: 1.0 (REST) or 2.0 (HTTP API) (default: the "
                  "template's event types, else 2.0)")
      ->check(CLI::IsMember({"1.0", "2.0"}))
      ->each([opts](const std::string&) { opts->payload_given = true; });
  AddFunctionFlags(
      cmd, &opts->function,
      {.template_help = "SAM template to read routes, environment, Timeout and MemorySize from "
                        "(default: dist/template.yaml, else template.yaml; 'none' for the "
                        "built-in routes)",
       .timeout_help = "Function timeout in seconds (default: the template's Timeout, else 10)",
       .memory_help = "Memory size in MB, enforced per instance (default: the template's "
                      "MemorySize, else 128)"});
  cmd->add_flag("--watch,!--no-watch", opts->watch,
                "Replace instances when bootstrap or the models change (default: on)");
  cmd->add_option("--max-concurrency", opts->max_concurrency,
                  "Function instances run at most at once; more requests wait")
      ->default_val(4)
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--in-process", opts->in_process,
                "Run the function inside this process instead of bootstrap instances (no timeout "
                "enforcement)");
  AddConfigFlags(cmd, &opts->config, /*city_and_log_level=*/true);
  cmd->callback([opts, exit_code] { *exit_code = RunStartApi(*opts); });
}

}  // namespace raincheck::cli
