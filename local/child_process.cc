#include "local/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "base/spawn.h"

namespace raincheck::local {
namespace {

std::string SignalName(int sig) {
  switch (sig) {
    case SIGKILL:
      return "killed";
    case SIGSEGV:
      return "segmentation fault";
    case SIGABRT:
      return "aborted";
    case SIGTERM:
      return "terminated";
    case SIGBUS:
      return "bus error";
    case SIGFPE:
      return "floating point exception";
    case SIGILL:
      return "illegal instruction";
    default:
      return "signal " + std::to_string(sig);
  }
}

}  // namespace

std::string ExitInfo::Describe() const {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "signal: " + SignalName(WTERMSIG(wait_status));
  return "unknown wait status " + std::to_string(wait_status);
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const SpawnOptions& options) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status::Unavailable(std::string("pipe: ") + ::strerror(errno));
  }
  base::SpawnSpec spec;
  spec.argv.push_back(options.path);
  spec.argv.insert(spec.argv.end(), options.args.begin(), options.args.end());
  spec.env = options.env;
  spec.cwd = options.cwd;
  spec.stdout_fd = fds[1];
  spec.stderr_fd = fds[1];
  spec.new_process_group = true;
  // Nothing of ours (other instances' pipes, listening sockets) leaks into the function.
  spec.close_other_fds = true;
  Result<pid_t> pid = base::Spawn(spec);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<ChildProcess>(new ChildProcess(*pid, fds[0]));
}

ChildProcess::~ChildProcess() {
  bool reaped = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    Kill();
    Wait();
  }
  ::close(output_fd_);
}

void ChildProcess::Kill() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return;  // the pid may belong to someone else by now
  // The group id is the child's pid; before the child has called setpgid the group may not
  // exist yet, so the child itself is signalled too.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
}

ExitInfo ChildProcess::Wait() {
  // Wait without reaping first: a zombie keeps its pid, so Kill stays safe until we reap.
  siginfo_t ignored{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &ignored, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  ExitInfo info;
  struct rusage usage {};
  std::lock_guard<std::mutex> lock(mu_);
  pid_t r = 0;
  do {
    r = ::wait4(pid_, &info.wait_status, 0, &usage);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  info.max_rss_kb = usage.ru_maxrss;
  return info;
}

}  // namespace raincheck::local
