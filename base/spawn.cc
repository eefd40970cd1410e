#include "base/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace raincheck::base {
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

}  // namespace

Result<pid_t> Spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return Status::InvalidArgument("nothing to start");
  FileActions actions;
  if (spec.stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(actions.get(), spec.stdin_fd, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (!spec.output_file.empty()) {
    posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, spec.output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  } else {
    if (spec.stdout_fd >= 0) {
      posix_spawn_file_actions_adddup2(actions.get(), spec.stdout_fd, STDOUT_FILENO);
    }
    if (spec.stderr_fd >= 0) {
      posix_spawn_file_actions_adddup2(actions.get(), spec.stderr_fd, STDERR_FILENO);
    }
  }
  if (spec.close_other_fds) posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(actions.get(), spec.cwd.c_str());

  SpawnAttributes attributes;
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(attributes.get(), &none);
  posix_spawnattr_setsigdefault(attributes.get(), &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (spec.new_process_group) {
    posix_spawnattr_setpgroup(attributes.get(), 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(attributes.get(), flags);

  const std::vector<char*> argv = CStrings(spec.argv);
  const std::vector<char*> envp = CStrings(spec.env);
  pid_t pid = 0;
  const int rc =
      spec.search_path
          ? ::posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), envp.data())
          : ::posix_spawn(&pid, argv[0], actions.get(), attributes.get(), argv.data(), envp.data());
  if (rc != 0)
    return Status::Unavailable("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
  return pid;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

Result<int> WaitForExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::Internal(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

namespace {

// Both ends of a pipe, closed when it goes out of scope.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
  bool Open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void Close(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

}  // namespace

Result<CapturedRun> RunAndCapture(SpawnSpec spec) {
  Pipe out, err;
  if (!out.Open() || !err.Open()) {
    return Status::Unavailable(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  spec.output_file.clear();
  spec.stdout_fd = out.fd[1];
  spec.stderr_fd = err.fd[1];
  RC_ASSIGN_OR_RETURN(const pid_t pid, Spawn(spec));
  out.Close(1);  // the child holds the write ends now: its exit ends our reads
  err.Close(1);
  CapturedRun run;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.stdout_text, &run.stderr_text};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // at its end; the Pipe closes it
        --open_count;
      }
    }
  }
  RC_ASSIGN_OR_RETURN(run.exit_code, WaitForExit(pid));
  return run;
}

}  // namespace raincheck::base
