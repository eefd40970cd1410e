#include "local/emulator.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "base/env.h"
#include "base/strings.h"
#include "local/instance.h"

extern char** environ;

namespace raincheck::local {
namespace {

std::string RandomHex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  // One engine per thread: invocations come from many threads at once.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::string out;
  out.reserve(digits);
  uint64_t bits = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = engine();
    out.push_back(kHex[bits & 0xF]);
    bits >>= 4;
  }
  return out;
}

// X-Ray's header: Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0
std::string NewTraceId() {
  char epoch[16];
  std::snprintf(epoch, sizeof epoch, "%08lx", static_cast<unsigned long>(std::time(nullptr)));
  return "Root=1-" + std::string(epoch) + "-" + RandomHex(24) + ";Parent=" + RandomHex(16) +
         ";Sampled=0";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> PassThroughEnvironment() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    if (PassesThrough(text.substr(0, eq))) {
      out.emplace_back(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  return out;
}

Emulator::Emulator(EmulatorOptions options) : options_(std::move(options)) {
  if (!options_.log_sink) {
    options_.log_sink = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fputc('\n', stderr);
      std::fflush(stderr);
    };
  }
  // Instances call the sink from their own threads: serialise.
  auto sink_mu = std::make_shared<std::mutex>();
  options_.log_sink = [sink_mu, sink = std::move(options_.log_sink)](std::string_view line) {
    std::lock_guard<std::mutex> lock(*sink_mu);
    sink(line);
  };
}

Emulator::~Emulator() { Shutdown(); }

Status Emulator::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.bootstrap_path.empty()) return Status::InvalidArgument("no bootstrap path given");
  if (::access(options_.bootstrap_path.c_str(), X_OK) != 0) {
    return Status::NotFound("bootstrap is not an executable file: " + options_.bootstrap_path);
  }
  if (options_.max_concurrency < 1) return Status::InvalidArgument("max concurrency must be >= 1");
  if (options_.timeout.count() <= 0 || options_.init_timeout.count() <= 0) {
    return Status::InvalidArgument("timeouts must be positive");
  }
  if (options_.memory_mb < 128 || options_.memory_mb > 10240) {
    return Status::InvalidArgument("memory size must be between 128 and 10240 MB, as on Lambda");
  }
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(options_.bootstrap_path, ec);
  if (!ec) options_.bootstrap_path = absolute.string();
  if (options_.task_root.empty()) {
    options_.task_root = std::filesystem::path(options_.bootstrap_path).parent_path().string();
  }
  // A runtime that goes away mid-write must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  started_ = true;
  return Status::Ok();
}

std::vector<std::string> Emulator::InstanceEnvironment(int index, int port) const {
  std::vector<std::string> env = {
      "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port),
      "AWS_LAMBDA_FUNCTION_NAME=" + options_.function_name,
      "AWS_LAMBDA_FUNCTION_VERSION=" + options_.function_version,
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(options_.memory_mb),
      "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + options_.function_name,
      "AWS_LAMBDA_LOG_STREAM_NAME=local/[" + options_.function_version + "]instance-" +
          std::to_string(index),
      "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
      "AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
      "AWS_SAM_LOCAL=true",  // as SAM CLI's emulator: records may go outside /tmp
      "LAMBDA_TASK_ROOT=" + options_.task_root,
      "LAMBDA_RUNTIME_DIR=" + options_.task_root,
      "_HANDLER=" + options_.function_name,
      "TZ=UTC",
      "LANG=en_US.UTF-8",
      "PATH=/usr/local/bin:/usr/bin:/bin",
  };
  bool has_region = false;
  for (const auto& [name, value] : options_.environment) {
    std::string entry = name;
    entry += '=';
    entry += value;
    env.push_back(std::move(entry));
    if (name == "AWS_REGION") has_region = true;
  }
  if (!has_region) env.push_back("AWS_REGION=" + options_.region);
  return env;
}

Result<Instance*> Emulator::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutting_down_) return Status::Unavailable("the emulator is shutting down");
  // Callers already waiting are served first: a newcomer takes an idle instance only when
  // nobody queues for one.
  if (!idle_.empty() && waiters_.empty()) {
    // Prefer a warm instance; the idle list is small (<= max_concurrency).
    auto warm = std::find_if(idle_.begin(), idle_.end(), [](Instance* i) { return i->Warm(); });
    if (warm == idle_.end()) warm = idle_.begin();
    Instance* instance = *warm;
    idle_.erase(warm);
    return instance;
  }
  if (static_cast<int>(instances_.size()) < options_.max_concurrency) {
    const int index = static_cast<int>(instances_.size());
    auto instance = std::make_unique<Instance>(
        index, options_, [this, index](int port) { return InstanceEnvironment(index, port); });
    RC_RETURN_IF_ERROR(instance->StartServer());
    instances_.push_back(std::move(instance));
    instance_generation_.push_back(code_generation_);
    return instances_.back().get();
  }
  // Every instance is busy: queue, first come first served. Release() hands the instance
  // straight to the oldest waiter, so a caller cannot be overtaken indefinitely, and only
  // that one thread is woken.
  Waiter waiter;
  waiters_.push_back(&waiter);
  waiter.cv.wait(lock, [&] { return waiter.granted != nullptr || shutting_down_; });
  if (waiter.granted != nullptr) return waiter.granted;
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
  return Status::Unavailable("the emulator is shutting down");
}

void Emulator::Release(Instance* instance) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!waiters_.empty() && !shutting_down_) {
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = instance;
    next->cv.notify_one();
    return;
  }
  idle_.push_back(instance);
}

Result<InvokeResult> Emulator::Invoke(std::string payload, const InvokeOptions& options) {
  if (payload.size() > kMaxSyncRequestBytes) {
    return Status::ResourceExhausted("Request must be smaller than " +
                                     std::to_string(kMaxSyncRequestBytes) +
                                     " bytes for the InvokeFunction operation");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return Status::FailedPrecondition("Emulator::Start was not called");
    if (shutting_down_) return Status::Unavailable("the emulator is shutting down");
    ++active_calls_;
  }
  Invocation invocation;
  invocation.request_id = options.request_id.empty() ? base::NewUuid() : options.request_id;
  invocation.trace_id = options.trace_id.empty() ? NewTraceId() : options.trace_id;
  invocation.client_context = options.client_context;
  invocation.report = options.log_tail || options_.platform_lines;
  invocation.payload = std::move(payload);

  Result<InvokeResult> result = Status::Unavailable("no instance");
  Result<Instance*> instance = Acquire();
  if (instance.ok()) {
    bool stale = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const size_t index = static_cast<size_t>((*instance)->index());
      stale = instance_generation_[index] != code_generation_;
      instance_generation_[index] = code_generation_;
    }
    if (stale) (*instance)->Restart();
    result = (*instance)->Run(invocation);
    Release(*instance);
  } else {
    result = instance.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  --active_calls_;
  if (shutting_down_ && active_calls_ == 0) drained_cv_.notify_all();
  return result;
}

void Emulator::ReplaceInstances() {
  std::lock_guard<std::mutex> lock(mu_);
  ++code_generation_;
}

void Emulator::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutting_down_ = true;
  for (Waiter* waiter : waiters_) waiter->cv.notify_one();
  for (auto& instance : instances_) instance->BeginShutdown();
  drained_cv_.wait(lock, [&] { return active_calls_ == 0; });
  std::vector<std::unique_ptr<Instance>> instances = std::move(instances_);
  idle_.clear();
  lock.unlock();
  for (auto& instance : instances) instance->Shutdown();
}

}  // namespace raincheck::local
