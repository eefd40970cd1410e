#include "forest/pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "forest/card.h"
#include "forest/metrics.h"
#include "forest/random.h"

namespace raincheck::forest {
namespace {

// A year of synthetic days: rain tomorrow is likelier after humid days; some humidity cells
// are empty.
std::string WriteCsv(const std::string& name) {
  std::string path = std::string(RAINCHECK_BINARY_DIR) + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << "date,humidity,temp,kind,unused\r\n";
  Rng rng(9);
  for (int d = 0; d < 240; ++d) {
    const double h = static_cast<double>(rng.Below(100)) / 100.0;
    const double t = static_cast<double>(rng.Below(300)) / 10.0;
    const bool rain = static_cast<double>(rng.Below(100)) / 100.0 < h * h;
    char date[16];
    std::snprintf(date, sizeof date, "2019-%02d-%02d", d / 28 % 12 + 1, d % 28 + 1);
    out << date << ",";
    if (d % 17 != 5) out << h;
    out << "," << t << "," << (rain ? "rain" : "") << ",\"x, y\"\r\n";
  }
  return path;
}

TrainOptions Options(const std::string& path) {
  TrainOptions o;
  o.data_path = path;
  o.features = {"humidity", "temp"};
  o.units = {{"humidity", "fraction"}, {"temp", "degC"}};
  o.label = *LabelSpec::Parse("kind=rain", 1);
  o.grid = "n_estimators=5,10;max_depth=3,4";
  o.cv = 3;
  o.seed = 7;
  o.name = "synthetic";
  return o;
}

TEST(PipelineTest, TrainWritesACompleteCard) {
  const TrainOptions o = Options(WriteCsv("pipeline_a.csv"));
  size_t calls = 0;
  auto m = Train(o, [&](size_t done, size_t total, const std::string&) {
    ++calls;
    EXPECT_LE(done, total);
    EXPECT_EQ(total, 12u);
  });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(calls, 12u);
  const nlohmann::json& c = m->card();
  EXPECT_EQ(m->name(), "synthetic");
  EXPECT_EQ(m->version().rfind("sha-", 0), 0u);
  EXPECT_EQ(c["data"]["file"], "pipeline_a.csv");
  EXPECT_EQ(c["data"]["labelled_rows"], 239);
  EXPECT_EQ(c["features"][1]["unit"], "degC");
  EXPECT_EQ(c["selection"]["grid"].size(), 4u);
  EXPECT_EQ(c["evaluation"]["test_rows"], 48);
  EXPECT_TRUE(c["evaluation"]["test"]["roc_auc"].is_number());
  EXPECT_TRUE(c["evaluation"]["baselines"]["monthly_climatology"].is_object());
  EXPECT_EQ(c["importances"]["features"].size(), 2u);
  EXPECT_EQ(m->schema()[0].name, "humidity");
  EXPECT_EQ(m->class_labels()[1], "kind = rain");

  const std::string md = CardMarkdown(c, "synthetic");
  EXPECT_NE(md.find("| humidity | fraction |"), std::string::npos) << md;
  EXPECT_NE(md.find("(chosen)"), std::string::npos);
  EXPECT_NE(md.find("climatology"), std::string::npos);
  EXPECT_NE(RocSvg(c).find("<polyline"), std::string::npos);
  EXPECT_NE(CalibrationSvg(c).find("<circle"), std::string::npos);
  // Rendering never throws on foreign cards.
  EXPECT_FALSE(CardMarkdown(nlohmann::json::array(), "").empty());
  EXPECT_EQ(RocSvg(nlohmann::json{{"evaluation", 3}}), "");
}

TEST(PipelineTest, SameSeedSameBytesWhateverTheJobs) {
  // Held-out (then refit) and out-of-bag evaluation alike.
  for (double test_fraction : {0.2, 0.0}) {
    TrainOptions o = Options(WriteCsv("pipeline_b.csv"));
    o.test_fraction = test_fraction;
    o.jobs = 1;
    auto a = Train(o, nullptr);
    o.jobs = 2;
    auto b = Train(o, nullptr);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->ToBytes(), b->ToBytes()) << test_fraction;
    EXPECT_TRUE(a->card()["importances"]["features"][0]["permutation_mean"].is_number());
    o.seed = 8;
    auto c = Train(o, nullptr);
    ASSERT_TRUE(c.ok());
    EXPECT_NE(a->ToBytes(), c->ToBytes());
  }
}

// P(positive) of tree `t` of `f` for `row`: the model's arrays walked here, apart from every
// predictor of the library.
double WalkTree(const ForestView& f, size_t t, const float* row) {
  uint32_t node = f.node_begin[t];
  while (f.feature[node] != ForestArrays::kLeaf) {
    const float x = row[f.feature[node]];
    const bool left = std::isnan(x) ? f.missing_left[node] != 0 : x <= f.threshold[node];
    node = left ? f.left[node] : f.right[node];
  }
  return static_cast<double>(f.leaf_value[static_cast<size_t>(f.left[node]) * f.n_classes + 1]);
}

// Without a test set the card's evaluation is the out-of-bag one: recomputed here from the
// shipped trees and bootstrap samples redrawn from the trainer's documented random streams
// (tree t: Rng::ForStream(seed, t), m draws of Below(m) over the training rows).
TEST(PipelineTest, WithoutATestSetTheCardHoldsTheOutOfBagEvaluation) {
  TrainOptions o = Options(WriteCsv("pipeline_oob.csv"));
  o.grid = "n_estimators=15 max_depth=4";
  o.cv = 0;
  o.test_fraction = 0.0;
  auto m = Train(o, nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const nlohmann::json& ev = m->card()["evaluation"];
  ASSERT_TRUE(ev.is_object()) << m->card().dump(2);
  EXPECT_EQ(ev["rows"], "out-of-bag");
  EXPECT_NE(ev["describes"].get<std::string>().find("bootstrap"), std::string::npos);
  EXPECT_EQ(m->card()["importances"]["permutation_rows"], "out-of-bag");
  EXPECT_EQ(m->card()["training"]["refit"], false);
  EXPECT_NE(CardMarkdown(m->card(), "").find("## Out-of-bag evaluation"), std::string::npos);
  EXPECT_NE(RocSvg(m->card()).find("ROC curve (out-of-bag"), std::string::npos);

  auto table = ReadCsvFile(o.data_path);
  ASSERT_TRUE(table.ok());
  auto data = BuildDataset(*table, m->schema(), &o.label);
  ASSERT_TRUE(data.ok());
  const std::vector<uint32_t> rows =
      TrainTestSplit(data->n_rows, 0.0, o.cv_kind, static_cast<uint32_t>(o.seed)).train;
  const size_t n = rows.size();
  std::vector<double> sum(n, 0.0);
  std::vector<int> seen(n, 0);
  for (size_t t = 0; t < m->n_trees(); ++t) {
    Rng rng = Rng::ForStream(o.seed, t);
    std::vector<bool> drawn(n, false);
    for (size_t k = 0; k < n; ++k) drawn[rng.Below(n)] = true;
    for (size_t j = 0; j < n; ++j) {
      if (drawn[j]) continue;
      sum[j] += WalkTree(m->forest(), t, data->row(rows[j]));
      ++seen[j];
    }
  }
  // The metrics by their definitions: accuracy at 0.5, Brier, and ROC AUC as the share of
  // (positive, negative) pairs ranked correctly (ties count one half).
  std::vector<double> p;
  std::vector<uint8_t> y;
  for (size_t j = 0; j < n; ++j) {
    if (seen[j] == 0) continue;
    p.push_back(sum[j] / seen[j]);
    y.push_back(data->y[rows[j]]);
  }
  double correct = 0, brier = 0, pairs = 0, ranked = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    correct += (p[i] > 0.5) == (y[i] == 1) ? 1 : 0;
    brier += (p[i] - y[i]) * (p[i] - y[i]);
    for (size_t k = 0; k < p.size(); ++k) {
      if (y[i] != 1 || y[k] != 0) continue;
      pairs += 1;
      ranked += p[i] > p[k] ? 1.0 : p[i] == p[k] ? 0.5 : 0.0;
    }
  }
  ASSERT_EQ(ev["test_rows"], p.size());
  const double count = static_cast<double>(p.size());
  // The trainer adds out-of-bag votes in fixed point (2^-32): a probability at exactly 0.5
  // may round to either side.
  EXPECT_NEAR(ev["test"]["accuracy"].get<double>(), correct / count, 2.0 / count);
  EXPECT_NEAR(ev["test"]["brier"].get<double>(), brier / count, 1e-9);
  EXPECT_NEAR(ev["test"]["roc_auc"].get<double>(), ranked / pairs, 1e-3);
  // In-sample predictions would look better than these.
  std::vector<double> in_sample(data->n_rows);
  ASSERT_TRUE(m->PredictProbaBatch(data->x, in_sample).ok());
  double in_brier = 0;
  for (size_t i = 0; i < data->n_rows; ++i)
    in_brier += (in_sample[i] - data->y[i]) * (in_sample[i] - data->y[i]);
  EXPECT_LT(in_brier / static_cast<double>(data->n_rows), brier / count);
}

// With a test set the held-out metrics describe a model fit on the training rows; --refit
// ships the same parameters fit on every row, and the card says so.
TEST(PipelineTest, RefitShipsAModelOfEveryRowAndTheCardSaysSo) {
  TrainOptions o = Options(WriteCsv("pipeline_refit.csv"));
  o.grid = "n_estimators=10 max_depth=4";
  o.cv = 0;
  o.refit = false;
  auto kept = Train(o, nullptr);
  o.refit = true;
  auto refit = Train(o, nullptr);
  ASSERT_TRUE(kept.ok() && refit.ok());
  const nlohmann::json& k = kept->card();
  const nlohmann::json& r = refit->card();
  EXPECT_EQ(k["training"]["rows"], 191);
  EXPECT_EQ(k["training"]["refit"], false);
  EXPECT_EQ(r["training"]["rows"], 239);
  EXPECT_EQ(r["training"]["refit"], true);
  EXPECT_EQ(k["evaluation"]["rows"], "held-out");
  EXPECT_NE(r["evaluation"]["describes"].get<std::string>().find("refit on all 239 rows"),
            std::string::npos)
      << r["evaluation"]["describes"];
  EXPECT_NE(k["evaluation"]["describes"].get<std::string>().find("the shipped model"),
            std::string::npos)
      << k["evaluation"]["describes"];
  // The same held-out evaluation (of the same first fit), different shipped trees.
  EXPECT_EQ(k["evaluation"]["test"], r["evaluation"]["test"]);
  for (size_t f = 0; f < 2;
       ++f) {  // permutation on the held-out rows, impurity of the shipped trees
    EXPECT_EQ(k["importances"]["features"][f]["permutation_mean"],
              r["importances"]["features"][f]["permutation_mean"]);
    EXPECT_NE(k["importances"]["features"][f]["impurity"],
              r["importances"]["features"][f]["impurity"]);
  }
  EXPECT_NE(kept->version(), refit->version());
  auto view_bytes = [](const Model& m) {
    const ForestView& f = m.forest();
    return std::string(static_cast<const char*>(f.threshold.data()),
                       f.threshold.size() * sizeof(float));
  };
  EXPECT_NE(view_bytes(*kept), view_bytes(*refit));
  // Without refit, the card's held-out metrics are the shipped model's on the held-out rows.
  auto table = ReadCsvFile(o.data_path);
  ASSERT_TRUE(table.ok());
  auto data = BuildDataset(*table, kept->schema(), &o.label);
  ASSERT_TRUE(data.ok());
  const Split split =
      TrainTestSplit(data->n_rows, o.test_fraction, o.cv_kind, static_cast<uint32_t>(o.seed));
  std::vector<uint8_t> y;
  std::vector<double> p;
  for (uint32_t i : split.test) {
    y.push_back(data->y[i]);
    p.push_back(kept->PredictProba(std::span(data->row(i), data->schema.size())));
  }
  EXPECT_DOUBLE_EQ(k["evaluation"]["test"]["brier"].get<double>(), ComputeMetrics(y, p).brier);
  EXPECT_DOUBLE_EQ(k["evaluation"]["test"]["roc_auc"].get<double>(), ComputeMetrics(y, p).roc_auc);
}

// Data that cannot train a classifier: one clear message naming the file and the column.
TEST(PipelineTest, UnusableDataIsNamed) {
  const std::string dir = std::string(RAINCHECK_BINARY_DIR) + "/";
  TrainOptions o = Options(dir + "pipeline_one_class.csv");
  o.grid = "n_estimators=3 max_depth=2";
  o.cv = 0;
  {
    std::ofstream out(o.data_path, std::ios::binary);
    out << "date,humidity,temp,kind\n";
    for (int d = 1; d <= 20; ++d) out << "2019-01-" << (d < 10 ? "0" : "") << d << ",0.5,10,snow\n";
  }
  auto m = Train(o, nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("label column 'kind' has one class"), std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find("pipeline_one_class.csv"), std::string::npos);

  o.data_path = dir + "pipeline_empty.csv";
  std::ofstream(o.data_path, std::ios::binary) << "\n";
  m = Train(o, nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("empty"), std::string::npos) << m.status().message();
}

TEST(PipelineTest, EvaluateAndPredict) {
  TrainOptions o = Options(WriteCsv("pipeline_c.csv"));
  o.cv_kind = CvKind::kTime;
  auto m = Train(o, nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->card()["evaluation"]["split"], "time");
  auto table = ReadCsvFile(o.data_path);
  ASSERT_TRUE(table.ok());
  auto ev = Evaluate(*m, *table, o.label);
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ((*ev)["n"], 239);
  EXPECT_GT((*ev)["metrics"]["accuracy"].get<double>(), 0.5);
  auto p = PredictTable(*m, *table);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 240u);
  for (double v : *p) EXPECT_TRUE(v >= 0.0 && v <= 1.0);

  auto lacking = ParseCsv("humidity,other\n0.5,1\n");
  auto q = PredictTable(*m, *lacking);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("'temp'"), std::string::npos);
}

TEST(PipelineTest, NoCrossValidationTrainsTheSinglePoint) {
  TrainOptions o = Options(WriteCsv("pipeline_e.csv"));
  o.grid = "n_estimators=3 max_depth=2";
  o.cv = 0;
  o.test_fraction = 0.0;
  auto m = Train(o, nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->n_trees(), 3u);
  EXPECT_EQ(m->card()["params"]["max_depth"], 2);
  EXPECT_TRUE(m->card()["selection"].is_null());
  EXPECT_EQ(m->card()["evaluation"]["rows"], "out-of-bag");
  EXPECT_EQ(m->card()["training"]["rows"], 239);
}

TEST(PipelineTest, BadOptionsAreRefused) {
  TrainOptions o = Options(WriteCsv("pipeline_d.csv"));
  o.cv = 1;
  EXPECT_FALSE(Train(o, nullptr).ok());  // several grid points need CV
  o = Options(o.data_path);
  o.units["nope"] = "mm";
  EXPECT_FALSE(Train(o, nullptr).ok());
  o = Options(o.data_path);
  o.features = {"humidity", "missing_column"};
  o.units.erase("temp");
  auto m = Train(o, nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("missing_column"), std::string::npos);
  o = Options("/nonexistent.csv");
  EXPECT_EQ(Train(o, nullptr).status().code(), StatusCode::kNotFound);
}

// What the command line can be blamed for is found before the data is read; a data problem
// passes the check and fails in Train.
TEST(PipelineTest, CheckTrainOptionsSeparatesTheCommandLineFromTheData) {
  TrainOptions o = Options("/nonexistent.csv");
  EXPECT_TRUE(CheckTrainOptions(o).ok());
  o.cv = 1;
  EXPECT_EQ(CheckTrainOptions(o).code(), StatusCode::kInvalidArgument);
  o = Options("/nonexistent.csv");
  o.grid = "n_estimators=ten";
  EXPECT_NE(CheckTrainOptions(o).message().find("--grid"), std::string::npos);
  o = Options("/nonexistent.csv");
  o.test_fraction = 1.0;
  EXPECT_NE(CheckTrainOptions(o).message().find("--test-fraction"), std::string::npos);
  o = Options("/nonexistent.csv");
  o.features.clear();
  o.units.clear();
  EXPECT_FALSE(CheckTrainOptions(o).ok());
  o = Options(WriteCsv("pipeline_f.csv"));
  o.features = {"humidity", "missing_column"};
  o.units.erase("temp");
  EXPECT_TRUE(CheckTrainOptions(o).ok());
  EXPECT_FALSE(Train(o, nullptr).ok());
}

TEST(PipelineTest, HomeIsWrittenWithItsSourceAndDatesFromTheData) {
  TrainOptions o = Options(WriteCsv("pipeline_home.csv"));
  o.home = *ParseHomeFlag("Testville, Somewhere,-33.5,18.25");
  o.home->applies_within_km = 120;
  o.label_definition = "kind is rain tomorrow";
  auto m = Train(o, nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const nlohmann::json& home = m->card()["home"];
  EXPECT_EQ(home["name"], "Testville, Somewhere");
  EXPECT_EQ(home["source"], "csv:pipeline_home.csv");
  EXPECT_EQ(home["from"], "2019-01-01");  // WriteCsv's first and last dates
  EXPECT_EQ(home["to"], "2019-09-16");
  EXPECT_EQ(m->card()["label"]["definition"], "kind is rain tomorrow");
  ASSERT_TRUE(m->info().home.has_value());
  EXPECT_DOUBLE_EQ(m->info().home->latitude, -33.5);
  EXPECT_DOUBLE_EQ(m->info().home->applies_within_km, 120.0);
  ASSERT_TRUE(m->info().skill.has_value());

  const std::string md = CardMarkdown(m->card(), "");
  EXPECT_NE(md.find("## Home"), std::string::npos) << md;
  EXPECT_NE(md.find("Testville, Somewhere (-33.5000, 18.2500)"), std::string::npos) << md;
  EXPECT_NE(md.find("applies within: 120 km"), std::string::npos) << md;
  EXPECT_NE(md.find("2019-01-01 to 2019-09-16"), std::string::npos) << md;
  EXPECT_NE(md.find("Brier skill score"), std::string::npos) << md;

  // A home given with its own source and dates keeps them; no home, no key.
  o.home->source = "openmeteo-archive";
  o.home->from = "2015-01-01";
  o.home->to = "2019-12-31";
  auto given = Train(o, nullptr);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->card()["home"]["source"], "openmeteo-archive");
  EXPECT_EQ(given->card()["home"]["to"], "2019-12-31");
  o.home.reset();
  auto none = Train(o, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->card().contains("home"));
  EXPECT_NE(CardMarkdown(none->card(), "").find("does not say where"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::forest
