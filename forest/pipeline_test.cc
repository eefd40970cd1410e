#include "forest/pipeline.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "forest/card.h"
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
  TrainOptions o = Options(WriteCsv("pipeline_b.csv"));
  o.jobs = 1;
  auto a = Train(o, nullptr);
  o.jobs = 2;
  auto b = Train(o, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ToBytes(), b->ToBytes());
  o.seed = 8;
  auto c = Train(o, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->ToBytes(), c->ToBytes());
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
  EXPECT_TRUE(m->card()["evaluation"].is_null());
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
