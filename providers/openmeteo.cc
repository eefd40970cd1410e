#include "providers/openmeteo.h"

#include <array>
#include <cmath>

#include "base/strings.h"
#include "providers/daily_features.h"
#include "providers/internal/upstream.h"
#include "providers/query.h"
#include "providers/units.h"

namespace raincheck::providers {

using internal::NumberAt;
using internal::StringAt;

namespace {

constexpr std::string_view kWeatherName = "openmeteo";
constexpr std::string_view kGeocoderName = "openmeteo-geocoding";

struct Field {
  std::string_view upstream;  // Open-Meteo variable
  std::string_view name;      // our quantity name
};

constexpr std::array<Field, 11> kCurrent = {{
    {"temperature_2m", "temperature"},
    {"apparent_temperature", "apparentTemperature"},
    {"dew_point_2m", "dewPoint"},
    {"relative_humidity_2m", "humidity"},
    {"cloud_cover", "cloudCover"},
    {"pressure_msl", "pressure"},
    {"wind_speed_10m", "windSpeed"},
    {"wind_gusts_10m", "windGust"},
    {"wind_direction_10m", "windBearing"},
    {"uv_index", "uvIndex"},
    {"visibility", "visibility"},
}};

// Requested beside the shared daily variables (providers/daily_features.h): the forecast's own
// chance of precipitation, read for tomorrow (index 1).
constexpr std::string_view kProbabilityVariable = "precipitation_probability_max";

template <size_t N>
std::string JoinUpstream(const std::array<Field, N>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ',';
    out += f.upstream;
  }
  return out;
}

// The unit of `var` from a *_units block, canonical; nullopt when absent or unknown.
std::optional<std::string> UnitOf(const nlohmann::json& units, std::string_view var) {
  const auto u = StringAt(units, var);
  if (!u) return std::nullopt;
  auto canonical = CanonicalUnit(*u);
  if (!canonical.ok()) return std::nullopt;
  return *canonical;
}

}  // namespace

OpenMeteoWeather::OpenMeteoWeather(std::string base_url, http::Client& client,
                                   const base::Logger& logger)
    : base_url_(std::move(base_url)), client_(client), logger_(logger) {}

Result<Observation> OpenMeteoWeather::Current(const Place& place, const base::CallContext& ctx) {
  const internal::Upstream up{kWeatherName, client_, logger_.ForRequest(ctx.request_id)};
  const std::string url =
      base_url_ +
      "/v1/forecast?latitude=" + base::UrlEncode(internal::FormatCoordinate(place.latitude)) +
      "&longitude=" + base::UrlEncode(internal::FormatCoordinate(place.longitude)) +
      "&current=" + base::UrlEncode(JoinUpstream(kCurrent)) +
      "&daily=" + base::UrlEncode(DailyVariablesParam() + "," + std::string(kProbabilityVariable)) +
      "&timezone=auto&forecast_days=2";
  RC_ASSIGN_OR_RETURN(http::Response res, internal::Get(up, url, ctx));
  RC_ASSIGN_OR_RETURN(nlohmann::json body, internal::JsonBody(up, res));
  if (!body.is_object()) return internal::Malformed(up, "not an object");

  const auto current_it = body.find("current");
  if (current_it == body.end() || !current_it->is_object()) {
    return internal::Malformed(up, "no 'current' block");
  }
  const nlohmann::json& current = *current_it;
  const auto time_text = StringAt(current, "time");
  const auto local_time = time_text ? internal::ParseIsoLocalMinutes(*time_text) : std::nullopt;
  if (!local_time) return internal::Malformed(up, "'current.time' missing or not a local time");
  const double offset = NumberAt(body, "utc_offset_seconds").value_or(0.0);
  if (offset < -18 * 3600 || offset > 18 * 3600) {
    return internal::Malformed(up, "'utc_offset_seconds' out of range");
  }

  Observation obs;
  obs.source = std::string(kWeatherName);
  obs.timezone = StringAt(body, "timezone").value_or("");
  const auto utc = *local_time - std::chrono::seconds(static_cast<int64_t>(offset));
  obs.time = std::chrono::time_point_cast<base::TimePoint::duration>(utc);
  obs.local_date = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(*local_time));

  const nlohmann::json current_units = body.value("current_units", nlohmann::json::object());
  for (const auto& f : kCurrent) {
    const auto v = NumberAt(current, f.upstream);
    const auto unit = UnitOf(current_units, f.upstream);
    if (v && unit) obs.quantities.push_back({std::string(f.name), *v, *unit});
  }

  const auto daily_it = body.find("daily");
  if (daily_it != body.end() && daily_it->is_object()) {
    const nlohmann::json& daily = *daily_it;
    const nlohmann::json daily_units = body.value("daily_units", nlohmann::json::object());
    // The date of daily index `i`, when the response states a valid one.
    auto date_at = [&daily](size_t i) -> std::optional<std::chrono::year_month_day> {
      const auto dates = daily.find("time");
      if (dates == daily.end() || !dates->is_array() || dates->size() <= i ||
          !(*dates)[i].is_string()) {
        return std::nullopt;
      }
      return base::ParseIsoDate((*dates)[i].get<std::string>());
    };
    if (const auto d = date_at(0)) obs.local_date = *d;
    // Today's aggregates (index 0) under the shared table's feature names.
    for (const auto& v : kDailyVariables) {
      const auto values = daily.find(v.upstream);
      if (values == daily.end() || !values->is_array() || values->empty()) continue;
      const auto& first = (*values)[0];
      const auto unit = UnitOf(daily_units, v.upstream);
      if (first.is_number() && std::isfinite(first.get<double>()) && unit) {
        obs.quantities.push_back({std::string(v.feature), first.get<double>(), *unit});
      }
    }
    // Tomorrow's probability (index 1, the day after index 0), percent -> fraction.
    const auto probabilities = daily.find(kProbabilityVariable);
    const auto today = date_at(0), tomorrow = date_at(1);
    const bool is_tomorrow =
        today && tomorrow &&
        std::chrono::sys_days(*tomorrow) == std::chrono::sys_days(*today) + std::chrono::days(1);
    if (is_tomorrow && probabilities != daily.end() && probabilities->is_array() &&
        probabilities->size() > 1 && (*probabilities)[1].is_number()) {
      const auto unit = UnitOf(daily_units, kProbabilityVariable);
      const auto fraction = unit ? ConvertUnit((*probabilities)[1].get<double>(), *unit, "fraction")
                                 : Result<double>(Status::InvalidArgument("no unit"));
      if (fraction.ok() && std::isfinite(*fraction) && *fraction >= 0 && *fraction <= 1) {
        obs.precipitation_probability_tomorrow = *fraction;
      }
    }
  }
  if (obs.quantities.empty()) return internal::Malformed(up, "no usable values");
  return obs;
}

OpenMeteoGeocoder::OpenMeteoGeocoder(std::string base_url, http::Client& client,
                                     const base::Logger& logger)
    : base_url_(std::move(base_url)), client_(client), logger_(logger) {}

Result<Place> OpenMeteoGeocoder::Geocode(std::string_view query, const base::CallContext& ctx) {
  RC_ASSIGN_OR_RETURN(const std::string valid, ValidateQuery(query));
  const SplitQuery split = SplitCityQuery(valid);
  if (split.city.empty()) return Status::InvalidArgument("the city is empty");
  const internal::Upstream up{kGeocoderName, client_, logger_.ForRequest(ctx.request_id)};
  std::string url = base_url_ + "/v1/search?name=" + base::UrlEncode(split.city) +
                    "&count=10&language=en&format=json";
  const bool qualifier_is_code = split.qualifier.size() == 2 &&
                                 std::isalpha(static_cast<unsigned char>(split.qualifier[0])) &&
                                 std::isalpha(static_cast<unsigned char>(split.qualifier[1]));
  if (qualifier_is_code)
    url += "&countryCode=" + base::UrlEncode(base::AsciiLower(split.qualifier));
  RC_ASSIGN_OR_RETURN(http::Response res, internal::Get(up, url, ctx));
  RC_ASSIGN_OR_RETURN(nlohmann::json body, internal::JsonBody(up, res));
  if (!body.is_object()) return internal::Malformed(up, "not an object");
  const auto results = body.find("results");
  if (results == body.end()) return Status::NotFound("no place matches the city");
  if (!results->is_array()) return internal::Malformed(up, "'results' is not an array");

  std::vector<Place> places;
  for (const auto& r : *results) {
    const auto name = StringAt(r, "name");
    const auto lat = NumberAt(r, "latitude");
    const auto lon = NumberAt(r, "longitude");
    if (!name || !lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) continue;
    Place p;
    p.name = *name;
    p.latitude = *lat;
    p.longitude = *lon;
    p.admin_area = StringAt(r, "admin1").value_or("");
    p.country = StringAt(r, "country").value_or("");
    p.country_code = StringAt(r, "country_code").value_or("");
    // A population no place has (negative, or past 10^10) is not known: 0, as when absent. Past
    // 2^63 the conversion itself would be undefined.
    const double population = NumberAt(r, "population").value_or(0);
    p.population = population >= 0 && population <= 1e10 ? static_cast<int64_t>(population) : 0;
    p.timezone = StringAt(r, "timezone").value_or("");
    p.source = "openmeteo";
    places.push_back(std::move(p));
  }
  if (places.empty()) {
    if (!results->empty()) return internal::Malformed(up, "no result has a name and coordinates");
    return Status::NotFound("no place matches the city");
  }
  if (split.qualifier.empty() || qualifier_is_code) return places.front();
  for (const auto& p : places) {
    if (base::EqualsIgnoreAsciiCase(p.country, split.qualifier) ||
        base::EqualsIgnoreAsciiCase(p.admin_area, split.qualifier)) {
      return p;
    }
  }
  std::string suggestions;
  for (size_t i = 0; i < places.size() && i < 3; ++i) {
    suggestions += (i ? "; " : "") + places[i].name + ", " + places[i].country;
  }
  return Status::NotFound(
      "no place matches the city in that country or region; did you mean: " + suggestions + "?");
}

}  // namespace raincheck::providers
