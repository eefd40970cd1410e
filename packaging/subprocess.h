// Running tools (ldd, the aws CLI) by argv, never through a shell.
#ifndef RAINCHECK_PACKAGING_SUBPROCESS_H_
#define RAINCHECK_PACKAGING_SUBPROCESS_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::packaging {

struct CommandOutput {
  int exit_code = 0;  // 128 + signal when killed by one
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv (looked up on PATH) and captures both streams. NotFound when it cannot be started.
Result<CommandOutput> RunCapture(const std::vector<std::string>& argv);

// Runs argv with this process's stdin/stdout/stderr; returns its exit code.
Result<int> RunInherit(const std::vector<std::string>& argv);

// POSIX shell quoting: the word unchanged when it is safe, else single-quoted.
std::string ShellQuote(const std::string& word);
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_SUBPROCESS_H_
