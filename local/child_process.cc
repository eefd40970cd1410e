#include "local/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace raincheck::local {
namespace {

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
 public:
  SpawnAttributes() { posix_spawnattr_init(&attr_); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string SignalName(int sig) {
  switch (sig) {
    case SIGKILL: return "killed";
    case SIGSEGV: return "segmentation fault";
    case SIGABRT: return "aborted";
    case SIGTERM: return "terminated";
    case SIGBUS: return "bus error";
    case SIGFPE: return "floating point exception";
    case SIGILL: return "illegal instruction";
    default: return "signal " + std::to_string(sig);
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
  FileActions actions;
  SpawnAttributes attributes;
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), fds[1], STDERR_FILENO);
  // Nothing of ours (other instances' pipes, listening sockets) leaks into the function.
  posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(actions.get(), options.cwd.c_str());
  // Its own process group, default signal handling, nothing blocked.
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(attributes.get(), &none);
  posix_spawnattr_setsigdefault(attributes.get(), &all);
  posix_spawnattr_setpgroup(attributes.get(), 0);
  posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv_strings{options.path};
  argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(options.env);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, options.path.c_str(), actions.get(), attributes.get(),
                               argv.data(), envp.data());
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::Unavailable("cannot start " + options.path + ": " + ::strerror(rc));
  }
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, fds[0]));
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
