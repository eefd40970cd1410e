#include "providers/darksky.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "http/curl_client.h"
#include "providers/features.h"
#include "providers/internal/upstream.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using fakes::Fault;
using std::chrono::milliseconds;

constexpr char kKey[] = "DSKEY/with+odd=chars";

const std::vector<FeatureSpec> kOriginal = {
    {"apparentTemperature", "degF"}, {"cloudCover", "fraction"}, {"dewPoint", "degF"},
    {"humidity", "fraction"},        {"ozone", "dobson"},        {"pressure", "hPa"},
    {"temperature", "degF"},         {"uvIndex", "index"},       {"visibility", "mile"},
    {"windBearing", "degree"},       {"windGust", "mph"},        {"windSpeed", "mph"}};

class DarkSkyTest : public ::testing::Test {
 protected:
  DarkSkyTest()
      : client_(clock_, {.base_backoff = milliseconds(5), .max_backoff = milliseconds(20)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_ += l; }) {}
  base::CallContext Ctx(milliseconds budget = milliseconds(3000)) {
    base::CallContext c;
    c.deadline = clock_.Now() + budget;
    return c;
  }
  DarkSkyWeather Source(const fakes::DarkSkyFake& fake, const std::string& key = kKey) {
    return DarkSkyWeather(fake.base_url(), std::make_shared<StaticApiKey>(key), client_, logger_);
  }
  static Place CapeTown() {
    Place p;
    p.latitude = -33.92584;
    p.longitude = 18.42322;
    return p;
  }

  base::SystemClock clock_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
};

TEST_F(DarkSkyTest, FeedsTheOriginalModelsTwelveFeatures) {
  fakes::DarkSkyFake fake(kKey);
  auto source = Source(fake);
  auto obs = source.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  EXPECT_EQ(obs->source, "darksky");
  EXPECT_EQ(base::FormatIso8601Utc(obs->time), "2026-11-28T02:15:00.000Z");
  EXPECT_EQ(obs->local_date, std::chrono::year_month_day(std::chrono::year(2026) / 11 / 28));
  auto f = MapFeatures(*obs, CapeTown(), kOriginal);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const std::vector<float> expected = {61.9f, 0.12f, 52.1f, 0.69f,  287.4f, 1014.2f,
                                       62.3f, 0.0f,  10.0f, 160.0f, 18.9f,  11.2f};
  ASSERT_EQ(f->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ((*f)[i], expected[i]) << i;

  // The key travels URL-encoded in the path; units=us as the original model expects.
  const auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target.find("/forecast/DSKEY%2Fwith%2Bodd%3Dchars/-33.92584,18.42322"), 0u)
      << seen[0].target;
  EXPECT_EQ(seen[0].params.find("units")->second, "us");
}

TEST_F(DarkSkyTest, FeedsTheDefaultModelFromDailyData) {
  fakes::DarkSkyFake fake(kKey);
  auto source = Source(fake);
  auto obs = source.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok());
  auto f = MapFeatures(*obs, CapeTown(),
                       {{"precipitation", "mm"},
                        {"temp_max", "degC"},
                        {"temp_min", "degC"},
                        {"wind", "m/s"},
                        {"season_cos", "1"},
                        {"season_sin", "1"}});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_NEAR((*f)[0], 0.0016 * 24 * 25.4, 1e-4);
  EXPECT_NEAR((*f)[1], (75.2 - 32) * 5 / 9, 1e-4);
  EXPECT_NEAR((*f)[3], 12.4 * 0.44704, 1e-4);
}

TEST_F(DarkSkyTest, ReadsTomorrowsProbabilityFromDailyDataOne) {
  fakes::DarkSkyFake fake(kKey);
  auto source = Source(fake);
  auto obs = source.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  // daily.data[0] has 0.12 (today), data[1] 0.64: tomorrow's is reported.
  EXPECT_DOUBLE_EQ(obs->precipitation_probability_tomorrow.value_or(-1), 0.64);
  // The request keeps the daily block.
  const auto seen = fake.requests();
  EXPECT_EQ(seen.back().params.find("exclude")->second.find("daily"), std::string::npos);

  for (const auto& edit : std::vector<std::function<void(nlohmann::json&)>>{
           [](nlohmann::json& j) { j["daily"]["data"].erase(1); },
           [](nlohmann::json& j) { j["daily"]["data"][1].erase("precipProbability"); },
           [](nlohmann::json& j) { j["daily"]["data"][1]["precipProbability"] = -999; },
           [](nlohmann::json& j) { j["daily"]["data"][1]["precipProbability"] = nullptr; }}) {
    fake.set_edit(edit);
    auto o = source.Current(CapeTown(), Ctx());
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    EXPECT_FALSE(o->precipitation_probability_tomorrow.has_value());
    EXPECT_NE(o->Find("temp_max"), nullptr);
  }
}

TEST_F(DarkSkyTest, MinusNineNineNineMeansMissingAndIsNamed) {
  fakes::DarkSkyFake fake(kKey, /*ozone_missing=*/true);
  auto source = Source(fake);
  auto obs = source.Current(CapeTown(), Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  EXPECT_EQ(obs->Find("ozone"), nullptr);
  auto f = MapFeatures(*obs, CapeTown(), kOriginal);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("'ozone'"), std::string::npos);
}

TEST_F(DarkSkyTest, Faults) {
  fakes::DarkSkyFake fake(kKey);
  for (const Fault fault : fakes::AllFaults()) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    const fakes::ExpectedOutcome c = fakes::ExpectedFor(fault, StatusCode::kUnavailable);
    fake.set_fault(fault);
    auto source = Source(fake);
    const auto ctx = Ctx(milliseconds(1000));
    auto obs = source.Current(CapeTown(), ctx);
    // Clamped to the deadline (the per-attempt timeout is 4 s and a hang lasts 120 s); the
    // margin only absorbs scheduling on a loaded machine.
    EXPECT_LE(clock_.Now(), ctx.deadline.at() + milliseconds(1000));
    EXPECT_EQ(obs.ok(), c.ok);
    if (!c.ok) {
      EXPECT_EQ(obs.status().code(), c.code) << obs.status().ToString();
      EXPECT_EQ(obs.status().message().find("DSKEY"), std::string::npos);
    }
  }
  fake.set_fault(Fault::kNone);
  auto wrong = Source(fake, "not-the-key");
  EXPECT_EQ(wrong.Current(CapeTown(), Ctx()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(log_.find("DSKEY"), std::string::npos) << "the key must never be logged";
  EXPECT_EQ(log_.find("-33.92"), std::string::npos) << "locations must never be logged";
}

// Found by the fuzz target darksky: a currently.time in the year 2529 overflowed converting it
// to the clock's nanoseconds (UBSan); it is malformed now, as one past 1e11 was.
TEST_F(DarkSkyTest, ACurrentTimeAfter2200IsMalformed) {
  struct Canned final : http::Client {
    Result<http::Response> Send(const http::Request&) override {
      http::Response r;
      r.status = 200;
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = R"({"latitude":-33.92,"longitude":18.42,"offset":2,)"
               R"("currently":{"time":17642961040,"humidity":0.67},"daily":{"data":[]}})";
      return r;
    }
  } canned;
  DarkSkyWeather source("http://127.0.0.1:9", std::make_shared<StaticApiKey>(kKey), canned,
                        logger_);
  const auto obs = source.Current(CapeTown(), Ctx());
  ASSERT_FALSE(obs.ok());
  EXPECT_EQ(obs.status().code(), StatusCode::kUnavailable) << obs.status().ToString();
}

// An upstream body with a number no double holds is a malformed answer (502), not an
// exception out of the provider.
TEST_F(DarkSkyTest, NumbersOutOfRangeInAnUpstreamBodyAreMalformed) {
  const internal::Upstream up{"darksky", client_, logger_};
  const std::vector<std::string> numbers = {"1e999", "-1e999", "1" + std::string(399, '3')};
  for (const std::string& n : numbers) {
    for (const std::string& body : {n, R"({"currently": {"temperature": )" + n + "}}",
                                    R"({"daily": {"data": [)" + n + "]}}"}) {
      http::Response res;
      res.status = 200;
      res.body = body;
      Result<nlohmann::json> j = Status::Internal("not run");
      ASSERT_NO_THROW(j = internal::JsonBody(up, res)) << body;
      ASSERT_FALSE(j.ok()) << body;
      EXPECT_EQ(j.status().code(), StatusCode::kUnavailable) << body;
      EXPECT_EQ(j.status().message(), "darksky: malformed response: not JSON") << body;
    }
  }
}

}  // namespace
}  // namespace raincheck::providers
