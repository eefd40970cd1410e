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

  static json Body(const json& response) { return json::parse(response["body"].get<std::string>()); }

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
  EXPECT_NE(Body(r)["error"]["message"].get<std::string>().find("Cape Town"), std::string::npos)
      << r.dump();
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
      {BinaryPath("raincheck"), "train", "--data",
       std::string(RAINCHECK_SHARED_DIR) + "/data/capetown_darksky_daily.csv", "--features",
       "apparentTemperature,cloudCover,dewPoint,humidity,ozone,pressure,temperature,uvIndex,"
       "visibility,windBearing,windGust,windSpeed",
       "--units",
       "apparentTemperature=degF,cloudCover=fraction,dewPoint=degF,humidity=fraction,"
       "ozone=dobson,pressure=hPa,temperature=degF,uvIndex=index,visibility=mile,"
       "windBearing=degree,windGust=mph,windSpeed=mph",
       "--label", "precipType=rain", "--label-ahead", "1", "--grid",
       "n_estimators=20;max_depth=8", "--cv", "2", "--jobs", "2", "--out", model});
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
  const json r = Invoke(Event("x&key=attacker"),
                        Env({{"RAINCHECK_GEOCODER", "locationiq"},
                             {"RAINCHECK_LOCATIONIQ_URL", liq.base_url()},
                             {"LOCATIONIQ_KEY", "good-key"}}));
  EXPECT_NE(r["statusCode"], 200);
  ASSERT_GE(liq.requests().size(), 1u);
  for (const auto& req : liq.requests()) {
    EXPECT_EQ(req.target.find("key=attacker"), std::string::npos) << req.target;
  }
}

}  // namespace
}  // namespace raincheck
