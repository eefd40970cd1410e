// A child process with stdout and stderr on one pipe, stdin on /dev/null, in its own process
// group, and no other descriptor of ours inherited.
#ifndef RAINCHECK_LOCAL_CHILD_PROCESS_H_
#define RAINCHECK_LOCAL_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::local {

struct SpawnOptions {
  std::string path;               // the executable
  std::vector<std::string> args;  // argv[1..]
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string cwd;                // empty: ours
};

// How a process ended, and what it used.
struct ExitInfo {
  int wait_status = 0;
  long max_rss_kb = 0;  // peak resident set size (wait4 rusage)

  // Lambda's wording: "exit status 1", "signal: killed", "signal: segmentation fault".
  std::string Describe() const;
};

// Thread-safe: Kill may be called while another thread is in Wait.
class ChildProcess {
 public:
  // Starts `options.path`; fails with Unavailable (not executable, out of resources).
  static Result<std::unique_ptr<ChildProcess>> Spawn(const SpawnOptions& options);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills the process group and reaps the child when it was not waited for.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Read end of the stdout+stderr pipe: non-blocking, close-on-exec, owned by this object.
  int output_fd() const { return output_fd_; }

  // SIGKILL to the child's process group. Harmless after the child has been reaped.
  void Kill();
  // Blocks until the child exits, then reaps it. Call once, from one thread.
  ExitInfo Wait();

 private:
  ChildProcess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}

  pid_t pid_;
  int output_fd_;
  std::mutex mu_;
  bool reaped_ = false;  // guarded by mu_
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_CHILD_PROCESS_H_
