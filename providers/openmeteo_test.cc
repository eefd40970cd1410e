#include "providers/openmeteo.h"

#include <gtest/gtest.h>

#include <functional>

#include "http/curl_client.h"
#include "providers/features.h"
#include "providers/internal/upstream.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using fakes::Fault;
using std::chrono::milliseconds;

class OpenMeteoTest : public ::testing::Test {
 protected:
  OpenMeteoTest()
      : client_(clock_, {.base_backoff = milliseconds(5), .max_backoff = milliseconds(20)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view line) { log_ += line; }) {}

  base::CallContext Ctx(milliseconds budget = milliseconds(3000)) {
    base::CallContext ctx;
    ctx.request_id = "req-1";
    ctx.deadline = clock_.Now() + budget;
    return ctx;
  }

  static Place CapeTown() {
    Place p;
    p.name = "Cape Town";
    p.latitude = -33.92584;
    p.longitude = 18.42322;
    return p;
  }

  base::SystemClock clock_;
  fakes::OpenMeteoForecastFake forecast_;
  fakes::OpenMeteoGeocodingFake geocoding_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
};

TEST_F(OpenMeteoTest, ParsesCurrentAndDailyWithUnits) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  auto obs = weather.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  EXPECT_EQ(obs->source, "openmeteo");
  EXPECT_EQ(obs->timezone, "Africa/Johannesburg");
  // 04:15 local at UTC+2.
  EXPECT_EQ(base::FormatIso8601Utc(obs->time), "2026-11-28T02:15:00.000Z");
  EXPECT_EQ(obs->local_date, std::chrono::year_month_day(std::chrono::year(2026) / 11 / 28));
  ASSERT_NE(obs->Find("temperature"), nullptr);
  EXPECT_DOUBLE_EQ(obs->Find("temperature")->value, 17.4);
  EXPECT_EQ(obs->Find("temperature")->unit, "degC");
  EXPECT_EQ(obs->Find("humidity")->unit, "percent");
  EXPECT_EQ(obs->Find("windSpeed")->unit, "km/h");
  EXPECT_EQ(obs->Find("windBearing")->unit, "degree");
  EXPECT_EQ(obs->Find("uvIndex")->unit, "1");
  EXPECT_EQ(obs->Find("visibility")->unit, "m");
  EXPECT_DOUBLE_EQ(obs->Find("temp_max")->value, 24.1);
  EXPECT_DOUBLE_EQ(obs->Find("precipitation")->value, 0.4);
  EXPECT_EQ(obs->Find("ozone"), nullptr);

  const auto seen = forecast_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].params.find("latitude")->second, "-33.92584");
  EXPECT_EQ(seen[0].params.find("longitude")->second, "18.42322");
  EXPECT_EQ(seen[0].params.find("timezone")->second, "auto");
  EXPECT_NE(seen[0].params.find("daily")->second.find("wind_speed_10m_mean"), std::string::npos);
}

TEST_F(OpenMeteoTest, ReadsTomorrowsProbabilityFromIndexOneAndTodayFromIndexZero) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  auto obs = weather.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  // The fake: today 35 %, tomorrow 80 %; today's precipitation 0.4 mm, tomorrow's 3.2 mm.
  ASSERT_TRUE(obs->precipitation_probability_tomorrow.has_value());
  EXPECT_DOUBLE_EQ(*obs->precipitation_probability_tomorrow, 0.8);
  ASSERT_NE(obs->Find("precipitation"), nullptr);
  ASSERT_NE(obs->Find("wind"), nullptr);
  EXPECT_DOUBLE_EQ(obs->Find("precipitation")->value, 0.4);
  EXPECT_DOUBLE_EQ(obs->Find("wind")->value, 18.7);
  EXPECT_EQ(obs->Find("precipitation_probability_max"), nullptr) << "not a feature";
  const auto seen = forecast_.requests();
  EXPECT_EQ(seen.back().params.find("forecast_days")->second, "2");

  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
  };
  const std::vector<Case> absent = {
      {"null", [](nlohmann::json& j) { j["daily"]["precipitation_probability_max"][1] = nullptr; }},
      {"absent", [](nlohmann::json& j) { j["daily"].erase("precipitation_probability_max"); }},
      {"one day only",
       [](nlohmann::json& j) {
         for (auto& [k, v] : j["daily"].items()) v.erase(1);
       }},
      {"no unit",
       [](nlohmann::json& j) { j["daily_units"].erase("precipitation_probability_max"); }},
      {"over 100 %",
       [](nlohmann::json& j) { j["daily"]["precipitation_probability_max"][1] = 120; }},
      {"index 1 is not tomorrow", [](nlohmann::json& j) { j["daily"]["time"][1] = "2026-11-30"; }},
  };
  for (const auto& c : absent) {
    SCOPED_TRACE(c.name);
    forecast_.set_edit(c.edit);
    auto o = weather.Current(CapeTown(), Ctx());
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    EXPECT_FALSE(o->precipitation_probability_tomorrow.has_value());
    ASSERT_NE(o->Find("precipitation"), nullptr);
    EXPECT_DOUBLE_EQ(o->Find("precipitation")->value, 0.4) << "today's values are still read";
  }
  forecast_.set_edit([](nlohmann::json& j) {
    j["daily_units"]["precipitation_probability_max"] = "fraction";
    j["daily"]["precipitation_probability_max"][1] = 0.25;
  });
  auto fraction = weather.Current(CapeTown(), Ctx());
  ASSERT_TRUE(fraction.ok());
  EXPECT_DOUBLE_EQ(fraction->precipitation_probability_tomorrow.value_or(-1), 0.25);
}

// Found by fuzz/openmeteo_forecast_fuzz.cc (fuzz/corpus/openmeteo_forecast/crash-year-2926.json):
// a current time past what base::TimePoint holds overflowed a signed integer (UBSan).
TEST_F(OpenMeteoTest, RefusesACurrentTimeOutsideTheClocksRange) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  for (const char* time : {"2926-11-28T04:15", "1001-01-01T00:00"}) {
    SCOPED_TRACE(time);
    forecast_.set_edit([time](nlohmann::json& j) { j["current"]["time"] = time; });
    auto o = weather.Current(CapeTown(), Ctx());
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(o.status().message().find("current.time"), std::string::npos) << o.status().message();
  }
  EXPECT_EQ(internal::ParseIsoLocalMinutes("2200-12-31T23:59").has_value(), true);
  EXPECT_EQ(internal::ParseIsoLocalMinutes("2201-01-01T00:00").has_value(), false);
}

TEST_F(OpenMeteoTest, FeedsTheDefaultModelAndNamesOzoneForTheOriginal) {
  OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
  const Place place = CapeTown();
  auto obs = weather.Current(place, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  auto daily = MapFeatures(*obs, place,
                           {{"precipitation", "mm"},
                            {"temp_max", "degC"},
                            {"temp_min", "degC"},
                            {"wind", "m/s"},
                            {"season_cos", "1"},
                            {"season_sin", "1"}});
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  EXPECT_NEAR((*daily)[3], 18.7 / 3.6, 1e-5);
  EXPECT_LT((*daily)[4], 0.0f);  // late November, southern hemisphere: negated cos(~5.7 rad) < 0

  const std::vector<FeatureSpec> original = {
      {"apparentTemperature", "degF"}, {"cloudCover", "fraction"}, {"dewPoint", "degF"},
      {"humidity", "fraction"},        {"ozone", "dobson"},        {"pressure", "hPa"},
      {"temperature", "degF"},         {"uvIndex", "index"},       {"visibility", "mile"},
      {"windBearing", "degree"},       {"windGust", "mph"},        {"windSpeed", "mph"}};
  auto current = MapFeatures(*obs, place, original);
  ASSERT_FALSE(current.ok());
  EXPECT_NE(current.status().message().find("'ozone'"), std::string::npos);
  std::vector<FeatureSpec> without_ozone = original;
  without_ozone.erase(without_ozone.begin() + 4);
  auto rest = MapFeatures(*obs, place, without_ozone);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_NEAR((*rest)[5], 17.4 * 9 / 5 + 32, 1e-4);  // temperature degF
}

TEST_F(OpenMeteoTest, WeatherFaultsGiveTheRightStatusWithinTheDeadline) {
  for (const Fault fault : fakes::AllFaults()) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    const fakes::ExpectedOutcome c = fakes::ExpectedFor(fault, StatusCode::kUnavailable);
    forecast_.set_fault(fault);
    OpenMeteoWeather weather(forecast_.base_url(), client_, logger_);
    const auto ctx = Ctx(milliseconds(1000));
    auto obs = weather.Current(CapeTown(), ctx);
    // Clamped to the deadline (the per-attempt timeout is 4 s and a hang lasts 120 s); the
    // margin only absorbs scheduling on a loaded machine.
    EXPECT_LE(clock_.Now(), ctx.deadline.at() + milliseconds(1000));
    EXPECT_EQ(obs.ok(), c.ok);
    if (!c.ok) {
      EXPECT_EQ(obs.status().code(), c.code) << obs.status().ToString();
    }
  }
}

TEST_F(OpenMeteoTest, GeocodesWithCountryQualifiers) {
  OpenMeteoGeocoder geocoder(geocoding_.base_url(), client_, logger_);
  auto paris = geocoder.Geocode("  Paris ", Ctx());
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  EXPECT_EQ(paris->country_code, "FR");
  EXPECT_EQ(paris->source, "openmeteo");
  EXPECT_EQ(paris->timezone, "Europe/Paris");
  EXPECT_NEAR(paris->latitude, 48.85341, 1e-6);

  auto texas = geocoder.Geocode("Paris, US", Ctx());
  ASSERT_TRUE(texas.ok()) << texas.status().ToString();
  EXPECT_EQ(texas->admin_area, "Texas");
  EXPECT_EQ(geocoding_.requests().back().params.find("countryCode")->second, "us");

  auto by_region = geocoder.Geocode("Portland, Maine", Ctx());
  ASSERT_TRUE(by_region.ok()) << by_region.status().ToString();
  EXPECT_EQ(by_region->admin_area, "Maine");

  auto wrong_country = geocoder.Geocode("Paris, Narnia", Ctx());
  ASSERT_FALSE(wrong_country.ok());
  EXPECT_EQ(wrong_country.status().code(), StatusCode::kNotFound);
  EXPECT_NE(wrong_country.status().message().find("did you mean"), std::string::npos);

  auto unknown = geocoder.Geocode("Atlantis", Ctx());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(geocoder.Geocode(" ", Ctx()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(geocoder.Geocode("a\x01", Ctx()).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(OpenMeteoTest, APopulationNoPlaceHasIsUnknown) {
  OpenMeteoGeocoder geocoder(geocoding_.base_url(), client_, logger_);
  for (const double population : {3.43344e45, -5.0, 2e10}) {
    SCOPED_TRACE(population);
    geocoding_.set_edit(
        [population](nlohmann::json& j) { j["results"][0]["population"] = population; });
    auto place = geocoder.Geocode("Paris", Ctx());
    ASSERT_TRUE(place.ok()) << place.status().ToString();
    EXPECT_EQ(place->country_code, "FR");
    EXPECT_EQ(place->population, 0);
  }
  geocoding_.set_edit([](nlohmann::json& j) { j["results"][0]["population"] = 2138551; });
  auto paris = geocoder.Geocode("Paris", Ctx());
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  EXPECT_EQ(paris->population, 2138551);
}

TEST_F(OpenMeteoTest, QueryValuesAreUrlEncoded) {
  OpenMeteoGeocoder geocoder(geocoding_.base_url(), client_, logger_);
  (void)geocoder.Geocode("x&count=1&name=Paris#frag", Ctx());
  const auto seen = geocoding_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].params.count("name"), 1u);
  EXPECT_EQ(seen[0].params.find("name")->second, "x&count=1&name=Paris#frag");
  EXPECT_EQ(seen[0].params.find("count")->second, "10");
}

TEST_F(OpenMeteoTest, GeocoderFaults) {
  for (const Fault fault : fakes::AllFaults()) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    const fakes::ExpectedOutcome c = fakes::ExpectedFor(fault, StatusCode::kNotFound);
    geocoding_.set_fault(fault);
    OpenMeteoGeocoder geocoder(geocoding_.base_url(), client_, logger_);
    const auto ctx = Ctx(milliseconds(1000));
    auto place = geocoder.Geocode("Cape Town", ctx);
    // Clamped to the deadline (the per-attempt timeout is 4 s and a hang lasts 120 s); the
    // margin only absorbs scheduling on a loaded machine.
    EXPECT_LE(clock_.Now(), ctx.deadline.at() + milliseconds(1000));
    EXPECT_EQ(place.ok(), c.ok);
    if (!c.ok) {
      EXPECT_EQ(place.status().code(), c.code) << place.status().ToString();
    }
  }
  EXPECT_EQ(log_.find("Cape Town"), std::string::npos) << "the query must not be logged";
}

}  // namespace
}  // namespace raincheck::providers
