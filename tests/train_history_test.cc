// `raincheck train --history openmeteo` end to end against loopback fakes of the Open-Meteo
// archive and geocoding APIs: the model it writes, the cache, retries, upstream failures,
// unknown places and unusable output directories.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/geo.h"
#include "forest/model.h"
#include "providers/daily_features.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using testing::BinaryPath;
using testing::RunProcess;

class TrainHistoryTest : public ::testing::Test {
 protected:
  TrainHistoryTest()
      : dir_(std::filesystem::temp_directory_path() / ("rc-train-history-" + base::NewUuid())) {
    std::filesystem::create_directories(dir_ / "models");
  }
  ~TrainHistoryTest() override { std::filesystem::remove_all(dir_); }

  // The archive and the geocoder (RAINCHECK_GEOCODER=openmeteo) are the fakes.
  std::map<std::string, std::string> Env() const {
    return {{"RAINCHECK_OPENMETEO_ARCHIVE_URL", archive_.base_url()},
            {"RAINCHECK_GEOCODER", "openmeteo"},
            {"RAINCHECK_OPENMETEO_GEOCODING_URL", geocoding_.base_url()}};
  }

  // train --history openmeteo --place PLACE --from 2015-01-01 --to 2019-12-31 with a small grid.
  testing::ProcessResult Train(const std::string& place, const std::string& out,
                               std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {BinaryPath("raincheck"),
                                     "train",
                                     "--history",
                                     "openmeteo",
                                     "--place",
                                     place,
                                     "--from",
                                     "2015-01-01",
                                     "--to",
                                     "2019-12-31",
                                     "--cache-dir",
                                     (dir_ / "cache").string(),
                                     "--grid",
                                     "n_estimators=20 max_depth=4,6",
                                     "--cv",
                                     "3",
                                     "--jobs",
                                     "2",
                                     "--out",
                                     out};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, "", Env());
  }

  std::string Out(const std::string& name = "cape-town.rcf") const {
    return (dir_ / "models" / name).string();
  }

  fakes::OpenMeteoArchiveFake archive_;
  fakes::OpenMeteoGeocodingFake geocoding_;
  std::filesystem::path dir_;
};

TEST_F(TrainHistoryTest, TrainsAModelWhoseHomeIsThePlace) {
  auto r = Train("Cape Town", Out());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto model = forest::Model::Load(Out());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE(model->info().home.has_value());
  const forest::ModelHome& home = *model->info().home;
  EXPECT_EQ(home.name.rfind("Cape Town", 0), 0u) << home.name;
  EXPECT_LT(base::GreatCircleKm(home.latitude, home.longitude, -33.92584, 18.42322), 5.0);
  EXPECT_DOUBLE_EQ(home.applies_within_km, 300.0);
  EXPECT_EQ(home.source, "openmeteo-archive");
  EXPECT_EQ(home.from, "2015-01-01");
  EXPECT_EQ(home.to, "2019-12-31");
  std::vector<std::string> features;
  for (const auto& f : model->schema().features()) features.push_back(f.name);
  EXPECT_EQ(features, providers::DailyFeatureNames());
  ASSERT_TRUE(model->info().skill.has_value());
  EXPECT_GT(model->info().skill->rows, 0u);
  EXPECT_EQ(model->name(), "cape-town");
  const nlohmann::json& card = model->card();
  EXPECT_EQ(card["label"]["definition"], "precipitation tomorrow >= 0.1 mm");
  EXPECT_EQ(card["data"]["file"], "cape-town.history.csv");
  EXPECT_EQ(card["selection"]["cv_kind"], "time");
  EXPECT_EQ(card["selection"]["metric"], "brier");
  EXPECT_EQ(card["features"][0]["unit"], "mm");
  // The history stays beside the model: a header and one row per day of 2015-2019.
  std::ifstream csv(dir_ / "models" / "cape-town.history.csv");
  ASSERT_TRUE(csv.good());
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("date,precipitation,", 0), 0u) << header;
  size_t rows = 0;
  for (std::string line; std::getline(csv, line);) rows += line.empty() ? 0u : 1u;
  EXPECT_EQ(rows, 1826u);
}

#ifdef RAINCHECK_GAZETTEER_INDEX
// The default geocoder is the function's offline gazetteer; --years N is the last N complete
// calendar years.
TEST_F(TrainHistoryTest, TheOfflineGazetteerAndTheLastCompleteYears) {
  auto r = RunProcess({BinaryPath("raincheck"), "train", "--history", "openmeteo", "--place",
                       "Cape Town", "--years", "1", "--cache-dir", (dir_ / "cache").string(),
                       "--grid", "n_estimators=10 max_depth=4", "--cv", "0", "--out", Out()},
                      "",
                      {{"RAINCHECK_OPENMETEO_ARCHIVE_URL", archive_.base_url()},
                       {"RAINCHECK_GEOCODER", "offline"},
                       {"RAINCHECK_GAZETTEER_PATH", RAINCHECK_GAZETTEER_INDEX}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(geocoding_.hits(), 0);
  EXPECT_EQ(archive_.hits(), 1);  // one calendar year, one request
  auto model = forest::Model::Load(Out());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const forest::ModelHome& home = *model->info().home;
  EXPECT_NE(home.name.find("South Africa"), std::string::npos) << home.name;
  EXPECT_LT(base::GreatCircleKm(home.latitude, home.longitude, -33.92584, 18.42322), 20.0);
  ASSERT_EQ(home.from.size(), 10u);
  EXPECT_EQ(home.from.substr(4), "-01-01");
  EXPECT_EQ(home.to, home.from.substr(0, 4) + "-12-31");
}
#endif

TEST_F(TrainHistoryTest, ASecondRunReadsTheCache) {
  ASSERT_EQ(Train("Cape Town", Out()).exit_code, 0);
  const int hits = archive_.hits();
  EXPECT_GT(hits, 0);
  auto again = Train("Cape Town", Out("again.rcf"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(archive_.hits(), hits);
}

// The archive's most recent days are null: the model ends on the last day with precipitation.
TEST_F(TrainHistoryTest, DaysTheArchiveLacksAreLeftOut) {
  archive_.set_available_until(std::chrono::year_month_day{
      std::chrono::year(2019), std::chrono::December, std::chrono::day(20)});
  auto r = Train("Cape Town", Out());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto model = forest::Model::Load(Out());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->info().home->to, "2019-12-20");
}

// Without --grid, history training searches a small grid of regularised forests.
TEST_F(TrainHistoryTest, TheDefaultGridIsSearched) {
  auto r = RunProcess({BinaryPath("raincheck"), "train", "--history", "openmeteo", "--place",
                       "Cape Town", "--from", "2019-01-01", "--to", "2019-12-31", "--cache-dir",
                       (dir_ / "cache").string(), "--jobs", "2", "--out", Out()},
                      "", Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto model = forest::Model::Load(Out());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const nlohmann::json& selection = model->card()["selection"];
  EXPECT_EQ(selection["grid"].size(), 6u) << selection.dump();
  EXPECT_EQ(selection["cv_folds"], 5);
  EXPECT_LE(model->card()["params"]["max_depth"].get<int>(), 8);
}

TEST_F(TrainHistoryTest, RateLimitsAreRetried) {
  archive_.set_fail_first(2, 429);
  auto r = Train("Cape Town", Out());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(Out()));
}

TEST_F(TrainHistoryTest, APersistentServerErrorNamesThePlaceAndTheStatus) {
  archive_.set_fault(fakes::Fault::kServerError);
  auto r = Train("Cape Town", Out());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Cape Town"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("500"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Out()));
}

TEST_F(TrainHistoryTest, AMalformedAnswerFailsClearly) {
  archive_.set_fault(fakes::Fault::kMalformed);
  auto r = Train("Cape Town", Out());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("raincheck train: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Cape Town"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Out()));
}

TEST_F(TrainHistoryTest, AnUnknownPlaceIsNamedAndNothingIsDownloaded) {
  auto r = Train("Xyzzyville", Out());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Xyzzyville"), std::string::npos) << r.err;
  EXPECT_EQ(archive_.hits(), 0);
}

TEST_F(TrainHistoryTest, AnUnusableOutputDirectoryFailsBeforeAnyRequest) {
  auto missing = Train("Cape Town", (dir_ / "no-such-dir" / "m.rcf").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-dir"), std::string::npos) << missing.err;
  std::ofstream(dir_ / "a-file") << "x";
  auto not_dir = Train("Cape Town", (dir_ / "a-file" / "m.rcf").string());
  EXPECT_EQ(not_dir.exit_code, 2);
  EXPECT_EQ(archive_.hits(), 0);
  EXPECT_EQ(geocoding_.hits(), 0);
}

TEST_F(TrainHistoryTest, CommandLineMistakesAreUsageErrors) {
  const std::string bin = BinaryPath("raincheck");
  const std::vector<std::vector<std::string>> cases = {
      {bin, "train", "--history", "openmeteo", "--out", Out()},  // no --place
      {bin, "train", "--history", "darksky", "--place", "Cape Town", "--out", Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--from", "2015-01-01",
       "--out", Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--from", "2015-13-01",
       "--to", "2016-01-01", "--out", Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--from", "2019-01-01",
       "--to", "2015-01-01", "--out", Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--years", "3", "--from",
       "2015-01-01", "--to", "2016-01-01", "--out", Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--features", "a", "--out",
       Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--data", "x.csv", "--out",
       Out()},
      {bin, "train", "--history", "openmeteo", "--place", "Cape Town", "--grid", "n_estimators=ten",
       "--out", Out()},
      {bin, "train", "--place", "Cape Town", "--out", Out()},  // --place needs --history
  };
  for (const auto& argv : cases) {
    auto r = RunProcess(argv, "", Env());
    EXPECT_EQ(r.exit_code, 2) << argv[3] << " ... " << r.err;
  }
  EXPECT_EQ(archive_.hits(), 0);
  EXPECT_EQ(geocoding_.hits(), 0);
}

}  // namespace
}  // namespace raincheck
