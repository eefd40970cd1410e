// Training (the archive download and HistoryCsv) and serving (the forecast request and the
// Observation) must read the same daily variables under the same feature names. These tests
// fail when one side changes alone: a hand-written daily= list in the forecast request, a
// renamed or dropped quantity in the observation, a CSV column the function cannot supply, or
// a daily variable name spelled outside the shared table.
#include "providers/daily_features.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>

#include "base/file.h"
#include "base/strings.h"
#include "http/curl_client.h"
#include "providers/darksky.h"
#include "providers/features.h"
#include "providers/history.h"
#include "providers/openmeteo.h"
#include "providers/units.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, ',')) out.push_back(cur);
  return out;
}

TEST(DailyFeaturesTest, ParamAndNamesComeFromTheTable) {
  std::vector<std::string> upstream, features;
  for (const auto& v : kDailyVariables) {
    upstream.emplace_back(v.upstream);
    features.emplace_back(v.feature);
  }
  EXPECT_EQ(DailyVariablesParam(), base::Join(upstream, ","));
  EXPECT_EQ(DailyVariablesParam(),
            "precipitation_sum,temperature_2m_max,temperature_2m_min,wind_speed_10m_mean");
  features.emplace_back(kSeasonCos);
  features.emplace_back(kSeasonSin);
  EXPECT_EQ(DailyFeatureNames(), features);
  // Names are unique, and no feature is spelled like a season feature or the label column.
  EXPECT_EQ(std::set<std::string>(upstream.begin(), upstream.end()).size(), upstream.size());
  EXPECT_EQ(std::set<std::string>(features.begin(), features.end()).size(), features.size());
  for (const auto& f : features) EXPECT_NE(f, "rain");
  EXPECT_NE(std::find(upstream.begin(), upstream.end(), std::string(kLabelVariable)),
            upstream.end());
}

// Real time shifted to start at a chosen instant: the history client's "today" is fixed while
// deadlines, which the HTTP client checks against the same clock, still pass in real time.
class ShiftedClock final : public base::Clock {
 public:
  explicit ShiftedClock(base::TimePoint start) { Set(start); }
  base::TimePoint Now() const override { return std::chrono::system_clock::now() + offset_.load(); }
  void Set(base::TimePoint now) { offset_ = now - std::chrono::system_clock::now(); }

 private:
  std::atomic<std::chrono::system_clock::duration> offset_{};
};

class DriftTest : public ::testing::Test {
 protected:
  DriftTest()
      : clock_(sys_days(year(2026) / 12 / 3)),
        client_(clock_, {.base_backoff = milliseconds(5), .max_backoff = milliseconds(20)}),
        logger_(base::LogLevel::kOff, [](std::string_view) {}) {
    place_.name = "Cape Town";
    place_.latitude = -33.92584;
    place_.longitude = 18.42322;
    // Capture what the forecast fake answers, to compare the units the observation reports.
    forecast_.set_edit([this](nlohmann::json& j) { forecast_answer_ = j; });
  }

  base::CallContext Ctx() {
    base::CallContext ctx;
    ctx.deadline = clock_.Now() + milliseconds(3000);
    return ctx;
  }

  ShiftedClock clock_;
  fakes::OpenMeteoForecastFake forecast_;
  fakes::OpenMeteoArchiveFake archive_;
  http::CurlClient client_;
  base::Logger logger_;
  Place place_;
  nlohmann::json forecast_answer_;
};

TEST_F(DriftTest, TheForecastRequestAsksForEveryVariableOfTheTable) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  auto obs = weather.Current(place_, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  const auto seen = forecast_.requests();
  ASSERT_EQ(seen.size(), 1u);
  const auto daily = SplitCommas(seen[0].params.find("daily")->second);
  std::vector<std::string> expected = SplitCommas(DailyVariablesParam());
  expected.emplace_back("precipitation_probability_max");
  EXPECT_EQ(daily, expected);
  EXPECT_EQ(seen[0].params.find("forecast_days")->second, "2");
  EXPECT_EQ(seen[0].params.find("timezone")->second, "auto");
}

TEST_F(DriftTest, TheObservationSuppliesEveryFeatureInTheUnitsTheForecastStates) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  auto obs = weather.Current(place_, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  ASSERT_TRUE(forecast_answer_.is_object());
  for (const auto& v : kDailyVariables) {
    SCOPED_TRACE(std::string(v.feature));
    const Quantity* q = obs->Find(v.feature);
    ASSERT_NE(q, nullptr) << "the served observation lacks a feature of the table";
    const auto stated = forecast_answer_["daily_units"][std::string(v.upstream)].get<std::string>();
    EXPECT_EQ(q->unit, *CanonicalUnit(stated));
    EXPECT_DOUBLE_EQ(q->value, forecast_answer_["daily"][std::string(v.upstream)][0].get<double>())
        << "today is daily index 0";
  }
}

TEST_F(DriftTest, AModelTrainedFromHistoryCsvIsServedByTheForecast) {
  // Train side: the archive -> HistoryCsv; its columns (besides date and rain) are the model's
  // features, in the units of the history.
  HistoryOptions options;
  options.base_url = archive_.base_url();
  options.sleep = [](milliseconds) {};
  auto history =
      FetchDailyHistory(place_.name, place_.latitude, place_.longitude, year(2020) / 1 / 1,
                        year(2020) / 1 / 10, options, client_, clock_, logger_);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  const std::string csv = HistoryCsv(*history, 1.0);
  auto columns = SplitCommas(csv.substr(0, csv.find('\n')));
  ASSERT_GE(columns.size(), 3u);
  EXPECT_EQ(columns.front(), "date");
  EXPECT_EQ(columns.back(), "rain");
  columns.erase(columns.begin());
  columns.pop_back();
  EXPECT_EQ(columns, DailyFeatureNames());

  std::vector<FeatureSpec> schema;
  for (size_t i = 0; i < columns.size(); ++i) {
    schema.push_back({columns[i], i < history->units.size() ? history->units[i] : "1"});
  }
  EXPECT_EQ(schema.size(), kDailyVariables.size() + 2);

  // Serve side: the forecast's observation must supply every column, convertibly.
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  auto obs = weather.Current(place_, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  for (const auto& spec : schema) {
    if (spec.name == kSeasonCos || spec.name == kSeasonSin) continue;
    EXPECT_NE(obs->Find(spec.name), nullptr) << spec.name << " is trained on but not served";
  }
  auto features = MapFeatures(*obs, place_, schema);
  ASSERT_TRUE(features.ok()) << features.status().ToString();
  EXPECT_EQ(features->size(), schema.size());

  // And the observation supplies nothing of the table that the CSV lacks.
  for (const auto& v : kDailyVariables) {
    EXPECT_NE(std::find(columns.begin(), columns.end(), std::string(v.feature)), columns.end());
  }
}

TEST_F(DriftTest, DarkSkySuppliesTheTablesFeaturesToo) {
  // A model trained from Open-Meteo history may be served from the DarkSky source: a feature
  // added to the table needs a DarkSky mapping (or this test names what is missing).
  fakes::DarkSkyFake darksky("k");
  DarkSkyWeather weather(darksky.base_url(), std::make_shared<StaticApiKey>("k"), client_, logger_);
  auto obs = weather.Current(place_, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  std::vector<FeatureSpec> schema;
  for (const auto& v : kDailyVariables) {
    ASSERT_NE(obs->Find(v.feature), nullptr) << v.feature;
    schema.push_back({std::string(v.feature), obs->Find(v.feature)->unit});
  }
  EXPECT_TRUE(MapFeatures(*obs, place_, schema).ok());
}

TEST(DailyFeaturesSourceTest, OnlyTheTableSpellsTheDailyVariables) {
  // A daily variable name in quotes anywhere else in providers/ (tests aside) is a second list
  // that can drift from kDailyVariables.
  const std::filesystem::path dir = std::filesystem::path(RAINCHECK_SOURCE_DIR) / "providers";
  int scanned = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if ((ext != ".cc" && ext != ".h") || name == "daily_features.h" ||
        name.find("_test.cc") != std::string::npos) {
      continue;
    }
    auto text = base::ReadFile(entry.path().string());
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    ++scanned;
    for (const auto& v : kDailyVariables) {
      EXPECT_EQ(text->find("\"" + std::string(v.upstream) + "\""), std::string::npos)
          << entry.path() << " spells " << v.upstream;
    }
  }
  EXPECT_GT(scanned, 10);
}

}  // namespace
}  // namespace raincheck::providers
