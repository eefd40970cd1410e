#include "base/spawn.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/file.h"

namespace raincheck::base {
namespace {

int WaitFor(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SpawnTest, RunsWithTheGivenEnvironmentDirectoryAndOutputFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rc-spawn-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "out.txt").string();
  SpawnSpec spec;
  // Prints its process group (field 5 of /proc/PID/stat) too: it leads its own.
  spec.argv = {"sh", "-c",
               "echo \"$GREETING\"; pwd; cut -d' ' -f5 /proc/$$/stat; echo oops >&2; exit 3"};
  spec.env = {"GREETING=hello", "PATH=/usr/bin:/bin"};
  spec.search_path = true;
  spec.cwd = dir.string();
  spec.output_file = out;
  spec.new_process_group = true;
  Result<pid_t> pid = Spawn(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_EQ(WaitFor(*pid), 3);
  Result<std::string> text = ReadFile(out);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "hello\n" + std::filesystem::canonical(dir).string() + "\n" +
                       std::to_string(*pid) + "\noops\n");
  std::filesystem::remove_all(dir);
}

TEST(SpawnTest, AMissingExecutableIsUnavailableAndNamed) {
  SpawnSpec spec;
  spec.argv = {"/nonexistent/rc-no-such-program"};
  Result<pid_t> pid = Spawn(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(pid.status().message().find("rc-no-such-program"), std::string::npos);
  EXPECT_EQ(Spawn(SpawnSpec{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(SpawnTest, RunAndCaptureKeepsBothStreamsAndTheExitCode) {
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "echo out; echo err >&2; echo \"$GREETING\"; exit 3"};
  spec.env = {"GREETING=hello"};
  spec.search_path = true;
  spec.output_file = "/nonexistent/ignored";  // capture wins
  Result<CapturedRun> run = RunAndCapture(spec);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_EQ(run->stdout_text, "out\nhello\n");
  EXPECT_EQ(run->stderr_text, "err\n");
}

// More than a pipe holds (64 KiB) on both streams: read together, neither blocks the child.
TEST(SpawnTest, RunAndCaptureDrainsLargeOutputOfBothStreams) {
  SpawnSpec spec;
  spec.argv = {"sh", "-c",
               "i=0; while [ $i -lt 3000 ]; do echo "
               "0123456789012345678901234567890123456789; echo e >&2; i=$((i+1)); done"};
  spec.search_path = true;
  spec.env = CurrentEnvironment();
  Result<CapturedRun> run = RunAndCapture(spec);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->stdout_text.size(), 3000u * 41u);
  EXPECT_EQ(run->stderr_text.size(), 3000u * 2u);
}

TEST(SpawnTest, ASignalIsTheShellsExitCode) {
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "kill -9 $$"};
  spec.search_path = true;
  Result<CapturedRun> run = RunAndCapture(spec);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->exit_code, 128 + 9);
  SpawnSpec missing;
  missing.argv = {"/nonexistent/rc-no-such-program"};
  EXPECT_EQ(RunAndCapture(missing).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(WaitForExit(::getpid()).status().code(), StatusCode::kInternal);
}

TEST(SpawnTest, CurrentEnvironmentIsOurs) {
  ::setenv("RC_SPAWN_TEST_VAR", "v1", 1);
  const std::vector<std::string> env = CurrentEnvironment();
  EXPECT_NE(std::find(env.begin(), env.end(), "RC_SPAWN_TEST_VAR=v1"), env.end());
  ::unsetenv("RC_SPAWN_TEST_VAR");
}

}  // namespace
}  // namespace raincheck::base
