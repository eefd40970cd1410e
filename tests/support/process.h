// Runs a command for black-box tests of the executables.
#ifndef RAINCHECK_TESTS_SUPPORT_PROCESS_H_
#define RAINCHECK_TESTS_SUPPORT_PROCESS_H_

#include <map>
#include <string>
#include <vector>

namespace raincheck::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is a path) with `stdin_data` on its standard input, extra environment
// variables `env` (added to the current environment), and waits for it.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         const std::map<std::string, std::string>& env = {});

// build/bin/<name> of the build tree under test.
std::string BinaryPath(const std::string& name);

}  // namespace raincheck::testing

#endif  // RAINCHECK_TESTS_SUPPORT_PROCESS_H_
