#include "base/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>

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

}  // namespace raincheck::base
