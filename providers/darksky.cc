#include "providers/darksky.h"

#include <array>
#include <cmath>

#include "base/strings.h"
#include "providers/internal/upstream.h"

namespace raincheck::providers {

using internal::NumberAt;

namespace {

struct Field {
  std::string_view name;
  std::string_view unit;  // in units=us
};

constexpr std::array<Field, 14> kCurrently = {{
    {"temperature", "degF"},
    {"apparentTemperature", "degF"},
    {"dewPoint", "degF"},
    {"humidity", "fraction"},
    {"cloudCover", "fraction"},
    {"pressure", "hPa"},
    {"windSpeed", "mph"},
    {"windGust", "mph"},
    {"windBearing", "degree"},
    {"uvIndex", "1"},
    {"visibility", "mile"},
    {"ozone", "dobson"},
    {"precipIntensity", "inch/h"},
    {"precipProbability", "fraction"},
}};

// A number that is not Pirate Weather's -999 "unavailable" marker.
std::optional<double> Value(const nlohmann::json& obj, std::string_view key) {
  const auto v = NumberAt(obj, key);
  if (!v || *v <= -999.0) return std::nullopt;
  return v;
}

}  // namespace

DarkSkyWeather::DarkSkyWeather(std::string base_url, std::shared_ptr<ApiKeySource> key,
                               http::Client& client, const base::Logger& logger)
    : base_url_(std::move(base_url)), key_(std::move(key)), client_(client), logger_(logger) {}

Result<Observation> DarkSkyWeather::Current(const Place& place, const base::CallContext& ctx) {
  RC_ASSIGN_OR_RETURN(const std::string key, key_->Get(ctx));
  const internal::Upstream up{"darksky", client_, logger_.ForRequest(ctx.request_id)};
  const std::string url = base_url_ + "/forecast/" + base::UrlEncode(key) + "/" +
                          base::UrlEncode(internal::FormatCoordinate(place.latitude)) + "," +
                          base::UrlEncode(internal::FormatCoordinate(place.longitude)) +
                          "?exclude=" + base::UrlEncode("minutely,hourly,alerts,flags") +
                          "&units=us";
  RC_ASSIGN_OR_RETURN(http::Response res, internal::Get(up, url, ctx));
  RC_ASSIGN_OR_RETURN(nlohmann::json body, internal::JsonBody(up, res));
  if (!body.is_object()) return internal::Malformed(up, "not an object");
  const auto currently_it = body.find("currently");
  if (currently_it == body.end() || !currently_it->is_object()) {
    return internal::Malformed(up, "no 'currently' block");
  }
  const nlohmann::json& currently = *currently_it;
  const auto time = NumberAt(currently, "time");
  // Up to 2200 (7,258,118,400 s): later ones overflow the clock's nanoseconds after 2262.
  if (!time || *time < 0 || *time > 7258118400.0)
    return internal::Malformed(up, "'currently.time' missing");
  const double offset_hours = NumberAt(body, "offset").value_or(0.0);
  if (std::fabs(offset_hours) > 18) return internal::Malformed(up, "'offset' out of range");

  Observation obs;
  obs.source = "darksky";
  obs.timezone = internal::StringAt(body, "timezone").value_or("");
  const auto seconds = std::chrono::seconds(static_cast<int64_t>(*time));
  obs.time = base::TimePoint(seconds);
  const auto local = std::chrono::sys_seconds(seconds) +
                     std::chrono::seconds(static_cast<int64_t>(std::lround(offset_hours * 3600)));
  obs.local_date = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(local));

  for (const auto& f : kCurrently) {
    if (const auto v = Value(currently, f.name)) {
      obs.quantities.push_back({std::string(f.name), *v, std::string(f.unit)});
    }
  }

  const auto daily = body.find("daily");
  if (daily != body.end() && daily->is_object()) {
    const auto data = daily->find("data");
    if (data != daily->end() && data->is_array() && !data->empty() && (*data)[0].is_object()) {
      const nlohmann::json& today = (*data)[0];
      if (const auto v = Value(today, "temperatureMax"))
        obs.quantities.push_back({"temp_max", *v, "degF"});
      if (const auto v = Value(today, "temperatureMin"))
        obs.quantities.push_back({"temp_min", *v, "degF"});
      if (const auto v = Value(today, "windSpeed")) obs.quantities.push_back({"wind", *v, "mph"});
      if (const auto v = Value(today, "precipIntensity")) {
        obs.quantities.push_back({"precipitation", *v * 24.0, "inch"});
      } else if (const auto acc = Value(today, "precipAccumulation")) {
        obs.quantities.push_back({"precipitation", *acc, "inch"});
      }
    }
    // Tomorrow's chance of precipitation (daily.data[1], a fraction).
    if (data != daily->end() && data->is_array() && data->size() > 1 && (*data)[1].is_object()) {
      if (const auto p = Value((*data)[1], "precipProbability"); p && *p >= 0 && *p <= 1) {
        obs.precipitation_probability_tomorrow = *p;
      }
    }
  }
  if (obs.quantities.empty()) return internal::Malformed(up, "no usable values");
  return obs;
}

}  // namespace raincheck::providers
