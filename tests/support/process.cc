#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/spawn.h"

extern char** environ;

namespace raincheck::testing {

std::string BinaryPath(const std::string& name) {
  return std::string(RAINCHECK_BINARY_DIR) + "/bin/" + name;
}

namespace {

// The current environment with `overrides` applied, as NAME=value strings.
std::vector<std::string> Environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    const std::string name(*e, eq != nullptr ? static_cast<size_t>(eq - *e) : std::strlen(*e));
    if (overrides.count(name) == 0) out.emplace_back(*e);
  }
  for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
  return out;
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  base::SpawnSpec spec;
  spec.argv = argv;
  spec.env = Environment(options.env);
  spec.search_path = true;
  spec.stdin_fd = options.stdin_fd;
  spec.stdout_fd = options.stdout_fd;
  spec.stderr_fd = options.stderr_fd;
  spec.output_file = options.output_file;
  spec.new_process_group = options.new_process_group;
  Result<pid_t> pid = base::Spawn(spec);
  return pid.ok() ? *pid : -1;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data,
                         const std::map<std::string, std::string>& env,
                         std::chrono::seconds limit) {
  ProcessResult result;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) ::close(fd);
    }
    result.err = "pipe2 failed";
    return result;
  }
  // A write to a child that exited must fail with EPIPE, not kill the test (set once).
  static const bool sigpipe_ignored = ::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  SpawnOptions options;
  options.env = env;
  options.stdin_fd = in[0];
  options.stdout_fd = out[1];
  options.stderr_fd = err[1];
  const pid_t pid = Spawn(argv, options);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    result.err = "could not start " + argv.front();
    return result;
  }
  size_t written = 0;
  if (stdin_data.empty()) {
    ::close(in[1]);
    in[1] = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  int open_reads = 2;
  while (open_reads > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      result.err += "\n[test harness: killed after " + std::to_string(limit.count()) + " s]\n";
      break;
    }
    fds[2].fd = in[1];
    if (::poll(fds, 3, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[65536];
        const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
        if (got <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_reads;
        } else {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(got));
        }
      }
    }
    if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t w = ::write(in[1], stdin_data.data() + written, stdin_data.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w <= 0 || written == stdin_data.size()) {
        ::close(in[1]);
        in[1] = -1;
      }
    }
  }
  for (int fd : {in[1], fds[0].fd, fds[1].fd}) {
    if (fd >= 0) ::close(fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace raincheck::testing
