#include "tests/fakes/upstream_fakes.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

namespace raincheck::fakes {

using nlohmann::json;

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone: return "none";
    case Fault::kSlow: return "slow";
    case Fault::kHang: return "hang";
    case Fault::kReset: return "reset";
    case Fault::kUnauthorized: return "401";
    case Fault::kNotFound: return "404";
    case Fault::kRateLimited: return "429";
    case Fault::kServerError: return "500";
    case Fault::kTruncated: return "truncated";
    case Fault::kMalformed: return "malformed";
    case Fault::kWrongTypes: return "wrong_types";
    case Fault::kHuge: return "huge";
    case Fault::kNoMatch: return "no_match";
  }
  return "?";
}

std::vector<Fault> AllFaults() {
  return {Fault::kNone,       Fault::kSlow,        Fault::kHang,      Fault::kReset,
          Fault::kUnauthorized, Fault::kNotFound,  Fault::kRateLimited, Fault::kServerError,
          Fault::kTruncated,  Fault::kMalformed,   Fault::kWrongTypes, Fault::kHuge,
          Fault::kNoMatch};
}

ExpectedOutcome ExpectedFor(Fault fault, StatusCode no_match, StatusCode not_found) {
  switch (fault) {
    case Fault::kNone:
    case Fault::kSlow:
      return {true, StatusCode::kOk};
    case Fault::kHang:
      return {false, StatusCode::kDeadlineExceeded};
    case Fault::kUnauthorized:
      return {false, StatusCode::kPermissionDenied};
    case Fault::kRateLimited:
      return {false, StatusCode::kResourceExhausted};
    case Fault::kNoMatch:
      return {false, no_match};
    case Fault::kNotFound:
      return {false, not_found};
    case Fault::kReset:
    case Fault::kServerError:
    case Fault::kTruncated:
    case Fault::kMalformed:
    case Fault::kWrongTypes:
    case Fault::kHuge:
      break;
  }
  return {false, StatusCode::kUnavailable};
}

const std::vector<FakeCity>& FakeCities() {
  static const std::vector<FakeCity> cities = {
      {"Cape Town", "Western Cape", "South Africa", "ZA", -33.92584, 18.42322, 3433441,
       "Africa/Johannesburg"},
      {"Seattle", "Washington", "United States", "US", 47.60621, -122.33207, 684451,
       "America/Los_Angeles"},
      {"Paris", "Île-de-France", "France", "FR", 48.85341, 2.3488, 2138551, "Europe/Paris"},
      {"Paris", "Texas", "United States", "US", 33.66094, -95.55551, 24782, "America/Chicago"},
      {"Portland", "Oregon", "United States", "US", 45.52345, -122.67621, 632309,
       "America/Los_Angeles"},
      {"Portland", "Maine", "United States", "US", 43.65737, -70.2589, 66881, "America/New_York"},
      {"São Paulo", "São Paulo", "Brazil", "BR", -23.5475, -46.63611, 10021295,
       "America/Sao_Paulo"},
  };
  return cities;
}

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Cities whose name equals `query` (ASCII case-insensitively), or whose "name, country" /
// "name, cc" does, most populous first.
std::vector<FakeCity> Match(const std::string& query, const std::string& country_code = "") {
  std::vector<FakeCity> out;
  const std::string q = Lower(query);
  for (const auto& c : FakeCities()) {
    const std::string n = Lower(c.name);
    const bool match = q == n || q == n + ", " + Lower(c.country) ||
                       q == n + ", " + Lower(c.country_code) || q == n + ", " + Lower(c.admin1);
    if (match && (country_code.empty() || Lower(country_code) == Lower(c.country_code))) {
      out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const FakeCity& a, const FakeCity& b) { return a.population > b.population; });
  return out;
}

std::string Coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  return buf;
}

}  // namespace

FakeUpstream::FakeUpstream() {
  // One request per connection: a stopping fake never waits for an idle keep-alive client.
  server_.server().set_keep_alive_max_count(1);
}
FakeUpstream::~FakeUpstream() = default;

std::string FakeUpstream::base_url() const {
  if (fault_ == Fault::kReset) {
    auto* self = const_cast<FakeUpstream*>(this);
    if (!self->reset_server_) self->reset_server_ = std::make_unique<RawTcpServer>("", true);
    return reset_server_->base_url();
  }
  return server_.base_url();
}

void FakeUpstream::Route(const std::string& path, Bodies bodies) {
  server_.server().Get(path, [this, bodies = std::move(bodies)](const httplib::Request& req,
                                                               httplib::Response& res) {
    ++hits_;
    const Fault f = fault_.load();
    auto send = [&res](int status, const std::string& body, const char* type) {
      res.status = status;
      res.set_content(body, type);
    };
    switch (f) {
      case Fault::kHang:
        server_.SleepUnlessStopped(std::chrono::milliseconds(120000));
        return send(504, "{}", "application/json");
      case Fault::kSlow:
        server_.SleepUnlessStopped(std::chrono::milliseconds(300));
        break;
      case Fault::kUnauthorized:
        return send(401, bodies.unauthorized, "application/json");
      case Fault::kNotFound:
        return send(404, bodies.not_found, "application/json");
      case Fault::kRateLimited:
        res.set_header("Retry-After", "30");
        return send(429, bodies.rate_limited, "application/json");
      case Fault::kServerError:
        return send(500, "{\"error\":\"Internal Server Error\"}", "application/json");
      case Fault::kMalformed:
        return send(200, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
      case Fault::kWrongTypes:
        return send(200, bodies.wrong_types(req), "application/json");
      case Fault::kHuge:
        return send(200, "[" + std::string(3u << 20, ' ') + "]", "application/json");
      case Fault::kNoMatch:
        return send(bodies.no_match_status, bodies.no_match, "application/json");
      default:
        break;
    }
    if (bodies.check) {
      if (auto refusal = bodies.check(req)) {
        return send(refusal->first, refusal->second, "application/json");
      }
    }
    std::string body = bodies.ok(req);
    if (f == Fault::kTruncated) body.resize(body.size() / 2);
    send(200, body, "application/json");
  });
}

// ---- Open-Meteo forecast ----

OpenMeteoForecastFake::OpenMeteoForecastFake() {
  Bodies b;
  b.ok = [](const httplib::Request& req) {
    const double lat = std::stod(req.get_param_value("latitude"));
    const double lon = std::stod(req.get_param_value("longitude"));
    // A southern-hemisphere summer day in Cape Town, as documented: units per block,
    // local times (timezone=auto), daily arrays starting today.
    json j = {
        {"latitude", std::round(lat * 100) / 100},
        {"longitude", std::round(lon * 100) / 100},
        {"generationtime_ms", 0.0869},
        {"utc_offset_seconds", 7200},
        {"timezone", "Africa/Johannesburg"},
        {"timezone_abbreviation", "GMT+2"},
        {"elevation", 17.0},
        {"current_units",
         {{"time", "iso8601"}, {"interval", "seconds"}, {"temperature_2m", "°C"},
          {"apparent_temperature", "°C"}, {"dew_point_2m", "°C"}, {"relative_humidity_2m", "%"},
          {"cloud_cover", "%"}, {"pressure_msl", "hPa"}, {"wind_speed_10m", "km/h"},
          {"wind_gusts_10m", "km/h"}, {"wind_direction_10m", "°"}, {"uv_index", ""},
          {"visibility", "m"}}},
        {"current",
         {{"time", "2026-11-28T04:15"}, {"interval", 900}, {"temperature_2m", 17.4},
          {"apparent_temperature", 16.2}, {"dew_point_2m", 11.3}, {"relative_humidity_2m", 67},
          {"cloud_cover", 25}, {"pressure_msl", 1014.8}, {"wind_speed_10m", 18.0},
          {"wind_gusts_10m", 33.1}, {"wind_direction_10m", 158}, {"uv_index", 0.35},
          {"visibility", 24140.0}}},
        {"daily_units",
         {{"time", "iso8601"}, {"precipitation_sum", "mm"}, {"temperature_2m_max", "°C"},
          {"temperature_2m_min", "°C"}, {"wind_speed_10m_mean", "km/h"}}},
        {"daily",
         {{"time", {"2026-11-28"}}, {"precipitation_sum", {0.4}}, {"temperature_2m_max", {24.1}},
          {"temperature_2m_min", {15.2}}, {"wind_speed_10m_mean", {18.7}}}},
    };
    return j.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    json j = {{"utc_offset_seconds", 7200},
              {"timezone", "Africa/Johannesburg"},
              {"current_units", {{"temperature_2m", "°C"}}},
              {"current", {{"time", "2026-11-28T04:15"}, {"temperature_2m", "17.4"}}},
              {"daily_units", {{"temperature_2m_max", "°C"}}},
              {"daily", {{"time", "2026-11-28"}, {"temperature_2m_max", 24.1}}}};
    return j.dump();
  };
  b.no_match = R"({"error":true,"reason":"Latitude must be in range of -90 to 90°. Given: 91.0."})";
  b.no_match_status = 400;
  b.unauthorized = R"({"error":true,"reason":"API key invalid"})";
  b.not_found = R"({"error":true,"reason":"Not Found"})";
  b.rate_limited = R"({"error":true,"reason":"Daily API request limit exceeded. Please try again tomorrow."})";
  Route("/v1/forecast", std::move(b));
  Start();
}

// ---- Open-Meteo geocoding ----

OpenMeteoGeocodingFake::OpenMeteoGeocodingFake() {
  Bodies b;
  b.ok = [](const httplib::Request& req) {
    const auto found = Match(req.get_param_value("name"), req.get_param_value("countryCode"));
    if (found.empty()) return std::string(R"({"generationtime_ms":0.6320477})");
    json results = json::array();
    long id = 2950159;
    for (const auto& c : found) {
      results.push_back({{"id", id++},
                         {"name", c.name},
                         {"latitude", c.latitude},
                         {"longitude", c.longitude},
                         {"elevation", 74.0},
                         {"feature_code", "PPLA"},
                         {"country_code", c.country_code},
                         {"admin1_id", 2950157},
                         {"timezone", c.timezone},
                         {"population", c.population},
                         {"postcodes", {"10967", "13347"}},
                         {"country_id", 2921044},
                         {"country", c.country},
                         {"admin1", c.admin1}});
    }
    return json{{"results", results}, {"generationtime_ms", 0.9}}.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    return std::string(
        R"({"results":[{"id":1,"name":["Cape Town"],"latitude":"-33.9","longitude":null}],"generationtime_ms":0.5})");
  };
  b.no_match = R"({"generationtime_ms":0.6320477})";
  b.unauthorized = R"({"error":true,"reason":"API key invalid"})";
  b.not_found = R"({"error":true,"reason":"Not Found"})";
  b.rate_limited = R"({"error":true,"reason":"Minutely API request limit exceeded."})";
  Route("/v1/search", std::move(b));
  Start();
}

// ---- LocationIQ ----

namespace {

json OsmResult(const FakeCity& c, bool v2_category) {
  json address = {{"city", c.name},
                  {"state", c.admin1},
                  {"country", c.country},
                  {"country_code", Lower(c.country_code)}};
  json r = {{"place_id", "321450379"},
            {"licence", "https://locationiq.com/attribution"},
            {"osm_type", "relation"},
            {"osm_id", "79604"},
            {"boundingbox", {Coord(c.latitude - 0.4), Coord(c.latitude + 0.4),
                             Coord(c.longitude - 0.4), Coord(c.longitude + 0.4)}},
            {"lat", Coord(c.latitude)},
            {"lon", Coord(c.longitude)},
            {"display_name", c.name + ", " + c.admin1 + ", " + c.country},
            {"type", "city"},
            {"importance", 0.83},
            {"address", address}};
  r[v2_category ? "category" : "class"] = "place";
  if (v2_category) {
    r["licence"] = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright";
    r["place_rank"] = 16;
    r["addresstype"] = "city";
    r["name"] = c.name;
  }
  return r;
}

}  // namespace

LocationIqFake::LocationIqFake(std::string valid_key) {
  Bodies b;
  b.check = [valid_key = std::move(valid_key)](const httplib::Request& req)
      -> std::optional<std::pair<int, std::string>> {
    if (req.get_param_value("key") != valid_key) return std::pair(401, R"({"error":"Invalid key"})");
    if (Match(req.get_param_value("q"), req.get_param_value("countrycodes")).empty()) {
      return std::pair(404, R"({"error":"Unable to geocode"})");
    }
    return std::nullopt;
  };
  b.ok = [](const httplib::Request& req) {
    const auto found = Match(req.get_param_value("q"), req.get_param_value("countrycodes"));
    json arr = json::array();
    for (const auto& c : found) arr.push_back(OsmResult(c, false));
    return arr.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    return std::string(R"([{"place_id":"1","lat":{"value":-33.9},"lon":true,"display_name":42}])");
  };
  b.no_match = R"({"error":"Unable to geocode"})";
  b.no_match_status = 404;
  b.unauthorized = R"({"error":"Invalid key"})";
  b.not_found = R"({"error":"Unable to geocode"})";
  b.rate_limited = R"({"error":"Rate Limited Second"})";
  Route("/v1/search", std::move(b));
  Start();
}

// ---- Nominatim ----

NominatimFake::NominatimFake() {
  Bodies b;
  b.ok = [](const httplib::Request& req) {
    const auto found = Match(req.get_param_value("q"), req.get_param_value("countrycodes"));
    json arr = json::array();
    for (const auto& c : found) arr.push_back(OsmResult(c, true));
    return arr.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    return std::string(R"({"lat":"-33.9","lon":"18.4"})");
  };
  b.no_match = "[]";
  b.unauthorized = "<html><body>Access blocked</body></html>";
  b.not_found = R"({"error":{"code":404,"message":"Not found"}})";
  b.rate_limited = "<html><body>Too many requests</body></html>";
  Route("/search", std::move(b));
  Start();
}

// ---- DarkSky shape ----

DarkSkyFake::DarkSkyFake(std::string valid_key, bool ozone_missing) {
  Bodies b;
  b.check = [valid_key = std::move(valid_key)](const httplib::Request& req)
      -> std::optional<std::pair<int, std::string>> {
    const std::string prefix = "/forecast/" + valid_key + "/";
    if (req.path.rfind(prefix, 0) != 0) {
      return std::pair(401, std::string("Kong Error Invalid authentication credentials."));
    }
    return std::nullopt;
  };
  b.ok = [ozone_missing](const httplib::Request& req) {
    const std::string where = req.path.substr(req.path.rfind('/') + 1);
    const size_t comma = where.find(',');
    const double lat = std::stod(where.substr(0, comma));
    const double lon = std::stod(where.substr(comma + 1));
    const bool us = req.get_param_value("units") == "us";
    // 2026-11-28T02:15:00Z; Cape Town is UTC+2 -> local date 2026-11-28.
    json currently = {{"time", 1795832100}, {"summary", "Clear"}, {"icon", "clear-night"},
                      {"nearestStormDistance", 0}, {"nearestStormBearing", 0},
                      {"precipIntensity", 0}, {"precipProbability", 0},
                      {"precipIntensityError", 0}, {"precipType", "none"},
                      {"temperature", us ? 62.3 : 16.8}, {"apparentTemperature", us ? 61.9 : 16.6},
                      {"dewPoint", us ? 52.1 : 11.2}, {"humidity", 0.69}, {"pressure", 1014.2},
                      {"windSpeed", us ? 11.2 : 5.0}, {"windGust", us ? 18.9 : 8.4},
                      {"windBearing", 160}, {"cloudCover", 0.12}, {"uvIndex", 0},
                      {"visibility", us ? 10 : 16.09}, {"ozone", ozone_missing ? -999 : 287.4}};
    json day = {{"time", 1795816800}, {"icon", "clear-day"},
                {"summary", "Clear throughout the day."}, {"sunriseTime", 1795836660},
                {"sunsetTime", 1795888080}, {"precipIntensity", us ? 0.0016 : 0.04},
                {"precipIntensityMax", us ? 0.01 : 0.25}, {"precipAccumulation", us ? 0.04 : 0.1},
                {"precipProbability", 0.12}, {"precipType", "rain"},
                {"temperatureHigh", us ? 75.2 : 24.0}, {"temperatureLow", us ? 59.1 : 15.1},
                {"temperatureMin", us ? 59.8 : 15.4}, {"temperatureMax", us ? 75.2 : 24.0},
                {"windSpeed", us ? 12.4 : 5.5}, {"windGust", us ? 25.0 : 11.2},
                {"windBearing", 170}, {"humidity", 0.62}, {"pressure", 1013.1},
                {"cloudCover", 0.2}, {"uvIndex", 9}, {"visibility", us ? 10 : 16.09},
                {"ozone", ozone_missing ? -999 : 288.1}};
    json j = {{"latitude", lat},
              {"longitude", lon},
              {"timezone", "Africa/Johannesburg"},
              {"offset", 2},
              {"elevation", 17},
              {"currently", currently},
              {"daily", {{"summary", "No precipitation throughout the week."},
                         {"icon", "clear-day"},
                         {"data", {day}}}},
              {"flags", {{"sources", {"ecmwf_ifs", "gfs", "gefs"}}, {"units", us ? "us" : "si"},
                         {"version", "V2.8.4"}}}};
    return j.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    return std::string(
        R"({"latitude":-33.9,"longitude":18.4,"timezone":"Africa/Johannesburg","offset":"2",)"
        R"("currently":{"time":"now","temperature":"62.3","humidity":[0.69]},"daily":{"data":"none"}})");
  };
  b.no_match = R"({"detail":"Invalid Location Specification"})";
  b.no_match_status = 400;
  b.unauthorized = "Kong Error Invalid authentication credentials.";
  b.not_found = R"({"message":"no Route matched with those values"})";
  b.rate_limited = "Kong Error API rate limit exceeded.";
  Route(R"(/forecast/(.+))", std::move(b));  // keys may hold an encoded '/'
  Start();
}

}  // namespace raincheck::fakes
