// Open-Meteo (keyless): the forecast API for weather, the geocoding API for places.
#ifndef RAINCHECK_PROVIDERS_OPENMETEO_H_
#define RAINCHECK_PROVIDERS_OPENMETEO_H_

#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "http/client.h"
#include "providers/interfaces.h"

namespace raincheck::providers {

// GET {base_url}/v1/forecast?latitude=&longitude=&current=...&daily=<DailyVariablesParam()>,
// precipitation_probability_max&timezone=auto&forecast_days=2. Supplies current conditions
// under DarkSky's names (temperature, apparentTemperature, dewPoint, humidity, cloudCover,
// pressure, windSpeed, windGust, windBearing, uvIndex, visibility) and today's aggregates
// (daily index 0) under the feature names of kDailyVariables (precipitation, temp_max,
// temp_min, wind), each in the unit the response's *_units block states, and tomorrow's
// precipitation_probability_max (index 1, percent) as precipitation_probability_tomorrow in
// [0, 1] (nullopt when absent or null). No ozone.
class OpenMeteoWeather final : public WeatherSource {
 public:
  // `base_url`: scheme://host[:port], default https://api.open-meteo.com.
  OpenMeteoWeather(std::string base_url, http::Client& client, const base::Logger& logger);
  Result<Observation> Current(const Place& place, const base::CallContext& ctx) override;

 private:
  std::string base_url_;
  http::Client& client_;
  base::Logger logger_;
};

// GET {base_url}/v1/search?name=&count=10&language=en&format=json. The response has no
// "results" key when nothing matches (-> NotFound). A "City, CC" or "City, Country" query
// searches the city and prefers matches in that country.
class OpenMeteoGeocoder final : public Geocoder {
 public:
  // `base_url`: default https://geocoding-api.open-meteo.com.
  OpenMeteoGeocoder(std::string base_url, http::Client& client, const base::Logger& logger);
  Result<Place> Geocode(std::string_view query, const base::CallContext& ctx) override;

 private:
  std::string base_url_;
  http::Client& client_;
  base::Logger logger_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_OPENMETEO_H_
