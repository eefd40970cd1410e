// Open-Meteo (keyless): the forecast API for weather, the geocoding API for places.
#ifndef RAINCHECK_PROVIDERS_OPENMETEO_H_
#define RAINCHECK_PROVIDERS_OPENMETEO_H_

#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "http/client.h"
#include "providers/interfaces.h"

namespace raincheck::providers {

// GET {base_url}/v1/forecast?latitude=&longitude=&current=...&daily=...&timezone=auto
// &forecast_days=1. Supplies current conditions under DarkSky's names (temperature,
// apparentTemperature, dewPoint, humidity, cloudCover, pressure, windSpeed, windGust,
// windBearing, uvIndex, visibility) and today's aggregates (precipitation, temp_max,
// temp_min, wind), each in the unit the response's *_units block states. No ozone.
class OpenMeteoWeather final : public WeatherSource {
 public:
  // `base_url`: scheme://host[:port], default https://api.open-meteo.com.
  OpenMeteoWeather(std::string base_url, http::Client& client, const base::Logger& logger);
  Result<Observation> Current(const Place& place, const lambda::InvocationContext& ctx) override;

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
  Result<Place> Geocode(std::string_view query, const lambda::InvocationContext& ctx) override;

 private:
  std::string base_url_;
  http::Client& client_;
  base::Logger logger_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_OPENMETEO_H_
