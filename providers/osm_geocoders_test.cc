#include "providers/osm_geocoders.h"

#include <gtest/gtest.h>

#include "http/curl_client.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using fakes::Fault;
using std::chrono::milliseconds;

constexpr char kKey[] = "pk.SECRETKEY0123456789";

class OsmGeocodersTest : public ::testing::Test {
 protected:
  OsmGeocodersTest()
      : client_(clock_, {.base_backoff = milliseconds(5), .max_backoff = milliseconds(20)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_ += l; }),
        locationiq_(kKey) {}

  base::CallContext Ctx(milliseconds budget = milliseconds(3000)) {
    base::CallContext c;
    c.request_id = "req-7";
    c.deadline = clock_.Now() + budget;
    return c;
  }
  LocationIqGeocoder LocationIq(const std::string& key = kKey) {
    return LocationIqGeocoder(locationiq_.base_url(), std::make_shared<StaticApiKey>(key), client_,
                              logger_);
  }

  base::SystemClock clock_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
  fakes::LocationIqFake locationiq_;
  fakes::NominatimFake nominatim_;
};

TEST_F(OsmGeocodersTest, LocationIqParsesStringCoordinatesAndAddress) {
  auto g = LocationIq();
  auto place = g.Geocode("Cape Town", Ctx());
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  EXPECT_EQ(place->name, "Cape Town");
  EXPECT_EQ(place->country_code, "ZA");
  EXPECT_EQ(place->admin_area, "Western Cape");
  EXPECT_NEAR(place->latitude, -33.92584, 1e-6);
  EXPECT_EQ(place->source, "locationiq");
  const auto seen = locationiq_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].params.find("format")->second, "json");
  EXPECT_EQ(seen[0].params.find("key")->second, kKey);
}

TEST_F(OsmGeocodersTest, LocationIqStatuses) {
  auto g = LocationIq();
  EXPECT_EQ(g.Geocode("Atlantis", Ctx()).status().code(), StatusCode::kNotFound);
  auto bad_key = LocationIq("wrong-key");
  EXPECT_EQ(bad_key.Geocode("Paris", Ctx()).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(OsmGeocodersTest, TheOriginalsQueryInjectionCannotRewriteTheKey) {
  auto g = LocationIq();
  (void)g.Geocode("x&key=attacker&format=xml", Ctx());
  const auto seen = locationiq_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].params.count("key"), 1u);
  EXPECT_EQ(seen[0].params.find("key")->second, kKey);
  EXPECT_EQ(seen[0].params.find("format")->second, "json");
  EXPECT_EQ(seen[0].params.find("q")->second, "x&key=attacker&format=xml");
}

TEST_F(OsmGeocodersTest, LocationIqFaults) {
  for (const Fault fault : fakes::AllFaults()) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    const fakes::ExpectedOutcome c =
        fakes::ExpectedFor(fault, StatusCode::kNotFound, StatusCode::kNotFound);
    locationiq_.set_fault(fault);
    auto g = LocationIq();
    const auto ctx = Ctx(milliseconds(1000));
    auto place = g.Geocode("Seattle", ctx);
    // Clamped to the deadline (the per-attempt timeout is 4 s and a hang lasts 120 s); the
    // margin only absorbs scheduling on a loaded machine.
    EXPECT_LE(clock_.Now(), ctx.deadline.at() + milliseconds(1000));
    EXPECT_EQ(place.ok(), c.ok);
    if (!c.ok) {
      EXPECT_EQ(place.status().code(), c.code) << place.status().ToString();
      EXPECT_EQ(place.status().message().find(kKey), std::string::npos);
    }
  }
  EXPECT_EQ(log_.find(kKey), std::string::npos) << "the key must never be logged";
  EXPECT_EQ(log_.find("Seattle"), std::string::npos) << "the query must never be logged";
}

TEST_F(OsmGeocodersTest, NominatimSendsAUserAgentAndParsesJsonV2) {
  NominatimGeocoder g(nominatim_.base_url(), client_, clock_, logger_);
  auto place = g.Geocode("Portland, Maine", Ctx());
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  EXPECT_EQ(place->admin_area, "Maine");
  EXPECT_EQ(place->country_code, "US");
  EXPECT_EQ(place->source, "nominatim");
  const auto seen = nominatim_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].headers.find("User-Agent")->second.find("raincheck/"), std::string::npos);
  EXPECT_EQ(seen[0].params.find("format")->second, "jsonv2");
}

TEST_F(OsmGeocodersTest, NominatimAllowsOneRequestPerSecond) {
  base::ManualClock frozen(clock_.Now());
  NominatimGeocoder g(nominatim_.base_url(), client_, frozen, logger_);
  base::CallContext ctx;
  ctx.deadline = frozen.Now() + milliseconds(500);
  EXPECT_TRUE(g.Geocode("Seattle", ctx).ok());
  // The next slot is a second away: past this deadline, so no request is sent.
  EXPECT_EQ(g.Geocode("Seattle", ctx).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(nominatim_.hits(), 1);
  frozen.Advance(milliseconds(1000));
  ctx.deadline = frozen.Now() + milliseconds(500);
  EXPECT_TRUE(g.Geocode("Seattle", ctx).ok());
  EXPECT_EQ(nominatim_.hits(), 2);
}

TEST_F(OsmGeocodersTest, NominatimFaults) {
  for (const Fault fault : fakes::AllFaults()) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    // Unlike LocationIQ's, a Nominatim 404 is not "no match".
    const fakes::ExpectedOutcome c = fakes::ExpectedFor(fault, StatusCode::kNotFound);
    nominatim_.set_fault(fault);
    NominatimGeocoder fresh(nominatim_.base_url(), client_, clock_, logger_);
    const auto ctx = Ctx(milliseconds(1000));
    auto place = fresh.Geocode("Seattle", ctx);
    // Clamped to the deadline (the per-attempt timeout is 4 s and a hang lasts 120 s); the
    // margin only absorbs scheduling on a loaded machine.
    EXPECT_LE(clock_.Now(), ctx.deadline.at() + milliseconds(1000));
    EXPECT_EQ(place.ok(), c.ok);
    if (!c.ok) {
      EXPECT_EQ(place.status().code(), c.code) << place.status().ToString();
    }
  }
}

}  // namespace
}  // namespace raincheck::providers
