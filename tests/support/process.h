// Starts and runs commands for black-box tests of the executables.
#ifndef RAINCHECK_TESTS_SUPPORT_PROCESS_H_
#define RAINCHECK_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace raincheck::testing {

struct SpawnOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the current environment
  int stdin_fd = -1;                       // -1: /dev/null
  int stdout_fd = -1;                      // -1: inherited
  int stderr_fd = -1;                      // -1: inherited
  std::string output_file;                 // when set, stdout and stderr go to this file
  bool new_process_group = false;          // the child leads a process group of its own
};

// Starts `argv` (argv[0] is a path, or a name looked up in PATH) with base::Spawn and
// returns its pid, or -1. Tests are multi-threaded (loopback fakes), so never a bare fork()
// (base/spawn.h says why).
pid_t Spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs `argv` with `stdin_data` on its standard input, extra environment variables `env`, and
// waits for it. A command still running after `limit` is killed (timed_out, exit 137), so a
// hang fails the test with its output instead of stalling the suite.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds limit = std::chrono::seconds(180));

// build/bin/<name> of the build tree under test.
std::string BinaryPath(const std::string& name);

}  // namespace raincheck::testing

#endif  // RAINCHECK_TESTS_SUPPORT_PROCESS_H_
