// The black-box tests' process runner: it must pass input, output and environment through, and
// a command that hangs must fail its test instead of stalling the suite.
#include "tests/support/process.h"

#include <gtest/gtest.h>

#include <thread>

namespace raincheck::testing {
namespace {

TEST(RunProcessTest, PassesStdinStdoutStderrAndEnvironment) {
  const auto r = RunProcess({"/bin/sh", "-c", "cat; echo \"$RC_PROCESS_TEST\" >&2; exit 3"},
                            "from stdin", {{"RC_PROCESS_TEST", "from env"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "from stdin");
  EXPECT_EQ(r.err, "from env\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(RunProcessTest, AHangingCommandIsKilledAtTheLimit) {
  const auto r = RunProcess({"/bin/sleep", "60"}, "", {}, std::chrono::seconds(1));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + 9);
  EXPECT_NE(r.err.find("killed after 1 s"), std::string::npos) << r.err;
}

TEST(RunProcessTest, AMissingProgramIsReportedNotRun) {
  const auto r = RunProcess({"/nonexistent/raincheck-no-such-program"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

// Starting processes while other threads allocate must never hang the child (the failure a
// bare fork() had under the sanitizers: a lock held at fork time is never released in the
// child). Many starts against busy allocating threads; each must finish.
TEST(RunProcessTest, StartsWhileOtherThreadsAllocate) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> busy;
  for (int t = 0; t < 2; ++t) {
    busy.emplace_back([&stop] {
      while (!stop) {
        std::vector<std::string> v(64, std::string(200, 'x'));
        std::thread([] { std::string s(1000, 'y'); }).join();
      }
    });
  }
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    const auto r = RunProcess({"/bin/true"}, "", {{"RC_PROCESS_TEST", std::to_string(i)}},
                              std::chrono::seconds(20));
    if (!r.timed_out && r.exit_code == 0) ++ok;
  }
  stop = true;
  for (auto& t : busy) t.join();
  EXPECT_EQ(ok, 40);
}

}  // namespace
}  // namespace raincheck::testing
