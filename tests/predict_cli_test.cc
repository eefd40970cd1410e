// Black-box tests of `raincheck predict` and `raincheck evaluate` streaming their input: the
// same bytes from a file, stdin, any block size and any --jobs; peak memory that does not grow
// with the input; one clear line and exit 1 for bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/env.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using testing::BinaryPath;
using testing::RunProcess;

const std::string kCapeTownCsv = RAINCHECK_SOURCE_DIR "/data/capetown/capetown_darksky_daily.csv";

// Rows of the model's three features among other columns, some cells empty or quoted.
std::string Rows(size_t n) {
  std::string text = "date,humidity,note,pressure,cloudCover,precipType\r\n";
  uint64_t s = 12345;
  auto next = [&]() {
    s = s * 6364136223846793005u + 1442695040888963407u;
    return static_cast<unsigned>(s >> 33);
  };
  for (size_t r = 0; r < n; ++r) {
    text += "2020-0" + std::to_string(r % 9 + 1) + "-11,";
    if (r % 31 != 3) text += "0." + std::to_string(next() % 100);
    text += r % 17 == 0 ? ",\"a, \"\"b\"\"\"," : ",x,";
    text += std::to_string(990 + next() % 40) + "." + std::to_string(next() % 10) + ",";
    text += "0." + std::to_string(next() % 100) + (next() % 3 == 0 ? ",rain\r\n" : ",\r\n");
  }
  return text;
}

class PredictCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("rc-predict-" + base::NewUuid()));
    std::filesystem::create_directories(*dir_);
    auto r = RunProcess({BinaryPath("raincheck"), "train", "--data", kCapeTownCsv, "--features",
                         "humidity,pressure,cloudCover", "--label", "precipType=rain",
                         "--label-ahead", "1", "--grid", "n_estimators=20 max_depth=6", "--cv", "0",
                         "--out", Path("m.rcf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static std::string Path(const std::string& name) { return (*dir_ / name).string(); }
  static std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name), std::ios::binary | std::ios::trunc) << text;
    return Path(name);
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The names in the test directory that start with `prefix`, sorted.
  static std::vector<std::string> FilesStartingWith(const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(*dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) == 0) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static testing::ProcessResult Run(const std::vector<std::string>& args,
                                    const std::string& stdin_data = "",
                                    const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv = {BinaryPath("raincheck")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, stdin_data, env);
  }

  static std::filesystem::path* dir_;
};

std::filesystem::path* PredictCliTest::dir_ = nullptr;

TEST_F(PredictCliTest, StdinFileOutFileBlockSizesAndJobsGiveTheSameBytes) {
  const std::string text = Rows(5000);
  const std::string data = Write("rows.csv", text);
  const auto want = Run({"predict", "--model", Path("m.rcf"), "--data", data});
  ASSERT_EQ(want.exit_code, 0) << want.err;
  EXPECT_EQ(want.out.rfind("prediction,probability\n", 0), 0u);
  EXPECT_EQ(std::count(want.out.begin(), want.out.end(), '\n'), 5001);
  // Not one answer for every row.
  EXPECT_NE(want.out.find("\n0,"), std::string::npos);
  EXPECT_NE(want.out.find("\n1,"), std::string::npos);

  const auto from_stdin = Run({"predict", "--model", Path("m.rcf"), "--data", "-"}, text);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, want.out);

  const auto to_file =
      Run({"predict", "--model", Path("m.rcf"), "--data", "-", "--out", Path("p.csv")}, text);
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_EQ(to_file.out, "");
  EXPECT_EQ(Read(Path("p.csv")), want.out);

  for (const char* block : {"1", "100", "65536"}) {
    for (const char* jobs : {"1", "2"}) {
      const auto r = Run({"predict", "--model", Path("m.rcf"), "--data", data, "--jobs", jobs}, "",
                         {{"RAINCHECK_CSV_BLOCK_BYTES", block}});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, want.out) << "block " << block << ", jobs " << jobs;
    }
  }
}

TEST_F(PredictCliTest, EvaluateGivesTheSameReportFromStdinAndAnyBlocks) {
  const std::string text = Rows(3000);
  const std::string data = Write("labelled.csv", text);
  const auto want = Run({"evaluate", "--json", "--model", Path("m.rcf"), "--data", data});
  ASSERT_EQ(want.exit_code, 0) << want.err;
  EXPECT_NE(want.out.find("\"n\": 2999"), std::string::npos)
      << want.out;  // the label is a day ahead
  const auto from_stdin =
      Run({"evaluate", "--json", "--model", Path("m.rcf"), "--data", "-"}, text);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, want.out);
  for (const char* jobs : {"1", "2"}) {
    const auto r =
        Run({"evaluate", "--json", "--model", Path("m.rcf"), "--data", data, "--jobs", jobs}, "",
            {{"RAINCHECK_CSV_BLOCK_BYTES", "333"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, want.out) << "jobs " << jobs;
  }
}

// Peak resident memory of `raincheck predict` on `data` with small blocks (kB).
long PeakRssKb(const std::string& model, const std::string& data, const std::string& out) {
  std::map<std::string, std::string> env = {{"RAINCHECK_CSV_BLOCK_BYTES", "65536"}};
  // Under AddressSanitizer freed blocks wait in a quarantine that stays resident: keep it small
  // so that what is measured is what the program holds.
  const char* asan = std::getenv("ASAN_OPTIONS");
  env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") +
                        "quarantine_size_mb=1:thread_local_quarantine_size_kb=64";
  testing::SpawnOptions options;
  options.env = env;
  const pid_t pid = testing::Spawn({BinaryPath("raincheck"), "predict", "--model", model, "--data",
                                    data, "--jobs", "2", "--out", out},
                                   options);
  if (pid < 0) return -1;
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return -1;
  }
  return usage.ru_maxrss;
}

TEST_F(PredictCliTest, PeakMemoryDoesNotGrowWithTheInput) {
  const std::string small = Write("small.csv", Rows(100));
  const std::string large = Write("large.csv", Rows(700000));
  ASSERT_GT(std::filesystem::file_size(large), size_t{20} << 20);
  const long small_kb = PeakRssKb(Path("m.rcf"), small, Path("small.out"));
  const long large_kb = PeakRssKb(Path("m.rcf"), large, Path("large.out"));
  ASSERT_GT(small_kb, 0);
  ASSERT_GT(large_kb, 0);
  // Reading the 20 MB input whole (or keeping its 8 MB of predictions) would add that much.
  EXPECT_LT(large_kb, small_kb + 12L * 1024)
      << "small " << small_kb << " kB, large " << large_kb << " kB";
  EXPECT_EQ(std::filesystem::file_size(Path("large.out")), Read(Path("large.out")).size());
  const std::string predictions = Read(Path("large.out"));
  EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'), 700001);
  std::filesystem::remove(large);
}

TEST_F(PredictCliTest, BadInputIsOneLineNamingLineAndColumnAndExit1) {
  const std::string head = "humidity,pressure,cloudCover\n0.5,1000,0.2\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head + "0.5,1000\n", "CSV line 3: expected 3 fields, found 2"},
      {head + "0.5,1000,0.2\n0.5,high,0.2\n",
       "CSV line 4: column 'pressure' is not a finite number"},
      {"", "CSV has no header row"},
      {"humidity,cloudCover\n0.5,0.2\n", "the data has no column 'pressure'"},
      {head + "0.5,\"1000,0.2\n", "CSV line 3: unterminated quoted field"},
  };
  for (const auto& [text, message] : cases) {
    const std::string data = Write("bad.csv", text);
    for (const std::string& source : {data, std::string("-")}) {
      const auto r =
          Run({"predict", "--model", Path("m.rcf"), "--data", source, "--out", Path("bad.out")},
              source == "-" ? text : "", {{"RAINCHECK_CSV_BLOCK_BYTES", "8"}});
      EXPECT_EQ(r.exit_code, 1) << message;
      const std::string name = source == "-" ? "stdin" : data;
      EXPECT_EQ(r.err, "raincheck predict: " + name + ": " + message + "\n");
      EXPECT_FALSE(std::filesystem::exists(Path("bad.out"))) << "a failed run left its output";
      EXPECT_EQ(FilesStartingWith("bad.out"), std::vector<std::string>{})
          << "a failed run left its temporary file";
    }
    const auto e = Run({"evaluate", "--model", Path("m.rcf"), "--data", data, "--label",
                        "cloudCover=1", "--label-ahead", "0"});
    EXPECT_EQ(e.exit_code, 1) << message;
    EXPECT_EQ(e.err, "raincheck evaluate: " + data + ": " + message + "\n");
  }
  const auto missing = Run({"predict", "--model", Path("m.rcf"), "--data", Path("nope.csv")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "raincheck predict: " + Path("nope.csv") + " does not exist\n");
  const auto label =
      Run({"evaluate", "--model", Path("m.rcf"), "--data", Write("l.csv", head + "0.1,1,2\n"),
           "--label", "cloudCover", "--label-ahead", "0"});
  EXPECT_EQ(label.exit_code, 1);
  EXPECT_EQ(
      label.err,
      "raincheck evaluate: " + Path("l.csv") +
          ": CSV line 2: label column 'cloudCover' must be 0 or 1 (or use --label COLUMN=VALUE)\n");
}

TEST_F(PredictCliTest, AFailedRunLeavesAnEarlierOutAsItWas) {
  std::ofstream(Path("kept.out")) << "earlier predictions\n";
  const std::string data = Write("short.csv", "humidity,pressure,cloudCover\n0.5,1000\n");
  const auto r =
      Run({"predict", "--model", Path("m.rcf"), "--data", data, "--out", Path("kept.out")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Read(Path("kept.out")), "earlier predictions\n");
  EXPECT_EQ(FilesStartingWith("kept.out"), std::vector<std::string>{"kept.out"});

  // An --out whose directory does not exist: one line naming where it could not write.
  const std::string nowhere = Path("no-such-dir") + "/p.csv";
  const auto missing = Run(
      {"predict", "--model", Path("m.rcf"), "--data", Write("ok.csv", Rows(10)), "--out", nowhere});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err.rfind("raincheck predict: cannot create '" + nowhere + ".tmp-", 0), 0u)
      << missing.err;
  EXPECT_NE(missing.err.find("No such file or directory\n"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(Path("no-such-dir")));
}

TEST_F(PredictCliTest, OutToADeviceWritesThroughIt) {
  // --out /dev/stdout (here a pipe) or /dev/null is written in place: a rename over it would
  // swap the device for a plain file, for every process after this one when run as root.
  const std::string data = Write("dev.csv", Rows(50));
  const auto plain = Run({"predict", "--model", Path("m.rcf"), "--data", data});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto through =
      Run({"predict", "--model", Path("m.rcf"), "--data", data, "--out", "/dev/stdout"});
  ASSERT_EQ(through.exit_code, 0) << through.err;
  EXPECT_EQ(through.out, plain.out);
  EXPECT_EQ(plain.out.rfind("prediction,probability\n", 0), 0u) << plain.out;
}

TEST_F(PredictCliTest, BadJobsOrBlockSizeIsAUsageError) {
  const std::string data = Write("ok.csv", Rows(10));
  EXPECT_EQ(Run({"predict", "--model", Path("m.rcf"), "--data", data, "--jobs", "-1"}).exit_code,
            2);
  const auto r = Run({"predict", "--model", Path("m.rcf"), "--data", data}, "",
                     {{"RAINCHECK_CSV_BLOCK_BYTES", "lots"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("RAINCHECK_CSV_BLOCK_BYTES"), std::string::npos);
}

}  // namespace
}  // namespace raincheck
