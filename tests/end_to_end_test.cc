// The whole request path through the real `raincheck invoke` binary: city -> place ->
// weather -> prediction -> record -> response, with loopback fakes for the upstreams.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "base/file.h"
#include "base/strings.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::RunProcess;

std::string Event(const std::string& city, const std::string& format = "json") {
  return json({{"version", "2.0"},
               {"rawPath", "/forecast"},
               {"rawQueryString", "city=" + base::UrlEncode(city) + "&format=" + format},
               {"requestContext",
                {{"requestId", "e2e"}, {"http", {{"method", "GET"}, {"path", "/forecast"}}}}}})
      .dump();
}

class EndToEndTest : public ::testing::Test {
 protected:
  EndToEndTest() : dir_(std::filesystem::temp_directory_path() / ("rc-e2e-" + base::NewUuid())) {
    std::filesystem::create_directories(dir_);
  }
  ~EndToEndTest() override { std::filesystem::remove_all(dir_); }

  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"RAINCHECK_OPENMETEO_URL", openmeteo_.base_url()},
        {"RAINCHECK_RECORDS", "dir:" + (dir_ / "records").string()},
        {"RAINCHECK_SPOOL", (dir_ / "spool").string()}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
  }

  // Runs one invocation; returns the proxy response, and the captured stderr in `logs`.
  json Invoke(const std::string& event, const std::map<std::string, std::string>& env,
              std::string* logs = nullptr, const std::vector<std::string>& flags = {}) {
    std::vector<std::string> argv = {BinaryPath("raincheck"), "invoke", "-e", "-"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = RunProcess(argv, event, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (logs != nullptr) *logs = r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  static json Body(const json& response) {
    return json::parse(response["body"].get<std::string>());
  }

  std::vector<std::filesystem::path> RecordFiles() {
    std::vector<std::filesystem::path> out;
    if (!std::filesystem::exists(dir_ / "records")) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "records")) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
  }

  fakes::OpenMeteoForecastFake openmeteo_;
  std::filesystem::path dir_;
};

TEST_F(EndToEndTest, DefaultModelOfflineGazetteerAndOpenMeteo) {
  const json r = Invoke(Event("cape town"), Env());
  ASSERT_EQ(r["statusCode"], 200) << r.dump();
  const json b = Body(r);
  EXPECT_EQ(b["place"]["name"], "Cape Town");
  EXPECT_EQ(b["place"]["country_code"], "ZA");
  EXPECT_EQ(b["place"]["source"], "offline");
  EXPECT_EQ(b["observation"]["source"], "openmeteo");
  const double p = b["prediction"]["probability"];
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  EXPECT_EQ(b["record"]["stored"], true);
  // The record is on disk under its key, in CSV with the original's columns.
  const auto files = RecordFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].string().find(b["record"]["key"].get<std::string>()), std::string::npos);
  const std::string csv = *base::ReadFile(files[0].string());
  for (const char* column : {"temp_max", "prob_rain", "pred_rain", "request_id", "city", "model"}) {
    EXPECT_NE(csv.find(column), std::string::npos) << column << " in " << csv;
  }
  // The forecast request asked for the model's daily features.
  ASSERT_GE(openmeteo_.requests().size(), 1u);
}

TEST_F(EndToEndTest, UnknownCityIs404WithSuggestionsAndNoRecord) {
  const json r = Invoke(Event("Capetownn"), Env());
  EXPECT_EQ(r["statusCode"], 404) << r.dump();
  const json suggestions = Body(r)["error"]["suggestions"];
  ASSERT_TRUE(suggestions.is_array()) << r.dump();
  bool cape_town = false;
  for (const json& s : suggestions) cape_town = cape_town || s.value("name", "") == "Cape Town";
  EXPECT_TRUE(cape_town) << r.dump();
  EXPECT_TRUE(RecordFiles().empty());
  EXPECT_EQ(openmeteo_.hits(), 0);
}

TEST_F(EndToEndTest, UpstreamFaultsGetTheRightStatusWithinTheDeadline) {
  const std::vector<std::pair<fakes::Fault, int>> cases = {
      {fakes::Fault::kServerError, 502}, {fakes::Fault::kMalformed, 502},
      {fakes::Fault::kTruncated, 502},   {fakes::Fault::kRateLimited, 503},
      {fakes::Fault::kHang, 504},        {fakes::Fault::kReset, 502},
  };
  for (const auto& [fault, status] : cases) {
    openmeteo_.set_fault(fault);
    // Under the emulator, as users run it: a hanging upstream ends in the function's own 504,
    // sent within the answer margin, not in the emulator's kill at the deadline.
    const json r = Invoke(Event("Paris"), Env(), nullptr, {"--timeout", "2"});
    EXPECT_EQ(r["statusCode"], status) << fakes::FaultName(fault) << ": " << r.dump();
    EXPECT_EQ(Body(r)["error"]["status"], status);
  }
}

TEST_F(EndToEndTest, LogsCarryNoCityNoCoordinatesNoKey) {
  std::string logs;
  fakes::DarkSkyFake darksky("sekrit-darksky-key-123");
  const json r = Invoke(Event("Seattle"),
                        Env({{"RAINCHECK_WEATHER", "darksky"},
                             {"RAINCHECK_DARKSKY_URL", darksky.base_url()},
                             {"DARKSKY_KEY", "sekrit-darksky-key-123"},
                             {"RAINCHECK_LOG_LEVEL", "debug"}}),
                        &logs);
  ASSERT_EQ(r["statusCode"], 200) << r.dump() << logs;
  EXPECT_EQ(Body(r)["observation"]["source"], "darksky");
  EXPECT_EQ(logs.find("Seattle"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("47.6"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("sekrit"), std::string::npos) << logs;
  EXPECT_EQ(r.dump().find("sekrit"), std::string::npos);
  for (const auto& f : RecordFiles()) {
    EXPECT_EQ(base::ReadFile(f.string())->find("sekrit"), std::string::npos);
  }
}

// The original's model: 12 DarkSky `currently` features in `us` units, trained here on the
// original's own history, served with the DarkSky-shaped source it was built for.
TEST_F(EndToEndTest, OriginalModelWithTheDarkSkyShape) {
  const std::string model = (dir_ / "capetown.rcf").string();
  auto train = RunProcess(
      {BinaryPath("raincheck"),
       "train",
       "--data",
       RAINCHECK_SOURCE_DIR "/data/capetown/capetown_darksky_daily.csv",
       "--features",
       "apparentTemperature,cloudCover,dewPoint,humidity,ozone,pressure,temperature,uvIndex,"
       "visibility,windBearing,windGust,windSpeed",
       "--units",
       "apparentTemperature=degF,cloudCover=fraction,dewPoint=degF,humidity=fraction,"
       "ozone=dobson,pressure=hPa,temperature=degF,uvIndex=index,visibility=mile,"
       "windBearing=degree,windGust=mph,windSpeed=mph",
       "--label",
       "precipType=rain",
       "--label-ahead",
       "1",
       "--grid",
       "n_estimators=20;max_depth=8",
       "--cv",
       "2",
       "--jobs",
       "2",
       "--out",
       model});
  ASSERT_EQ(train.exit_code, 0) << train.err;

  fakes::DarkSkyFake darksky("k1");
  const auto env = Env({{"RAINCHECK_MODEL", model},
                        {"RAINCHECK_WEATHER", "darksky"},
                        {"RAINCHECK_DARKSKY_URL", darksky.base_url()},
                        {"DARKSKY_KEY", "k1"}});
  const json r = Invoke(Event("Cape Town"), env);
  ASSERT_EQ(r["statusCode"], 200) << r.dump();
  const json b = Body(r);
  EXPECT_EQ(b["features"].size(), 12u);
  for (const json& f : b["features"]) EXPECT_FALSE(f["value"].is_null()) << f.dump();

  // Open-Meteo cannot supply ozone: the error names it.
  const json om = Invoke(Event("Cape Town"), Env({{"RAINCHECK_MODEL", model}}));
  EXPECT_EQ(om["statusCode"], 500);
  EXPECT_NE(Body(om)["error"]["message"].get<std::string>().find("ozone"), std::string::npos)
      << om.dump();

  // Pirate Weather's -999 for a missing ozone reading is never fed to the model.
  fakes::DarkSkyFake no_ozone("k1", /*ozone_missing=*/true);
  auto env2 = env;
  env2["RAINCHECK_DARKSKY_URL"] = no_ozone.base_url();
  const json missing = Invoke(Event("Cape Town"), env2);
  EXPECT_NE(missing["statusCode"], 200);
  EXPECT_NE(Body(missing)["error"]["message"].get<std::string>().find("ozone"), std::string::npos);
}

TEST_F(EndToEndTest, InjectionInTheCityNeverReachesTheUpstreamQueryRaw) {
  fakes::LocationIqFake liq("good-key");
  const json r = Invoke(Event("x&key=attacker"), Env({{"RAINCHECK_GEOCODER", "locationiq"},
                                                      {"RAINCHECK_LOCATIONIQ_URL", liq.base_url()},
                                                      {"LOCATIONIQ_KEY", "good-key"}}));
  EXPECT_NE(r["statusCode"], 200);
  ASSERT_GE(liq.requests().size(), 1u);
  for (const auto& req : liq.requests()) {
    EXPECT_EQ(req.target.find("key=attacker"), std::string::npos) << req.target;
  }
}

// Models for the place, through the real binary and the shipped models directory
// (build/models: Seattle and New York, each with its home).
const std::string kShippedModels = RAINCHECK_BINARY_DIR "/models";

TEST_F(EndToEndTest, ShippedModelsAnswerForThePlaceAskedAbout) {
  const auto env = Env({{"RAINCHECK_MODELS", kShippedModels}});
  const json seattle_response = Invoke(Event("Seattle"), env);
  ASSERT_EQ(seattle_response["statusCode"], 200) << seattle_response.dump();
  const json seattle = Body(seattle_response);
  EXPECT_TRUE(seattle["model"]["name"].get<std::string>().starts_with("seattle"))
      << seattle["model"].dump();
  EXPECT_TRUE(seattle["model"]["home"]["name"].get<std::string>().starts_with("Seattle"));
  EXPECT_EQ(seattle["model"]["applies"], true);
  EXPECT_LT(seattle["model"]["distance_km"].get<double>(), 30.0);
  EXPECT_EQ(seattle["model"]["skill_here"], "measured");
  EXPECT_GT(seattle["model"]["skill"]["roc_auc"].get<double>(), 0.5);
  EXPECT_TRUE(seattle["model"]["skill"]["brier_skill_score"].is_number());
  const double clim = seattle["baselines"]["climatology"].get<double>();
  EXPECT_GT(clim, 0.0);
  EXPECT_LT(clim, 1.0);
  // The forecast stand-in says 80 % for tomorrow (precipitation_probability_max, day 2).
  EXPECT_DOUBLE_EQ(seattle["baselines"]["forecast_probability"].get<double>(), 0.8);
  EXPECT_EQ(seattle["baselines"]["forecast_source"], "openmeteo");
  EXPECT_EQ(seattle["probability"], seattle["prediction"]["probability"]);

  const json new_york = Body(Invoke(Event("Newark, US"), env));  // 15 km from New York
  EXPECT_TRUE(new_york["model"]["name"].get<std::string>().starts_with("new-york"))
      << new_york["model"].dump();
  EXPECT_EQ(new_york["model"]["applies"], true);

  const json cape_town = Body(Invoke(Event("Cape Town"), env));
  EXPECT_EQ(cape_town["model"]["applies"], false);
  EXPECT_GT(cape_town["model"]["distance_km"].get<double>(), 10000.0);
  EXPECT_EQ(cape_town["model"]["skill_here"], "unknown");
  EXPECT_TRUE(cape_town["baselines"]["climatology"].is_null());
  EXPECT_NE(cape_town["model"]["summary"].get<std::string>().find("its skill here is unknown"),
            std::string::npos);
}

TEST_F(EndToEndTest, OutsideEveryRadiusEachPolicyDoesWhatItSays) {
  const json refused =
      Invoke(Event("Cape Town"),
             Env({{"RAINCHECK_MODELS", kShippedModels}, {"RAINCHECK_OUTSIDE", "refuse"}}));
  EXPECT_EQ(refused["statusCode"], 422) << refused.dump();
  EXPECT_NE(Body(refused)["error"]["message"].get<std::string>().find("no model applies"),
            std::string::npos);
  EXPECT_TRUE(RecordFiles().empty());
  const json climatology = Body(
      Invoke(Event("Cape Town"),
             Env({{"RAINCHECK_MODELS", kShippedModels}, {"RAINCHECK_OUTSIDE", "climatology"}})));
  EXPECT_EQ(climatology["prediction"]["method"], "climatology");
  EXPECT_TRUE(climatology["features"].empty());
  const json nearest =
      Body(Invoke(Event("Cape Town"), Env({{"RAINCHECK_MODELS", kShippedModels}})));
  EXPECT_EQ(nearest["prediction"]["method"], "model");
  EXPECT_EQ(nearest["features"].size(), 6u);
  auto bad = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-"}, Event("Cape Town"),
                        Env({{"RAINCHECK_OUTSIDE", "sometimes"}}));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("RAINCHECK_OUTSIDE"), std::string::npos) << bad.err;
}

TEST_F(EndToEndTest, ABadModelFileStopsStartUpNamingItUnlessSkipped) {
  const auto models = dir_ / "models";
  std::filesystem::create_directories(models);
  std::filesystem::copy_file(kShippedModels + "/seattle.rcf", models / "seattle.rcf");
  ASSERT_TRUE(
      base::WriteFileAtomic((models / "foreign.rcf").string(), "<html>not a model</html>").ok());
  auto r = RunProcess({BinaryPath("raincheck"), "invoke", "-e", "-", "--models", models.string()},
                      Event("Seattle"), Env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("foreign.rcf"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  std::string logs;
  const json skipped = Invoke(Event("Seattle"), Env({{"RAINCHECK_MODELS_SKIP_BAD", "1"}}), &logs,
                              {"--models", models.string()});
  EXPECT_EQ(skipped["statusCode"], 200);
  EXPECT_NE(logs.find("model file skipped"), std::string::npos) << logs;
  EXPECT_NE(logs.find("foreign.rcf"), std::string::npos) << logs;
}

}  // namespace
}  // namespace raincheck
