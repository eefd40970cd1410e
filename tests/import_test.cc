// Imported models predict what XGBoost 1.7 and scikit-learn 1.2 predict (docs/import.md,
// "Exactness"): tests/import_models.py trains and saves the models with Debian's
// python3-xgboost and python3-sklearn and writes the libraries' predictions on 10,000 rows
// (values on the thresholds, missing values for XGBoost); this test imports each model (the
// pure importer and `raincheck import`) and compares, and runs `raincheck predict` on the
// imported file against the library's answer in the same CSV format. Skipped, saying why,
// when the Python modules are missing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "forest/import_sklearn.h"
#include "forest/import_xgboost.h"
#include "support/process.h"

namespace raincheck {
namespace {

using testing::RunProcess;

const std::string kWork = RAINCHECK_BINARY_DIR "/tests/import_work";
constexpr double kTolerance = 1e-6;

template <typename T>
std::vector<T> ReadRaw(const std::string& path) {
  auto bytes = base::ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << path;
  if (!bytes.ok()) return {};
  std::vector<T> out(bytes->size() / sizeof(T));
  std::memcpy(out.data(), bytes->data(), out.size() * sizeof(T));
  return out;
}

class ImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = RunProcess({"/usr/bin/python3", RAINCHECK_SOURCE_DIR "/tests/import_models.py", kWork},
                        "", {}, std::chrono::seconds(1200));
    if (r.exit_code == 77) {
      skip_ = r.out + r.err;
      return;
    }
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto text = base::ReadFile(kWork + "/manifest.json");
    ASSERT_TRUE(text.ok());
    manifest_ = new nlohmann::json(nlohmann::json::parse(*text));
  }
  static void TearDownTestSuite() {
    delete manifest_;
    manifest_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_NE(manifest_, nullptr);
  }

  static inline std::string skip_;
  static inline nlohmann::json* manifest_ = nullptr;
};

Result<forest::Model> ImportCase(const nlohmann::json& c) {
  auto text = base::ReadFile(c["model"].get<std::string>());
  if (!text.ok()) return text.status();
  forest::ImportOptions o;
  if (c.contains("features_flag"))
    o.features = base::Split(c["features_flag"].get<std::string>(), ',');
  return c["from"] == "xgboost" ? forest::ImportXgboost(*text, o) : forest::ImportSklearn(*text, o);
}

double MaxAbsDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// The libraries' predict / predict_proba and margins, within 1e-6 on every row.
TEST_F(ImportTest, PredictionsMatchTheLibraries) {
  ASSERT_GE(manifest_->at("cases").size(), 8u);
  for (const auto& c : manifest_->at("cases")) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    auto m = ImportCase(c);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->is_regression(), c["regression"].get<bool>());
    const auto rows = ReadRaw<float>(kWork + "/" + name + ".f32");
    const auto expected = ReadRaw<double>(kWork + "/" + name + ".expected.f64");
    const size_t n = c["rows"];
    ASSERT_EQ(n, 10000u);
    ASSERT_EQ(rows.size(), n * m->schema().size());
    ASSERT_EQ(expected.size(), n);
    std::vector<double> got(n);
    ASSERT_TRUE(m->PredictProbaBatch(rows, got).ok());
    const double proba_diff = MaxAbsDiff(got, expected);
    EXPECT_LE(proba_diff, kTolerance);
    // One row at a time (the vector paths) gives the batch's bits.
    for (size_t r = 0; r < n; r += 97) {
      const std::span<const float> row(rows.data() + r * m->schema().size(), m->schema().size());
      ASSERT_EQ(m->PredictProba(row), got[r]) << "row " << r;
    }
    double margin_diff = 0;
    if (c["margin"].get<bool>()) {
      const auto margin = ReadRaw<double>(kWork + "/" + name + ".margin.f64");
      ASSERT_EQ(margin.size(), n);
      ASSERT_TRUE(m->PredictMarginBatch(rows, got).ok());
      margin_diff = MaxAbsDiff(got, margin);
      EXPECT_LE(margin_diff, kTolerance);
    }
    std::printf("%-16s max |difference|: prediction %.3g, margin %.3g\n", name.c_str(), proba_diff,
                margin_diff);
  }
}

// The rows really do sit on thresholds and hold missing values (what makes the comparison
// above a test of the split semantics).
TEST_F(ImportTest, TestRowsHitThresholdsAndMissingValues) {
  for (const auto& c : manifest_->at("cases")) {
    const std::string name = c["name"];
    auto m = ImportCase(c);
    ASSERT_TRUE(m.ok());
    const auto rows = ReadRaw<float>(kWork + "/" + name + ".f32");
    const forest::ForestView& v = m->forest();
    size_t on_threshold = 0, missing = 0;
    const size_t width = m->schema().size();
    for (size_t i = 0; i < v.n_nodes(); i += 7) {
      if (v.feature[i] < 0) continue;
      const auto f = static_cast<size_t>(v.feature[i]);
      for (size_t r = 0; r < 200; ++r) {
        const float x = rows[r * width + f];
        // XGBoost's `x < t` became `x <= below(t)`: t itself is one float up.
        if (x == v.threshold[i] || x == std::nextafter(v.threshold[i], INFINITY)) ++on_threshold;
      }
    }
    for (float x : rows) {
      if (std::isnan(x)) ++missing;
    }
    EXPECT_GT(on_threshold, 0u) << name;
    if (c["from"] == "xgboost") {
      EXPECT_GT(missing, 1000u) << name;
    }
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// raincheck import -> raincheck predict: the CSV is the library's answer in the same format,
// byte for byte for XGBoost (the same float32 arithmetic), within 1e-6 per row for
// scikit-learn (float64 leaf values stored as float32).
TEST_F(ImportTest, RoundTripThroughTheCommandLine) {
  const std::string raincheck = testing::BinaryPath("raincheck");
  for (const auto& c : manifest_->at("cases")) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    const std::string rcf = kWork + "/" + name + ".rcf";
    std::vector<std::string> argv = {raincheck, "import", "--from", c["from"], c["model"],
                                     "--out",   rcf,      "--name", name};
    if (c.contains("features_flag")) {
      argv.push_back("--features");
      argv.push_back(c["features_flag"]);
    }
    auto imported = RunProcess(argv);
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto inspected = RunProcess({raincheck, "inspect", rcf});
    EXPECT_EQ(inspected.exit_code, 0) << inspected.err;
    EXPECT_NE(inspected.out.find(name), std::string::npos) << inspected.out;
    auto predicted =
        RunProcess({raincheck, "predict", "--model", rcf, "--data", kWork + "/" + name + ".csv"});
    ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
    auto library = base::ReadFile(kWork + "/" + name + ".library.csv");
    ASSERT_TRUE(library.ok());
    if (c["from"] == "xgboost" && !c["regression"].get<bool>()) {
      EXPECT_EQ(predicted.out, *library);
      continue;
    }
    const auto ours = Lines(predicted.out), theirs = Lines(*library);
    ASSERT_EQ(ours.size(), theirs.size());
    ASSERT_EQ(ours[0], theirs[0]);
    if (c["regression"].get<bool>()) {
      // A regression model prints its value alone: no 0/1 column that would mean nothing.
      EXPECT_EQ(ours[0], "value");
      EXPECT_EQ(ours[1].find(','), std::string::npos) << ours[1];
      // evaluate's metrics are a classifier's: one line saying so, exit 1.
      auto evaluated = RunProcess({raincheck, "evaluate", "--model", rcf, "--data",
                                   kWork + "/" + name + ".csv", "--label", "f0"});
      EXPECT_EQ(evaluated.exit_code, 1) << evaluated.out << evaluated.err;
      EXPECT_EQ(std::count(evaluated.err.begin(), evaluated.err.end(), '\n'), 1) << evaluated.err;
      EXPECT_NE(
          evaluated.err.find("evaluate supports classifiers; " + rcf + " is a regression model"),
          std::string::npos)
          << evaluated.err;
    } else {
      EXPECT_EQ(ours[0], "prediction,probability");
    }
    for (size_t i = 1; i < ours.size(); ++i) {
      const double a = std::stod(ours[i].substr(ours[i].find(',') + 1));
      const double b = std::stod(theirs[i].substr(theirs[i].find(',') + 1));
      // Both printed with 6 decimals: each rounding adds at most 5e-7.
      ASSERT_LE(std::fabs(a - b), kTolerance + 1e-6)
          << "line " << i << ": " << ours[i] << " vs " << theirs[i];
    }
  }
}

// What cannot be imported exactly exits 1 with one line; so does a damaged file.
TEST_F(ImportTest, RefusalsAreOneLineAndExitOne) {
  const std::string raincheck = testing::BinaryPath("raincheck");
  auto one_line_failure = [&](const std::vector<std::string>& argv, const std::string& words) {
    auto r = RunProcess(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  };
  one_line_failure({raincheck, "import", "--from", "xgboost", kWork + "/xgb_multiclass.json",
                    "--out", kWork + "/refused.rcf"},
                   "multi-class models (3 classes) are not supported");
  auto text = base::ReadFile(kWork + "/xgb_logistic.json");
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(
      base::WriteFileAtomic(kWork + "/truncated.json", text->substr(0, text->size() / 2)).ok());
  one_line_failure({raincheck, "import", "--from", "xgboost", kWork + "/truncated.json", "--out",
                    kWork + "/refused.rcf"},
                   "not valid JSON");
  std::string damaged = *text;
  damaged[damaged.find("\"split_conditions\"") + 22] = '#';
  ASSERT_TRUE(base::WriteFileAtomic(kWork + "/damaged.json", damaged).ok());
  one_line_failure({raincheck, "import", "--from", "xgboost", kWork + "/damaged.json", "--out",
                    kWork + "/refused.rcf"},
                   "not valid JSON");
  one_line_failure({raincheck, "import", "--from", "sklearn", kWork + "/xgb_logistic.json", "--out",
                    kWork + "/refused.rcf"},
                   "not a model written by scripts/export_sklearn.py");
  EXPECT_FALSE(base::ReadFile(kWork + "/refused.rcf").ok());  // nothing written
  // The exporter refuses what it cannot export, in one line too.
  auto r = RunProcess({"/usr/bin/python3", RAINCHECK_SOURCE_DIR "/scripts/export_sklearn.py",
                       kWork + "/sk_regressor.pkl", kWork + "/sk_regressor.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("GradientBoostingRegressor is not supported"), std::string::npos) << r.err;
  // A usage error is 2.
  EXPECT_EQ(
      RunProcess({raincheck, "import", "--from", "lightgbm", "x.json", "--out", "y.rcf"}).exit_code,
      2);
}

}  // namespace
}  // namespace raincheck
