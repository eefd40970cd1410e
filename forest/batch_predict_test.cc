#include "forest/batch_predict.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "forest/csv.h"
#include "forest/pipeline.h"
#include "forest/random.h"
#include "forest/test_models.h"

namespace raincheck::forest {
namespace {

Model TestModel() {
  auto m = testing::TwoTreeBuilder().Build();
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return *m;
}

// Rows with the model's x and y among other columns: empty cells, quoted cells with commas
// and line breaks, CRLF, blank lines, a date column and a rain/dry label.
std::string Data(size_t rows, uint64_t seed) {
  Rng rng(seed);
  std::string text =
      "\xEF\xBB\xBF"
      "date,y,note,x,kind\r\n";
  for (size_t r = 0; r < rows; ++r) {
    char date[16];
    std::snprintf(date, sizeof date, "2021-%02zu-%02zu", r % 12 + 1, r % 28 + 1);
    text += date;
    text += ",";
    if (r % 13 != 4) text += std::to_string(static_cast<double>(rng.Below(400)) / 100.0);
    text += r % 29 == 0 ? ",\"a, \"\"b\"\"\r\nc\"," : ",n,";
    if (r % 11 != 7) text += std::to_string(static_cast<double>(rng.Below(100)) / 100.0);
    text += rng.Below(3) == 0 ? ",rain\r\n" : ",dry\r\n";
    if (r % 250 == 3) text += "\r\n";
  }
  return text;
}

class Input {
 public:
  explicit Input(const std::string& text) {
    path_ = std::string(RAINCHECK_BINARY_DIR) + "/batch_predict_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv";
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
  }
  ~Input() {
    ::close(fd_);
    std::remove(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
};

Result<std::string> Predict(const Model& model, const std::string& text, int jobs, size_t block) {
  Input in(text);
  std::string out;
  const Status s = PredictCsvStream(
      model, in.fd(),
      [&](std::string_view bytes) {
        out += bytes;
        return Status::Ok();
      },
      StreamOptions{jobs, block});
  if (!s.ok()) return s;
  return out;
}

// What `raincheck predict` printed when it read the whole file first.
Result<std::string> PredictInMemory(const Model& model, const std::string& text) {
  RC_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text));
  RC_ASSIGN_OR_RETURN(std::vector<double> p, PredictTable(model, table));
  std::string out = "prediction,probability\n";
  char line[64];
  for (double v : p) {
    std::snprintf(line, sizeof line, "%d,%.6f\n", v > 0.5 ? 1 : 0, v);
    out += line;
  }
  return out;
}

TEST(BatchPredictTest, SameBytesAsTheWholeFileWhateverTheBlocksAndThreads) {
  const Model model = TestModel();
  const std::string text = Data(3000, 1);
  auto want = PredictInMemory(model, text);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  for (int jobs : {1, 2, 3}) {
    for (size_t block : {size_t{1}, size_t{97}, size_t{4096}, size_t{1} << 20}) {
      auto got = Predict(model, text, jobs, block);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, *want) << "jobs " << jobs << ", block " << block;
    }
  }
}

TEST(BatchPredictTest, ReadsAPipeInShortReads) {
  const Model model = TestModel();
  const std::string text = Data(2000, 2);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&]() {
    for (size_t at = 0; at < text.size(); at += 333) {
      const std::string_view piece = std::string_view(text).substr(at, 333);
      if (::write(fds[1], piece.data(), piece.size()) != static_cast<ssize_t>(piece.size())) break;
    }
    ::close(fds[1]);
  });
  std::string out;
  const Status s = PredictCsvStream(
      model, fds[0],
      [&](std::string_view bytes) {
        out += bytes;
        return Status::Ok();
      },
      StreamOptions{2, 1000});
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, *PredictInMemory(model, text));
}

TEST(BatchPredictTest, HeaderOnlyGivesTheHeaderLine) {
  auto got = Predict(TestModel(), "\n\nx,y\n\n", 2, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "prediction,probability\n");
}

// Every bad input gets the message the whole-file path gave, whatever the block size.
TEST(BatchPredictTest, ErrorsNameTheLineAndColumnAsTheWholeFileDid) {
  const Model model = TestModel();
  const std::string good = Data(400, 3);
  const std::string at =
      "CSV line " + std::to_string(std::count(good.begin(), good.end(), '\n') + 1);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "CSV has no header row"},
      {"\r\n\r\n", "CSV has no header row"},
      {"x,x\n1,2\n", "CSV line 1: column 'x' appears twice"},
      {"x,z\n1,2\n", "the data has no column 'y'"},
      {good + "2021-01-01,1,n\r\n", at + ": expected 5 fields, found 3"},
      {good + "2021-01-01,1,n,abc,dry\r\n", at + ": column 'x' is not a finite number"},
      {good + "2021-01-01,1,n,1e999,dry\r\n", at + ": column 'x' is not a finite number"},
      {good + "2021-01-01,1,\"open,1,dry\r\n", at + ": unterminated quoted field"},
      {good + "2021-01-01,1,n\"q,1,dry\r\n", at + ": quote inside an unquoted field"},
  };
  for (const auto& [text, message] : cases) {
    auto whole = PredictInMemory(model, text);
    ASSERT_FALSE(whole.ok()) << message;
    EXPECT_EQ(whole.status().message(), message);
    for (size_t block : {size_t{1}, size_t{64}, size_t{1} << 20}) {
      for (int jobs : {1, 2}) {
        auto got = Predict(model, text, jobs, block);
        ASSERT_FALSE(got.ok()) << message;
        EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
        EXPECT_EQ(got.status().message(), message) << "block " << block << ", jobs " << jobs;
      }
    }
  }
}

Result<nlohmann::json> EvaluateStream(const Model& model, const std::string& text,
                                      const LabelSpec& label, int jobs, size_t block) {
  Input in(text);
  return EvaluateCsvStream(model, in.fd(), label, StreamOptions{jobs, block});
}

TEST(BatchPredictTest, EvaluateStreamsTheSameMetricsAsTheWholeFile) {
  const Model model = TestModel();
  const std::string text = Data(3000, 4);
  for (int ahead : {0, 1, 3}) {
    const LabelSpec label = *LabelSpec::Parse("kind=rain", ahead);
    auto want = Evaluate(model, *ParseCsv(text), label);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    for (int jobs : {1, 2}) {
      for (size_t block : {size_t{50}, size_t{1} << 20}) {
        auto got = EvaluateStream(model, text, label, jobs, block);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        EXPECT_EQ(got->dump(), want->dump()) << "ahead " << ahead << ", block " << block;
      }
    }
  }
}

TEST(BatchPredictTest, EvaluateIgnoresWhatTheShiftedLabelDropsAsTheWholeFileDoes) {
  const Model model = TestModel();
  const LabelSpec label = *LabelSpec::Parse("kind", 2);
  // The first two labels and the last two rows' features are never used.
  const std::string text = "x,y,kind\n1,1,what\n2,2,?\n0.2,3,1\n0.7,0,0\n0.1,1,1\nbad,1,0\n";
  auto want = Evaluate(model, *ParseCsv(text), label);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  for (size_t block : {size_t{1}, size_t{1} << 20}) {
    auto got = EvaluateStream(model, text, label, 2, block);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->dump(), want->dump());
  }
  // A bad label where it is used, and a bad number in a row that is evaluated.
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {text + "1,1,maybe\n",
            "CSV line 8: label column 'kind' must be 0 or 1 (or use --label COLUMN=VALUE)"},
           {text + "1,1,0\n1,1,0\n", "CSV line 7: column 'x' is not a finite number"}}) {
    for (size_t block : {size_t{1}, size_t{1} << 20}) {
      auto got = EvaluateStream(model, bad, label, 2, block);
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().message(), message);
    }
  }
  auto none = EvaluateStream(model, "x,y,kind\n1,1,1\n", label, 1, 1);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "the data has no labelled rows");
}

TEST(BatchPredictTest, StreamOptionsFromJobsAndTheEnvironment) {
  auto env = [](std::map<std::string, std::string> vars) {
    return base::OverlayEnv(std::move(vars),
                            [](std::string_view) { return std::optional<std::string>(); });
  };
  auto o = MakeStreamOptions(3, env({{"RAINCHECK_CSV_BLOCK_BYTES", "4096"}}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->jobs, 3);
  EXPECT_EQ(o->block_bytes, 4096u);
  EXPECT_GE(MakeStreamOptions(0, env({}))->jobs, 1);
  EXPECT_EQ(MakeStreamOptions(0, env({}))->block_bytes, StreamOptions{}.block_bytes);
  EXPECT_FALSE(MakeStreamOptions(-1, env({})).ok());
  EXPECT_FALSE(MakeStreamOptions(1, env({{"RAINCHECK_CSV_BLOCK_BYTES", "0"}})).ok());
  EXPECT_FALSE(MakeStreamOptions(1, env({{"RAINCHECK_CSV_BLOCK_BYTES", "1k"}})).ok());
}

}  // namespace
}  // namespace raincheck::forest
