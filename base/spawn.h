// Starting a child process with posix_spawn: nothing of ours runs between fork and exec, so a
// multi-threaded parent cannot leave the child waiting forever on a lock (malloc's, a
// sanitizer's) that another thread held at the moment of the fork.
#ifndef RAINCHECK_BASE_SPAWN_H_
#define RAINCHECK_BASE_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::base {

struct SpawnSpec {
  std::vector<std::string> argv;   // argv[0]: the executable's path (or name, with search_path)
  std::vector<std::string> env;    // "NAME=value": the child's whole environment
  bool search_path = false;        // look argv[0] up in PATH when it has no '/'
  std::string cwd;                 // empty: ours
  int stdin_fd = -1;               // -1: /dev/null
  int stdout_fd = -1;              // -1: ours
  int stderr_fd = -1;              // -1: ours
  std::string output_file;         // when set, stdout and stderr go to this file (truncated)
  bool new_process_group = false;  // the child leads a process group of its own
  bool close_other_fds = false;    // no descriptor above stderr is inherited
};

// Starts the child with default signal dispositions and no signal blocked; returns its pid.
// Unavailable naming the executable and the reason when it cannot be started.
Result<pid_t> Spawn(const SpawnSpec& spec);

// This process's environment as SpawnSpec::env wants it ("NAME=value" each).
std::vector<std::string> CurrentEnvironment();

// Waits for the child `pid` (retrying on EINTR): its exit code, or 128 + the signal that killed
// it. Internal when it cannot be waited for (not our child).
Result<int> WaitForExit(pid_t pid);

struct CapturedRun {
  int exit_code = 0;  // as WaitForExit
  std::string stdout_text;
  std::string stderr_text;
};

// Runs `spec` to its end with its stdout and stderr captured through pipes (spec's stdout_fd,
// stderr_fd and output_file are ignored), both read at once so that neither pipe fills up and
// blocks the child. Unavailable when it cannot be started (as Spawn). For tools with bounded
// output (ldd, the aws CLI): the output is held in memory.
Result<CapturedRun> RunAndCapture(SpawnSpec spec);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_SPAWN_H_
