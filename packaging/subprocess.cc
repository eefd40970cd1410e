#include "packaging/subprocess.h"

#include <unistd.h>

#include "base/spawn.h"

namespace raincheck::packaging {
namespace {

// base::Spawn says Unavailable; this interface has always said NotFound.
Status NotStarted(const Status& s) {
  return s.code() == StatusCode::kUnavailable ? Status::NotFound(s.message()) : s;
}

base::SpawnSpec Spec(const std::vector<std::string>& argv) {
  base::SpawnSpec spec;
  spec.argv = argv;
  spec.env = base::CurrentEnvironment();
  spec.search_path = true;
  return spec;
}

}  // namespace

Result<CommandOutput> RunCapture(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  Result<base::CapturedRun> run = base::RunAndCapture(Spec(argv));
  if (!run.ok()) return NotStarted(run.status());
  CommandOutput out;
  out.exit_code = run->exit_code;
  out.stdout_text = std::move(run->stdout_text);
  out.stderr_text = std::move(run->stderr_text);
  return out;
}

Result<int> RunInherit(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  base::SpawnSpec spec = Spec(argv);
  spec.stdin_fd = STDIN_FILENO;  // the aws CLI may ask a question
  Result<pid_t> pid = base::Spawn(spec);
  if (!pid.ok()) return NotStarted(pid.status());
  return base::WaitForExit(*pid);
}

std::string ShellQuote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789@%_+=:,./-") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(a);
  }
  return out;
}

}  // namespace raincheck::packaging
