// One execution environment of the emulator: a Runtime API server on its own loopback port and
// the bootstrap process that talks to it. Internal to local/; use local/emulator.h.
#ifndef RAINCHECK_LOCAL_INSTANCE_H_
#define RAINCHECK_LOCAL_INSTANCE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "local/child_process.h"
#include "local/emulator.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace raincheck::local {

struct Invocation {
  std::string request_id;
  std::string payload;
  std::string trace_id;
  std::string client_context;
  bool report = true;  // START / END / REPORT lines, the log tail and the peak memory
};

// Thread-safe, but Run is called by one thread at a time (the emulator checks instances out).
class Instance {
 public:
  // `env` builds the process environment from the Runtime API port. `options` must outlive this.
  Instance(int index, const EmulatorOptions& options,
           std::function<std::vector<std::string>(int port)> env);
  ~Instance();  // Shutdown()
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Binds the Runtime API server to 127.0.0.1 on a free port and starts serving.
  Status StartServer();
  int port() const { return port_; }
  // True while a bootstrap process is running (warm or initialising).
  bool Warm();

  // Starts bootstrap when it is not running, hands it the invocation and waits for the outcome
  // (see Emulator::Invoke). Unavailable when shut down or when bootstrap cannot be spawned.
  Result<InvokeResult> Run(const Invocation& invocation);

  int index() const { return index_; }
  // Kills the process, if any: the next Run starts a new one. Not while Run is in progress.
  void Restart();

  // Makes a waiting Run return Unavailable and pending Runtime API calls answer 500. May be
  // called while Run is in progress.
  void BeginShutdown();
  // BeginShutdown, then kills the process and stops the server. Not while Run is in progress.
  void Shutdown();

 private:
  struct Outcome {
    std::string payload;
    bool error = false;
  };

  void InstallRoutes();
  void HandleNext(const httplib::Request& req, httplib::Response& res);
  void HandleResult(const httplib::Request& req, httplib::Response& res, bool is_error);
  void HandleInitError(const httplib::Request& req, httplib::Response& res);

  // The steps of Run. Kills and reaps a process that exited between invocations.
  void ReapIfExited();
  // Starts bootstrap when none runs and queues the invocation for its GET /next; true when
  // that was a cold start. Unavailable when shutting down or when bootstrap cannot be spawned.
  Result<bool> HandOverLocked(const Invocation& invocation);
  // Sleeps until the result, an init error, the process's exit, shutdown, or the limit: until
  // the hand-over `first_limit_at`, then the function timeout from the hand-over. True when
  // the process went over the memory limit (EmulatorOptions::enforce_memory).
  bool WaitLocked(std::unique_lock<std::mutex>& lock,
                  std::chrono::steady_clock::time_point first_limit_at);
  // Fills `result` with how the invocation ended (the function's answer, or the error
  // document Lambda would give) and returns whether the process must be killed. Unavailable
  // when the emulator is shutting down.
  Result<bool> ConcludeLocked(bool out_of_memory, std::chrono::steady_clock::time_point spawned_at,
                              std::chrono::milliseconds first_limit, InvokeResult& result);
  // log_mu_ held. The per-invocation log now belongs to `request_id` (cleared if it did not).
  void BeginLogLocked(const std::string& request_id);
  // log_mu_ held. Emits END and REPORT and copies the log tail into `result`.
  void ReportLocked(InvokeResult& result);

  Status SpawnLocked();
  void KillAndReap();       // without mu_ held
  void ReadOutput(int fd);  // the output thread's body
  // Reads what the process has written so far and emits whole lines; returns false at EOF.
  bool DrainOutput();
  // log_mu_ held. `platform`: a START / END / REPORT line (see EmulatorOptions::platform_lines).
  void EmitLocked(std::string_view line, bool platform = false);
  void Emit(std::string_view line);
  bool AlreadyAnsweredLocked(const std::string& id) const;
  void RememberAnsweredLocked(const std::string& id);
  // Peak (VmHWM) or current (VmRSS) resident memory of the process, mu_ held; 0 if unknown.
  long PeakRssKb() const;
  long StatusKb(const char* field) const;

  const int index_;
  const EmulatorOptions& options_;
  std::function<std::vector<std::string>(int port)> env_;
  std::unique_ptr<httplib::Server> server_;
  std::thread server_thread_;
  int port_ = 0;

  std::mutex mu_;  // everything below, up to log_mu_
  // Two sides wait, each on its own variable, so that a change one side waits for wakes only
  // that side (every spurious wake-up costs two context switches per invocation).
  std::condition_variable runtime_cv_;  // GET /next: an event, a new process, or shutdown
  std::condition_variable caller_cv_;   // Run: the result, an init error, an exit, or shutdown
  bool shutting_down_ = false;
  std::unique_ptr<ChildProcess> child_;
  std::thread output_thread_;
  uint64_t generation_ = 0;  // one per spawned process
  bool exited_ = false;
  std::string exit_description_;
  bool initialised_ = false;  // the process has called GET /next
  std::optional<std::string> init_error_;
  std::optional<Invocation> pending_;
  std::string inflight_id_;
  bool delivered_ = false;
  std::chrono::steady_clock::time_point delivered_at_;
  std::chrono::steady_clock::time_point caller_limit_;  // until when Run sleeps at most
  std::chrono::system_clock::time_point deadline_;
  std::optional<Outcome> outcome_;
  std::deque<std::string> answered_;

  std::mutex log_mu_;  // the output pipe, partial line, per-invocation log (after mu_)
  int output_fd_ = -1;
  std::string log_request_id_;
  std::string partial_line_;
  std::string invocation_log_;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_INSTANCE_H_
