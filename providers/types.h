// What geocoders and weather sources return: a place and an observation of named quantities.
#ifndef RAINCHECK_PROVIDERS_TYPES_H_
#define RAINCHECK_PROVIDERS_TYPES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace raincheck::providers {

// A resolved location. Only name, latitude and longitude are always set.
struct Place {
  std::string name;          // "Cape Town"
  std::string admin_area;    // first-level division when known ("Washington"), else empty
  std::string country;       // "South Africa" when known
  std::string country_code;  // ISO 3166-1 alpha-2 ("ZA") when known
  double latitude = 0;       // WGS84 degrees, north positive
  double longitude = 0;      // WGS84 degrees, east positive
  int64_t population = 0;    // 0 when unknown
  std::string source;        // "offline", "locationiq", "openmeteo", "nominatim"
  std::string timezone;      // IANA name when known ("Africa/Johannesburg")
};

// One measured or forecast value: {"temp_max", 21.3, "degC"}. Units use the spellings of
// providers/units.h.
struct Quantity {
  std::string name;
  double value = 0;
  std::string unit;
};

// Current conditions and today's daily aggregates at a place. A quantity the source could not
// supply is absent (never a sentinel such as -999).
struct Observation {
  std::vector<Quantity> quantities;
  base::TimePoint time;                      // when the current conditions were valid (UTC)
  std::chrono::year_month_day local_date{};  // the calendar date at the place at `time`
  std::string timezone;                      // IANA name when the source says it
  std::string source;                        // "openmeteo", "darksky"
  // The source's own probability of precipitation for tomorrow (local date + 1), in [0, 1],
  // when it publishes one (Open-Meteo: daily precipitation_probability_max; DarkSky:
  // daily.data[1].precipProbability). The professional forecast the answer is compared with.
  std::optional<double> precipitation_probability_tomorrow;

  // The quantity named `name`, or nullptr.
  const Quantity* Find(std::string_view name) const {
    for (const auto& q : quantities) {
      if (q.name == name) return &q;
    }
    return nullptr;
  }
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_TYPES_H_
