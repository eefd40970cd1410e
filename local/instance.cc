#include "local/instance.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/clock.h"
#include "base/strings.h"
#include "local/httplib_serve.h"

namespace raincheck::local {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kServerThreads = 8;
// Bodies above this are refused by the HTTP layer before our handlers see them.
constexpr size_t kMaxBodyBytes = 64u << 20;
constexpr size_t kAnsweredIdsKept = 256;
constexpr size_t kInvocationLogKept = 64u << 10;

std::string ErrorJson(std::string_view type, std::string_view message) {
  nlohmann::json doc = {{"errorMessage", message}, {"errorType", type}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Seconds(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return text;
}

double MillisSince(SteadyClock::time_point start, SteadyClock::time_point end) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()) /
         1000.0;
}

// The error document of a posted /error or /init/error: the body when it is a JSON object,
// else one built from the Lambda-Runtime-Function-Error-Type header.
std::string NormalizeError(const httplib::Request& req) {
  const nlohmann::json parsed = nlohmann::json::parse(req.body, nullptr, false);
  if (parsed.is_object()) return req.body;
  std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
  if (type.empty()) type = "Runtime.Unknown";
  return ErrorJson(type, "the runtime reported an error without an error document");
}

Status ShuttingDown() { return Status::Unavailable("the emulator is shutting down"); }

// The Runtime API's answer to a body over `limit` bytes.
std::string PayloadTooLarge(size_t limit) {
  return ErrorJson("RequestEntityTooLarge",
                   "Exceeded maximum allowed payload size (" + std::to_string(limit) + " bytes).");
}

// The error document of an invocation whose runtime process ended (`how`: its exit status).
std::string RuntimeExited(std::string_view type, const std::string& request_id,
                          const std::string& how) {
  return ErrorJson(type, "RequestId: " + request_id + " Error: Runtime exited with error: " + how);
}

// The error document of an invocation that ran out of time; `phase` is "Init" or "Task".
std::string TimedOut(const std::string& request_id, std::string_view phase,
                     std::chrono::milliseconds limit) {
  return ErrorJson("Sandbox.Timedout", "RequestId: " + request_id +
                                           " Error: " + std::string(phase) + " timed out after " +
                                           Seconds(limit) + " seconds");
}

void Reply(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

}  // namespace

Instance::Instance(int index, const EmulatorOptions& options,
                   std::function<std::vector<std::string>(int port)> env)
    : index_(index),
      options_(options),
      env_(std::move(env)),
      server_(std::make_unique<httplib::Server>()) {}

Instance::~Instance() { Shutdown(); }

Status Instance::StartServer() {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_payload_max_length(kMaxBodyBytes);
  // stop() waits for idle keep-alive connections; a runtime is never idle for long anyway.
  server_->set_keep_alive_timeout(1);
  // Headers and body go out in separate writes: without this, Nagle's algorithm and the
  // peer's delayed ACK add 40 ms to every hand-over.
  server_->set_tcp_nodelay(true);
  InstallRoutes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return Status::Unavailable("cannot bind the Runtime API server to 127.0.0.1");
  // Returns once the accept loop runs, so that a quick Shutdown cannot leave it running forever.
  if (!ServeInBackground(*server_, &server_thread_)) {
    return Status::Unavailable("the HTTP server did not start");
  }
  return Status::Ok();
}

void Instance::InstallRoutes() {
  server_->Get(
      "/2018-06-01/runtime/invocation/next",
      [this](const httplib::Request& req, httplib::Response& res) { HandleNext(req, res); });
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/response)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  HandleResult(req, res, /*is_error=*/false);
                });
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  HandleResult(req, res, /*is_error=*/true);
                });
  server_->Post(
      "/2018-06-01/runtime/init/error",
      [this](const httplib::Request& req, httplib::Response& res) { HandleInitError(req, res); });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      Reply(res, 413, PayloadTooLarge(kMaxBodyBytes));
    } else if (res.status == 404) {
      Reply(res, 404, ErrorJson("InvalidURL", "not a Runtime API path"));
    }
  });
}

bool Instance::Warm() {
  std::lock_guard<std::mutex> lock(mu_);
  return child_ != nullptr && !exited_;
}

void Instance::HandleNext(const httplib::Request&, httplib::Response& res) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t generation = generation_;
  initialised_ = true;
  runtime_cv_.wait(
      lock, [&] { return pending_.has_value() || shutting_down_ || generation_ != generation; });
  if (!pending_.has_value() || generation_ != generation) {
    Reply(res, 500, ErrorJson("ServiceUnavailable", "the execution environment is shutting down"));
    return;
  }
  Invocation invocation = std::move(*pending_);
  pending_.reset();
  // The runtime asks for the next event only after printing what belongs to the last one:
  // attribute that output first, then start this invocation's log.
  DrainOutput();
  {
    std::lock_guard<std::mutex> log_lock(log_mu_);
    BeginLogLocked(invocation.request_id);
    if (invocation.report) {
      EmitLocked(
          "START RequestId: " + invocation.request_id + " Version: " + options_.function_version,
          /*platform=*/true);
    }
  }
  delivered_ = true;
  delivered_at_ = SteadyClock::now();
  const auto now = std::chrono::system_clock::now();
  deadline_ = now + options_.timeout;
  res.set_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id);
  res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(base::ToUnixMillis(deadline_)));
  res.set_header(
      "Lambda-Runtime-Invoked-Function-Arn",
      "arn:aws:lambda:" + options_.region + ":000000000000:function:" + options_.function_name);
  res.set_header("Lambda-Runtime-Trace-Id", invocation.trace_id);
  if (!invocation.client_context.empty()) {
    res.set_header("Lambda-Runtime-Client-Context", invocation.client_context);
  }
  res.status = 200;
  res.set_content(invocation.payload, "application/json");
  // Run waits for the result; the delivery only moves its limit to the function timeout from
  // now. That is later than the limit it sleeps on, except after a cold start, whose init
  // timeout may be longer: only then is it woken to sleep on the earlier limit.
  if (delivered_at_ + options_.timeout < caller_limit_) caller_cv_.notify_all();
}

void Instance::HandleResult(const httplib::Request& req, httplib::Response& res, bool is_error) {
  const std::string id = base::UrlDecode(req.matches[1].str(), /*plus_is_space=*/false);
  std::lock_guard<std::mutex> lock(mu_);
  if (id.empty() || id != inflight_id_ || !delivered_ || outcome_.has_value()) {
    if (AlreadyAnsweredLocked(id) || (id == inflight_id_ && outcome_.has_value())) {
      Reply(res, 403,
            ErrorJson("InvalidStateTransition", "the invocation has already been answered"));
    } else {
      Reply(res, 400, ErrorJson("InvalidRequestID", "Invalid request ID"));
    }
    return;
  }
  if (req.body.size() > kMaxFunctionResponseBytes) {
    Reply(res, 413, PayloadTooLarge(kMaxFunctionResponseBytes));
    outcome_ = Outcome{ErrorJson("Function.ResponseSizeTooLarge",
                                 "Response payload size exceeded maximum allowed payload size (" +
                                     std::to_string(kMaxFunctionResponseBytes) + " bytes)."),
                       true};
  } else {
    outcome_ = Outcome{is_error ? NormalizeError(req) : req.body, is_error};
    Reply(res, 202, R"({"status":"OK"})");
  }
  RememberAnsweredLocked(id);
  caller_cv_.notify_all();
}

void Instance::HandleInitError(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(mu_);
  if (initialised_ || child_ == nullptr) {
    Reply(res, 403,
          ErrorJson("InvalidStateTransition",
                    "initialisation is over; report errors per invocation"));
    return;
  }
  init_error_ = NormalizeError(req);
  Reply(res, 202, R"({"status":"OK"})");
  caller_cv_.notify_all();
}

bool Instance::AlreadyAnsweredLocked(const std::string& id) const {
  for (const std::string& answered : answered_) {
    if (answered == id) return true;
  }
  return false;
}

void Instance::RememberAnsweredLocked(const std::string& id) {
  answered_.push_back(id);
  if (answered_.size() > kAnsweredIdsKept) answered_.pop_front();
}

Status Instance::SpawnLocked() {
  SpawnOptions spawn;
  spawn.path = options_.bootstrap_path;
  spawn.args = options_.bootstrap_args;
  spawn.env = env_(port_);
  spawn.cwd = options_.task_root;
  RC_ASSIGN_OR_RETURN(child_, ChildProcess::Spawn(spawn));
  ++generation_;
  exited_ = false;
  exit_description_.clear();
  initialised_ = false;
  init_error_.reset();
  ChildProcess* child = child_.get();
  {
    std::lock_guard<std::mutex> log_lock(log_mu_);
    partial_line_.clear();
    output_fd_ = child->output_fd();
  }
  const uint64_t generation = generation_;
  output_thread_ = std::thread([this, child, generation] {
    ReadOutput(child->output_fd());
    const ExitInfo info = child->Wait();
    if (options_.on_instance_exit) options_.on_instance_exit(info);
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ == generation) {
      exited_ = true;
      exit_description_ = info.Describe();
    }
    caller_cv_.notify_all();
    runtime_cv_.notify_all();  // a GET /next of this process still waiting gives up
  });
  return Status::Ok();
}

void Instance::ReadOutput(int fd) {
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (!DrainOutput()) return;
  }
}

bool Instance::DrainOutput() {
  std::lock_guard<std::mutex> log_lock(log_mu_);
  const int fd = output_fd_;
  if (fd < 0) return false;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      partial_line_.append(buffer, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl = partial_line_.find('\n'); nl != std::string::npos;
           nl = partial_line_.find('\n', start)) {
        EmitLocked(std::string_view(partial_line_).substr(start, nl - start));
        start = nl + 1;
      }
      partial_line_.erase(0, start);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    // EOF (or a broken pipe): flush the last unterminated line.
    if (!partial_line_.empty()) {
      EmitLocked(partial_line_);
      partial_line_.clear();
    }
    return false;
  }
}

void Instance::EmitLocked(std::string_view line, bool platform) {
  invocation_log_.append(line);
  invocation_log_.push_back('\n');
  if (invocation_log_.size() > kInvocationLogKept) {
    invocation_log_.erase(0, invocation_log_.size() - kLogTailBytes);
  }
  if (!options_.log_sink || (platform && !options_.platform_lines)) return;
  std::string text;
  text.reserve(log_request_id_.size() + line.size() + 3);
  text.push_back('[');
  text.append(log_request_id_);
  text.append("] ");
  text.append(line);
  options_.log_sink(text);
}

void Instance::Emit(std::string_view line) {
  std::lock_guard<std::mutex> log_lock(log_mu_);
  EmitLocked(line);
}

long Instance::PeakRssKb() const { return StatusKb("VmHWM:"); }

long Instance::StatusKb(const char* field) const {
  // Called with the process alive (mu_ held by the caller, so it is not reaped meanwhile).
  if (child_ == nullptr) return 0;
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(child_->pid()));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[4096];
  size_t size = 0;
  while (size < sizeof text - 1) {
    const ssize_t n = ::read(fd, text + size, sizeof text - 1 - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  text[size] = '\0';
  const std::string needle = std::string("\n") + field;
  const char* line = std::strstr(text, needle.c_str());
  if (line == nullptr) return 0;
  return std::strtol(line + needle.size(), nullptr, 10);  // "  20480 kB"
}

void Instance::Restart() { KillAndReap(); }

void Instance::KillAndReap() {
  std::thread output;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (child_ == nullptr) return;
    child_->Kill();
    output = std::move(output_thread_);
  }
  if (output.joinable()) output.join();  // reads to EOF, then reaps
  std::unique_ptr<ChildProcess> child;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::lock_guard<std::mutex> log_lock(log_mu_);
    output_fd_ = -1;
    child = std::move(child_);
    exited_ = false;
  }
}

// An invocation, step by step: start bootstrap if none runs and hand the event over, wait for
// the outcome, say how it ended as Lambda would, then log END and REPORT.
Result<InvokeResult> Instance::Run(const Invocation& invocation) {
  ReapIfExited();
  InvokeResult result;
  result.request_id = invocation.request_id;
  std::unique_lock<std::mutex> lock(mu_);
  const auto spawned_at = SteadyClock::now();
  RC_ASSIGN_OR_RETURN(result.cold_start, HandOverLocked(invocation));
  // Until the runtime takes the event, the limit is the init timeout (cold) or the function
  // timeout from now (warm); from the hand-over on, the function timeout from then.
  const auto first_limit = result.cold_start ? options_.init_timeout : options_.timeout;
  const bool out_of_memory = WaitLocked(lock, spawned_at + first_limit);
  RC_ASSIGN_OR_RETURN(const bool kill,
                      ConcludeLocked(out_of_memory, spawned_at, first_limit, result));
  if (delivered_) result.duration_ms = MillisSince(delivered_at_, SteadyClock::now());
  RememberAnsweredLocked(result.request_id);
  inflight_id_.clear();
  delivered_ = false;
  outcome_.reset();
  if (!exited_ && invocation.report) result.max_memory_kb = PeakRssKb();
  lock.unlock();

  if (kill) KillAndReap();
  DrainOutput();  // lines written before the result was posted
  std::lock_guard<std::mutex> log_lock(log_mu_);
  BeginLogLocked(result.request_id);  // the event may never have been handed over
  if (invocation.report) ReportLocked(result);
  return result;
}

void Instance::ReapIfExited() {
  bool dead = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dead = child_ != nullptr && exited_;
  }
  if (dead) KillAndReap();
}

Result<bool> Instance::HandOverLocked(const Invocation& invocation) {
  if (shutting_down_) return ShuttingDown();
  bool cold_start = false;
  if (child_ == nullptr) {
    {
      // A new process's start-up output belongs to the invocation that started it.
      std::lock_guard<std::mutex> log_lock(log_mu_);
      log_request_id_ = invocation.request_id;
      invocation_log_.clear();
    }
    RC_RETURN_IF_ERROR(SpawnLocked());
    cold_start = true;
  }
  pending_ = invocation;
  inflight_id_ = invocation.request_id;
  delivered_ = false;
  outcome_.reset();
  runtime_cv_.notify_all();
  return cold_start;
}

bool Instance::WaitLocked(std::unique_lock<std::mutex>& lock,
                          SteadyClock::time_point first_limit_at) {
  // One wait until the result or a failure. A warm hand-over does not wake this thread: the
  // wake-up at the first limit finds the event delivered and sleeps on to the second (see
  // HandleNext). With the memory limit enforced, the resident memory is looked at every
  // kMemoryPoll too.
  constexpr auto kMemoryPoll = std::chrono::milliseconds(20);
  const long memory_limit_kb = options_.enforce_memory ? options_.memory_mb * 1024L : 0;
  while (!outcome_.has_value() && !exited_ && !shutting_down_ &&
         !(!delivered_ && init_error_.has_value())) {
    caller_limit_ = delivered_ ? delivered_at_ + options_.timeout : first_limit_at;
    const auto now = SteadyClock::now();
    if (now >= caller_limit_) break;
    if (memory_limit_kb > 0) {
      if (StatusKb("VmRSS:") > memory_limit_kb) return true;
      caller_cv_.wait_until(lock, std::min(caller_limit_, now + kMemoryPoll));
    } else {
      caller_cv_.wait_until(lock, caller_limit_);
    }
  }
  // A peak between two looks counts too, as Lambda's cgroup would have stopped it.
  return memory_limit_kb > 0 && !exited_ && PeakRssKb() > memory_limit_kb;
}

Result<bool> Instance::ConcludeLocked(bool out_of_memory, SteadyClock::time_point spawned_at,
                                      std::chrono::milliseconds first_limit, InvokeResult& result) {
  const std::string& id = result.request_id;
  const auto fail = [&result](std::string error_document) {
    result.function_error = "Unhandled";
    result.payload = std::move(error_document);
  };
  if (out_of_memory && !shutting_down_) {
    pending_.reset();
    fail(RuntimeExited("Runtime.OutOfMemory", id, "signal: killed"));
    return true;
  }
  if (!delivered_) {
    pending_.reset();
  } else {
    if (result.cold_start) result.init_ms = MillisSince(spawned_at, delivered_at_);
    if (outcome_.has_value()) {
      result.payload = std::move(outcome_->payload);
      if (outcome_->error) result.function_error = "Unhandled";
      return false;
    }
  }
  if (shutting_down_) return ShuttingDown();
  if (!delivered_ && init_error_.has_value()) {
    fail(*init_error_);
    return true;
  }
  if (exited_) {
    fail(RuntimeExited("Runtime.ExitError", id, exit_description_));
    return false;
  }
  if (delivered_) {
    fail(TimedOut(id, "Task", options_.timeout));
  } else {
    fail(TimedOut(id, result.cold_start ? "Init" : "Task", first_limit));
  }
  return true;
}

void Instance::BeginLogLocked(const std::string& request_id) {
  if (log_request_id_ == request_id) return;
  log_request_id_ = request_id;
  invocation_log_.clear();
}

void Instance::ReportLocked(InvokeResult& result) {
  const std::string& id = result.request_id;
  char report[256];
  // Lambda bills whole milliseconds, rounded up.
  std::snprintf(report, sizeof report,
                "\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: %d MB\t"
                "Max Memory Used: %ld MB",
                result.duration_ms, std::max(1.0, std::ceil(result.duration_ms)),
                options_.memory_mb, result.max_memory_kb / 1024);
  std::string report_line = "REPORT RequestId: " + id + report;
  if (result.cold_start && result.init_ms > 0) {
    char init[64];
    std::snprintf(init, sizeof init, "\tInit Duration: %.2f ms", result.init_ms);
    report_line += init;
  }
  EmitLocked("END RequestId: " + id, /*platform=*/true);
  EmitLocked(report_line, /*platform=*/true);
  const size_t keep = std::min(invocation_log_.size(), kLogTailBytes);
  result.log_tail = invocation_log_.substr(invocation_log_.size() - keep);
}

void Instance::BeginShutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  caller_cv_.notify_all();
  runtime_cv_.notify_all();
}

void Instance::Shutdown() {
  BeginShutdown();
  KillAndReap();
  if (server_thread_.joinable()) {
    server_->stop();
    server_thread_.join();
  }
}

}  // namespace raincheck::local
