// A local Lambda: runs a custom runtime's `bootstrap` as child processes behind an emulated
// Runtime API, with Lambda's environment, limits, timeouts and error reporting. Used by
// `raincheck start-lambda` (the Invoke API, local/invoke_api.h) and `raincheck start-api`.
// See docs/runtime.md.
#ifndef RAINCHECK_LOCAL_EMULATOR_H_
#define RAINCHECK_LOCAL_EMULATOR_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "lambda/limits.h"
#include "local/child_process.h"

namespace raincheck::local {

// Lambda's limits (lambda/limits.h).
using lambda::kMaxAsyncRequestBytes;
using lambda::kMaxFunctionResponseBytes;
using lambda::kMaxSyncRequestBytes;
inline constexpr size_t kLogTailBytes = 4096;  // X-Amz-Log-Result

// Whether this is an AddressSanitizer build (RAINCHECK_SANITIZE; GCC defines the macro).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif

struct EmulatorOptions {
  std::string bootstrap_path;  // the runtime executable, e.g. build/bin/bootstrap
  std::vector<std::string> bootstrap_args;
  std::string function_name = "raincheck";
  std::string function_version = "$LATEST";
  std::string region = "us-east-1";
  // Reported to the function (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) and, with enforce_memory, the
  // most resident memory an instance may use: past it the invocation fails with
  // Runtime.OutOfMemory and the instance is killed (started afresh by the next invocation).
  int memory_mb = 128;
  // Resident memory is polled while an invocation runs and its peak (VmHWM) checked when it
  // ends. Off by default in sanitizer builds, whose shadow memory is no measure of the function.
  bool enforce_memory = !kSanitizerBuild;
  std::chrono::milliseconds timeout{10000};       // per invocation, from the event's hand-over
  std::chrono::milliseconds init_timeout{10000};  // spawn to the first GET /next
  int max_concurrency = 4;                        // instances; more callers wait for one
  // LAMBDA_TASK_ROOT and the working directory; empty: the directory of bootstrap_path.
  std::string task_root;
  // Added to the Lambda variables (credentials, region, RAINCHECK_*); see PassThroughEnvironment.
  std::vector<std::pair<std::string, std::string>> environment;
  // Receives every line the instances print, prefixed "[request id] ", and the START / END /
  // REPORT lines. Called from several threads, never concurrently. Default: stderr.
  std::function<void(std::string_view line)> log_sink;
  // Whether log_sink receives the START / END / REPORT lines (they stay in InvokeResult's
  // log_tail either way).
  bool platform_lines = true;
  // Called (from an internal thread) when an instance process has been reaped.
  std::function<void(const ExitInfo&)> on_instance_exit;
};

// The variables the function reads (function/config.h LoadFunctionConfig, through
// providers/config.h and store/config.h), besides every RAINCHECK_*: the API keys, each also
// as NAME_SSM_PARAMETER / NAME_SECRET_ID; the port of the Parameters and Secrets extension;
// the S3 records' credentials, region and endpoint. The one list of them:
// cli/config_test.cc checks that the configuration reads exactly these names.
inline constexpr std::string_view kFunctionVariablePrefix = "RAINCHECK_";
inline constexpr std::string_view kFunctionVariables[] = {"LOCATIONIQ_KEY",
                                                          "LOCATIONIQ_KEY_SSM_PARAMETER",
                                                          "LOCATIONIQ_KEY_SECRET_ID",
                                                          "DARKSKY_KEY",
                                                          "DARKSKY_KEY_SSM_PARAMETER",
                                                          "DARKSKY_KEY_SECRET_ID",
                                                          "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
                                                          "AWS_ACCESS_KEY_ID",
                                                          "AWS_SECRET_ACCESS_KEY",
                                                          "AWS_SESSION_TOKEN",
                                                          "AWS_REGION",
                                                          "AWS_DEFAULT_REGION",
                                                          "AWS_ENDPOINT_URL_S3",
                                                          "AWS_ENDPOINT_URL"};
// Not read by the function but by the sanitizer runtimes of ASan/UBSan builds, so that an
// instance reports as the process that started it does.
inline constexpr std::string_view kSanitizerVariables[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS",
                                                           "LSAN_OPTIONS"};

// Whether an instance inherits the variable `name` of this process: every RAINCHECK_*, the
// kFunctionVariables and the kSanitizerVariables; nothing else (HOME, PATH, other secrets).
constexpr bool PassesThrough(std::string_view name) {
  if (name.starts_with(kFunctionVariablePrefix)) return true;
  for (std::string_view v : kFunctionVariables) {
    if (name == v) return true;
  }
  for (std::string_view v : kSanitizerVariables) {
    if (name == v) return true;
  }
  return false;
}

// The variables of this process an instance inherits (PassesThrough), with their values.
// Their values are never logged.
std::vector<std::pair<std::string, std::string>> PassThroughEnvironment();

struct InvokeOptions {
  std::string request_id;      // empty: a new UUID
  std::string trace_id;        // empty: a new X-Ray header "Root=1-...;Parent=...;Sampled=0"
  std::string client_context;  // passed as Lambda-Runtime-Client-Context
  // Whether the caller reads log_tail and max_memory_kb. When it does not and the START / END
  // / REPORT lines are not sent to the log sink either (EmulatorOptions::platform_lines), the
  // emulator neither formats them nor reads the instance's peak memory.
  bool log_tail = true;
};

struct InvokeResult {
  std::string request_id;
  std::string payload;         // the function's response, or the error document
  std::string function_error;  // "" or "Unhandled" (then payload is {errorMessage, errorType, ...})
  std::string log_tail;        // the last kLogTailBytes of this invocation's log (START..REPORT);
                               // empty when InvokeOptions::log_tail was false
  bool cold_start = false;     // this invocation started a new instance
  double init_ms = 0;          // cold starts: spawn to the first GET /next
  double duration_ms = 0;      // event handed over to result posted
  long max_memory_kb = 0;      // peak RSS of the instance so far (VmHWM); 0 when not reported
};

class Instance;

// Thread-safe. Instances start on demand, are reused warm, serve one invocation at a time, and
// number at most max_concurrency; an instance that timed out, crashed or failed to initialise
// is killed and started afresh by the next invocation it serves.
class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();  // Shutdown()
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Checks the options (bootstrap executable, limits). Call once before Invoke. Sets SIGPIPE
  // to be ignored process-wide (a runtime may vanish while we write to it).
  Status Start();

  // Runs one synchronous invocation. Function failures (handler error, init error, timeout,
  // crash, oversized response) are OK results with function_error "Unhandled". Errors:
  //   ResourceExhausted  payload over kMaxSyncRequestBytes
  //   Unavailable        the emulator is shut down, or bootstrap could not be started
  //   FailedPrecondition Start() was not called or failed
  Result<InvokeResult> Invoke(std::string payload, const InvokeOptions& options = {});

  // Replaces every instance's process (after new code or models): an idle instance starts a
  // new process at its next invocation, a busy one when its invocation in flight has finished
  // on the old process. Thread-safe.
  void ReplaceInstances();

  // Fails waiting and running invocations with Unavailable, kills every instance, waits for
  // the running Invoke calls to return. Idempotent.
  void Shutdown();

  const EmulatorOptions& options() const { return options_; }

 private:
  Result<Instance*> Acquire();
  void Release(Instance* instance);
  std::vector<std::string> InstanceEnvironment(int index, int port) const;

  EmulatorOptions options_;
  // A caller waiting for an instance; Release() sets `granted` and wakes it.
  struct Waiter {
    std::condition_variable cv;
    Instance* granted = nullptr;
  };

  std::mutex mu_;
  std::deque<Waiter*> waiters_;         // oldest first
  std::condition_variable drained_cv_;  // the last Invoke returned during shutdown
  bool started_ = false;
  bool shutting_down_ = false;
  int active_calls_ = 0;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<Instance*> idle_;
  // ReplaceInstances() bumps code_generation_; an instance whose generation is older is
  // restarted before it runs again.
  uint64_t code_generation_ = 0;
  std::vector<uint64_t> instance_generation_;  // by instance index
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_EMULATOR_H_
