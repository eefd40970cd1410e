#include "base/spawn.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace
}  // namespace raincheck::base
