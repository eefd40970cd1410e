#include "providers/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "http/curl_client.h"
#include "providers/features.h"
#include "providers/gazetteer.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using std::chrono::milliseconds;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ProvidersConfigTest, DefaultsNeedNoConfiguration) {
  auto c = ParseProvidersConfig(Env({}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->geocoder, GeocoderKind::kOffline);
  EXPECT_EQ(c->weather, WeatherKind::kOpenMeteo);
  EXPECT_EQ(c->weather_ttl, std::chrono::seconds(600));
  EXPECT_EQ(c->openmeteo_url, "https://api.open-meteo.com");
  EXPECT_EQ(c->secrets_extension_url, "http://localhost:2773");
}

TEST(ProvidersConfigTest, ReadsEveryVariable) {
  auto c = ParseProvidersConfig(Env({{"RAINCHECK_GEOCODER", "LocationIQ"},
                                     {"RAINCHECK_WEATHER", "darksky"},
                                     {"RAINCHECK_LOCATIONIQ_URL", "http://127.0.0.1:9001/"},
                                     {"RAINCHECK_DARKSKY_URL", "http://127.0.0.1:9002"},
                                     {"RAINCHECK_OPENMETEO_URL", "http://127.0.0.1:9003"},
                                     {"RAINCHECK_OPENMETEO_GEOCODING_URL", "http://127.0.0.1:9004"},
                                     {"RAINCHECK_NOMINATIM_URL", "https://example.test:8443"},
                                     {"LOCATIONIQ_KEY_SSM_PARAMETER", "/raincheck/liq"},
                                     {"DARKSKY_KEY", "k"},
                                     {"AWS_SESSION_TOKEN", "t"},
                                     {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2999"},
                                     {"RAINCHECK_WEATHER_TTL", "0"},
                                     {"RAINCHECK_GEOCODE_CACHE_SIZE", "16"},
                                     {"RAINCHECK_GAZETTEER_PATH", "/opt/g.bin"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->geocoder, GeocoderKind::kLocationIq);
  EXPECT_EQ(c->weather, WeatherKind::kDarkSky);
  EXPECT_EQ(c->locationiq_url, "http://127.0.0.1:9001");
  EXPECT_EQ(c->nominatim_url, "https://example.test:8443");
  EXPECT_EQ(*c->locationiq_key.ssm_parameter, "/raincheck/liq");
  EXPECT_EQ(*c->darksky_key.value, "k");
  EXPECT_EQ(c->secrets_extension_url, "http://localhost:2999");
  EXPECT_EQ(c->weather_ttl.count(), 0);
  EXPECT_EQ(c->geocode_cache_size, 16u);
  EXPECT_EQ(c->gazetteer_path, "/opt/g.bin");
}

TEST(ProvidersConfigTest, BadValuesNameTheVariable) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"RAINCHECK_GEOCODER", "google"}}, "RAINCHECK_GEOCODER"},
      {{{"RAINCHECK_WEATHER", "accuweather"}}, "RAINCHECK_WEATHER"},
      {{{"RAINCHECK_OPENMETEO_URL", "ftp://x"}}, "RAINCHECK_OPENMETEO_URL"},
      {{{"RAINCHECK_OPENMETEO_URL", "http://x/?a=b"}}, "RAINCHECK_OPENMETEO_URL"},
      {{{"RAINCHECK_WEATHER_TTL", "-1"}}, "RAINCHECK_WEATHER_TTL"},
      {{{"RAINCHECK_WEATHER_TTL", "10m"}}, "RAINCHECK_WEATHER_TTL"},
      {{{"RAINCHECK_GEOCODER", "locationiq"}}, "LOCATIONIQ_KEY"},
      {{{"RAINCHECK_WEATHER", "darksky"}}, "DARKSKY_KEY"},
      {{{"RAINCHECK_WEATHER", "darksky"}, {"DARKSKY_KEY_SECRET_ID", "s"}}, "AWS_SESSION_TOKEN"},
      {{{"DARKSKY_KEY", "sekrit-value"}, {"DARKSKY_KEY_SECRET_ID", "s"}}, "set only one"},
      {{{"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "70000"}},
       "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"},
  };
  for (const auto& [vars, expected] : cases) {
    auto c = ParseProvidersConfig(Env(vars));
    ASSERT_FALSE(c.ok()) << expected;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(expected), std::string::npos) << c.status().message();
    EXPECT_EQ(c.status().message().find("sekrit-value"), std::string::npos);
  }
}

class ProvidersFactoryTest : public ::testing::Test {
 protected:
  ProvidersFactoryTest()
      : client_(clock_, {.base_backoff = milliseconds(5)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_ += l; }) {}
  base::CallContext Ctx() {
    base::CallContext c;
    c.request_id = "req-9";
    c.deadline = clock_.Now() + milliseconds(3000);
    return c;
  }
  base::SystemClock clock_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
};

TEST_F(ProvidersFactoryTest, OpenMeteoEndToEndWithTheWeatherCache) {
  fakes::OpenMeteoGeocodingFake geocoding;
  fakes::OpenMeteoForecastFake forecast;
  auto config =
      ParseProvidersConfig(Env({{"RAINCHECK_GEOCODER", "openmeteo"},
                                {"RAINCHECK_OPENMETEO_URL", forecast.base_url()},
                                {"RAINCHECK_OPENMETEO_GEOCODING_URL", geocoding.base_url()}}));
  ASSERT_TRUE(config.ok());
  auto providers = MakeProviders(*config, client_, clock_, logger_);
  ASSERT_TRUE(providers.ok()) << providers.status().ToString();
  auto place = providers->geocoder->Geocode("Seattle", Ctx());
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  auto obs = providers->weather->Current(*place, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  auto features = MapFeatures(*obs, *place,
                              {{"precipitation", "mm"},
                               {"temp_max", "degC"},
                               {"temp_min", "degC"},
                               {"wind", "m/s"},
                               {"season_cos", "1"},
                               {"season_sin", "1"}});
  ASSERT_TRUE(features.ok()) << features.status().ToString();
  EXPECT_EQ(features->size(), 6u);
  // Warm instance: the same city again is served from both caches.
  ASSERT_TRUE(providers->geocoder->Geocode("seattle", Ctx()).ok());
  ASSERT_TRUE(providers->weather->Current(*place, Ctx()).ok());
  EXPECT_EQ(geocoding.hits(), 1);
  EXPECT_EQ(forecast.hits(), 1);
}

TEST_F(ProvidersFactoryTest, LocationIqAndDarkSkyWithKeysNeverLeaked) {
  const std::string liq_key = "pk.LIQSECRET42";
  const std::string ds_key = "DSSECRET42";
  fakes::LocationIqFake locationiq(liq_key);
  fakes::DarkSkyFake darksky(ds_key);
  auto config = ParseProvidersConfig(Env({{"RAINCHECK_GEOCODER", "locationiq"},
                                          {"RAINCHECK_WEATHER", "darksky"},
                                          {"RAINCHECK_LOCATIONIQ_URL", locationiq.base_url()},
                                          {"RAINCHECK_DARKSKY_URL", darksky.base_url()},
                                          {"LOCATIONIQ_KEY", liq_key},
                                          {"DARKSKY_KEY", ds_key}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto providers = MakeProviders(*config, client_, clock_, logger_);
  ASSERT_TRUE(providers.ok());
  auto place = providers->geocoder->Geocode("Cape Town", Ctx());
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  auto obs = providers->weather->Current(*place, Ctx());
  ASSERT_TRUE(obs.ok()) << obs.status().ToString();
  std::string messages;
  for (auto fault : fakes::AllFaults()) {
    locationiq.set_fault(fault);
    darksky.set_fault(fault);
    if (fault == fakes::Fault::kHang) continue;  // covered elsewhere; keeps this test short
    auto fresh = MakeProviders(*config, client_, clock_, logger_);
    ASSERT_TRUE(fresh.ok());
    messages += fresh->geocoder->Geocode("Paris", Ctx()).status().ToString();
    messages += fresh->weather->Current(*place, Ctx()).status().ToString();
  }
  EXPECT_EQ(log_.find(liq_key), std::string::npos);
  EXPECT_EQ(log_.find(ds_key), std::string::npos);
  EXPECT_EQ(messages.find(liq_key), std::string::npos);
  EXPECT_EQ(messages.find(ds_key), std::string::npos);
  EXPECT_NE(messages.find("PermissionDenied"), std::string::npos);  // the faults did happen
}

TEST_F(ProvidersFactoryTest, OfflineGeocoderLoadsTheIndexOrSaysWhereItLooked) {
  const auto dir = std::filesystem::path(RAINCHECK_BINARY_DIR) / "providers_config_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "gazetteer.bin").string();
  {
    std::ofstream f(path, std::ios::binary);
    const std::string index =
        BuildGazetteerIndex({{"Cape Town", "ZA", "11", "", -33.92584, 18.42322, 3433441}},
                            {{"ZA", "South Africa", {"ZAF"}}});
    f.write(index.data(), static_cast<std::streamsize>(index.size()));
  }
  auto config = ParseProvidersConfig(Env({{"RAINCHECK_GAZETTEER_PATH", path}}));
  ASSERT_TRUE(config.ok());
  auto providers = MakeProviders(*config, client_, clock_, logger_);
  ASSERT_TRUE(providers.ok()) << providers.status().ToString();
  auto place = providers->geocoder->Geocode("cape town, za", Ctx());
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  EXPECT_EQ(place->country, "South Africa");

  config->gazetteer_path = (dir / "missing.bin").string();
  auto missing = MakeProviders(*config, client_, clock_, logger_);
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace raincheck::providers
