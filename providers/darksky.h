// The DarkSky forecast API shape, served today by Pirate Weather (and DarkSky-compatible
// services): the original's weather source.
#ifndef RAINCHECK_PROVIDERS_DARKSKY_H_
#define RAINCHECK_PROVIDERS_DARKSKY_H_

#include <memory>
#include <string>

#include "base/log.h"
#include "http/client.h"
#include "providers/interfaces.h"
#include "providers/secrets.h"

namespace raincheck::providers {

// GET {base_url}/forecast/{key}/{lat},{lon}?exclude=minutely,hourly,alerts,flags&units=us.
// Supplies the `currently` block under its own names in `us` units (temperature,
// apparentTemperature, dewPoint degF; humidity, cloudCover, precipProbability fraction;
// pressure hPa; windSpeed, windGust mph; windBearing degree; uvIndex 1; visibility mile;
// ozone dobson; precipIntensity inch/h) and today's aggregates from daily.data[0]
// (temp_max, temp_min degF; wind mph; precipitation inch = precipIntensity * 24), and
// tomorrow's daily.data[1].precipProbability as precipitation_probability_tomorrow (the
// request keeps `daily`).
// Quirks: -999 (Pirate Weather's "unavailable") drops the value; precipType "none" is
// the same as an absent precipType.
class DarkSkyWeather final : public WeatherSource {
 public:
  // `base_url`: default https://api.pirateweather.net.
  DarkSkyWeather(std::string base_url, std::shared_ptr<ApiKeySource> key, http::Client& client,
                 const base::Logger& logger);
  Result<Observation> Current(const Place& place, const base::CallContext& ctx) override;

 private:
  std::string base_url_;
  std::shared_ptr<ApiKeySource> key_;
  http::Client& client_;
  base::Logger logger_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_DARKSKY_H_
