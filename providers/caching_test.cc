#include "providers/caching.h"

#include <gtest/gtest.h>

namespace raincheck::providers {
namespace {

using std::chrono::milliseconds;

class CountingGeocoder final : public Geocoder {
 public:
  Result<Place> Geocode(std::string_view query, const base::CallContext&) override {
    ++calls;
    if (query.find("nowhere") != std::string_view::npos) return Status::NotFound("no such city");
    if (query.find("flaky") != std::string_view::npos) return Status::Unavailable("upstream down");
    Place p;
    p.name = std::string(query);
    return p;
  }
  int calls = 0;
};

class CountingWeather final : public WeatherSource {
 public:
  Result<Observation> Current(const Place& place, const base::CallContext&) override {
    ++calls;
    if (fail) return Status::Unavailable("down");
    Observation o;
    o.quantities = {{"temperature", place.latitude, "degC"}};
    return o;
  }
  int calls = 0;
  bool fail = false;
};

base::CallContext Ctx() { return {}; }

TEST(CachingGeocoderTest, CachesPlacesAndNotFoundButNotFailures) {
  base::ManualClock clock(base::FromUnixMillis(1'700'000'000'000));
  auto inner = std::make_unique<CountingGeocoder>();
  CountingGeocoder* counting = inner.get();
  CachingGeocoder cache(std::move(inner), 2, clock);
  EXPECT_EQ(cache.Geocode("Paris", Ctx())->name, "Paris");
  EXPECT_EQ(cache.Geocode("  paris ", Ctx())->name, "Paris");  // same normalised key
  EXPECT_EQ(counting->calls, 1);
  EXPECT_EQ(cache.Geocode("nowhere", Ctx()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cache.Geocode("nowhere", Ctx()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(counting->calls, 2);
  EXPECT_FALSE(cache.Geocode("flaky", Ctx()).ok());
  EXPECT_FALSE(cache.Geocode("flaky", Ctx()).ok());
  EXPECT_EQ(counting->calls, 4);
}

TEST(CachingGeocoderTest, EvictsTheLeastRecentlyUsedAndExpires) {
  base::ManualClock clock(base::FromUnixMillis(1'700'000'000'000));
  auto inner = std::make_unique<CountingGeocoder>();
  CountingGeocoder* counting = inner.get();
  CachingGeocoder cache(std::move(inner), 2, clock, milliseconds(1000));
  (void)cache.Geocode("a", Ctx());
  (void)cache.Geocode("b", Ctx());
  (void)cache.Geocode("a", Ctx());  // a is now the most recent
  (void)cache.Geocode("c", Ctx());  // evicts b
  EXPECT_EQ(counting->calls, 3);
  (void)cache.Geocode("a", Ctx());
  EXPECT_EQ(counting->calls, 3);
  (void)cache.Geocode("b", Ctx());
  EXPECT_EQ(counting->calls, 4);
  clock.Advance(milliseconds(1000));
  (void)cache.Geocode("b", Ctx());
  EXPECT_EQ(counting->calls, 5);
}

TEST(CachingWeatherSourceTest, CachesPerLocationForTheTtl) {
  base::ManualClock clock(base::FromUnixMillis(1'700'000'000'000));
  auto inner = std::make_unique<CountingWeather>();
  CountingWeather* counting = inner.get();
  CachingWeatherSource cache(std::move(inner), milliseconds(600000), clock);
  Place here;
  here.latitude = -33.92584;
  here.longitude = 18.42322;
  Place nearby = here;
  nearby.latitude = -33.92611;  // rounds to the same 0.01 degree cell
  Place elsewhere = here;
  elsewhere.latitude = 47.6;
  EXPECT_TRUE(cache.Current(here, Ctx()).ok());
  EXPECT_TRUE(cache.Current(nearby, Ctx()).ok());
  EXPECT_EQ(counting->calls, 1);
  EXPECT_TRUE(cache.Current(elsewhere, Ctx()).ok());
  EXPECT_EQ(counting->calls, 2);
  clock.Advance(milliseconds(599999));
  EXPECT_TRUE(cache.Current(here, Ctx()).ok());
  EXPECT_EQ(counting->calls, 2);
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(cache.Current(here, Ctx()).ok());
  EXPECT_EQ(counting->calls, 3);
  counting->fail = true;
  clock.Advance(milliseconds(600000));
  EXPECT_FALSE(cache.Current(here, Ctx()).ok());
  EXPECT_FALSE(cache.Current(here, Ctx()).ok());
  EXPECT_EQ(counting->calls, 5);
}

TEST(CachingWeatherSourceTest, ZeroTtlDisablesCaching) {
  base::ManualClock clock(base::FromUnixMillis(0));
  auto inner = std::make_unique<CountingWeather>();
  CountingWeather* counting = inner.get();
  CachingWeatherSource cache(std::move(inner), milliseconds(0), clock);
  Place p;
  (void)cache.Current(p, Ctx());
  (void)cache.Current(p, Ctx());
  EXPECT_EQ(counting->calls, 2);
}

}  // namespace
}  // namespace raincheck::providers
