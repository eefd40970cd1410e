#include "tests/fakes/upstream_fakes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <numbers>

#include "base/clock.h"

namespace raincheck::fakes {

using nlohmann::json;

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kSlow:
      return "slow";
    case Fault::kHang:
      return "hang";
    case Fault::kReset:
      return "reset";
    case Fault::kUnauthorized:
      return "401";
    case Fault::kNotFound:
      return "404";
    case Fault::kRateLimited:
      return "429";
    case Fault::kServerError:
      return "500";
    case Fault::kTruncated:
      return "truncated";
    case Fault::kMalformed:
      return "malformed";
    case Fault::kWrongTypes:
      return "wrong_types";
    case Fault::kHuge:
      return "huge";
    case Fault::kNoMatch:
      return "no_match";
    case Fault::kRefused:
      return "refused";
    case Fault::kUnresolvable:
      return "dns_failure";
    case Fault::kSlowDrip:
      return "slow_drip";
    case Fault::kShortBody:
      return "short_body";
    case Fault::kEnormous:
      return "100mb_body";
    case Fault::kEnormousChunked:
      return "100mb_chunked";
    case Fault::kWrongContentType:
      return "wrong_content_type";
  }
  return "?";
}

std::vector<Fault> AllFaults() {
  return {Fault::kNone,         Fault::kSlow,      Fault::kHang,        Fault::kReset,
          Fault::kUnauthorized, Fault::kNotFound,  Fault::kRateLimited, Fault::kServerError,
          Fault::kTruncated,    Fault::kMalformed, Fault::kWrongTypes,  Fault::kHuge,
          Fault::kNoMatch};
}

std::vector<Fault> ExtraFaults() {
  return {Fault::kRefused,  Fault::kUnresolvable,    Fault::kSlowDrip,        Fault::kShortBody,
          Fault::kEnormous, Fault::kEnormousChunked, Fault::kWrongContentType};
}

ExpectedOutcome ExpectedFor(Fault fault, StatusCode no_match, StatusCode not_found) {
  switch (fault) {
    case Fault::kNone:
    case Fault::kSlow:
    case Fault::kWrongContentType:
      return {true, StatusCode::kOk};
    case Fault::kHang:
    case Fault::kSlowDrip:
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
    case Fault::kRefused:
    case Fault::kUnresolvable:
    case Fault::kShortBody:
    case Fault::kEnormous:
    case Fault::kEnormousChunked:
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
// Stops serving before the fields the handlers read (fault, fail_first, edit) are destroyed.
FakeUpstream::~FakeUpstream() { server_.Stop(); }

std::string FakeUpstream::base_url() const {
  const Fault f = fault_.load();
  if (f == Fault::kReset) {
    auto* self = const_cast<FakeUpstream*>(this);
    if (!self->reset_server_) self->reset_server_ = std::make_unique<RawTcpServer>("", true);
    return reset_server_->base_url();
  }
  if (f == Fault::kRefused) return "http://127.0.0.1:" + std::to_string(UnusedLoopbackPort());
  // .invalid never resolves (RFC 6761 section 6.4): the resolver fails without the network.
  if (f == Fault::kUnresolvable) {
    return "http://upstream.invalid:" + std::to_string(server_.port());
  }
  return server_.base_url();
}

void FakeUpstream::set_fail_first(int n, int status, std::string retry_after) {
  std::lock_guard lock(mu_);
  fail_first_ = n;
  fail_status_ = status;
  fail_retry_after_ = std::move(retry_after);
}

void FakeUpstream::set_edit(std::function<void(nlohmann::json&)> edit) {
  std::lock_guard lock(mu_);
  edit_ = std::move(edit);
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
    {
      std::unique_lock lock(mu_);
      if (fail_first_ > 0) {
        --fail_first_;
        const int status = fail_status_;
        const std::string retry_after = fail_retry_after_;
        lock.unlock();
        if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
        if (status == 429) return send(429, bodies.rate_limited, "application/json");
        if (status == 500)
          return send(500, "{\"error\":\"Internal Server Error\"}", "application/json");
        return send(status,
                    json{{"error", true}, {"reason", "HTTP " + std::to_string(status)}}.dump(),
                    "application/json");
      }
    }
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
      case Fault::kEnormous:
      case Fault::kEnormousChunked: {
        // 100 MiB, generated 64 KiB at a time while it is written: never held in memory, and
        // streamed_bytes() tells how much of it the client read before it gave up.
        res.status = 200;
        auto provider = [this](size_t offset, httplib::DataSink& sink) {
          static const std::string block(64u << 10, ' ');
          if (offset >= kEnormousBodyBytes) {
            sink.done();
            return true;
          }
          const size_t n = std::min(block.size(), kEnormousBodyBytes - offset);
          if (!sink.write(block.data(), n)) return false;
          streamed_bytes_ += static_cast<int64_t>(n);
          return true;
        };
        if (f == Fault::kEnormous) {
          res.set_content_provider(kEnormousBodyBytes, "application/json",
                                   [provider](size_t offset, size_t, httplib::DataSink& sink) {
                                     return provider(offset, sink);
                                   });
        } else {
          // Not a JSON type: cpp-httplib would compress a chunked JSON body for a client that
          // accepts br (libcurl does), and its brotli encoder holds the output back for
          // seconds, which makes this a slow upstream instead of a large one.
          res.set_chunked_content_provider("application/octet-stream", provider);
        }
        return;
      }
      default:
        break;
    }
    if (bodies.check) {
      if (auto refusal = bodies.check(req)) {
        return send(refusal->first, refusal->second, "application/json");
      }
    }
    std::string body = bodies.ok(req);
    std::function<void(json&)> edit;
    {
      std::lock_guard lock(mu_);
      edit = edit_;
    }
    if (edit) {
      json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded()) {
        edit(j);
        body = j.dump();
      }
    }
    if (f == Fault::kTruncated) body.resize(body.size() / 2);
    if (f == Fault::kWrongContentType) return send(200, body, "text/html; charset=utf-8");
    if (f == Fault::kSlowDrip) {
      // One byte per 200 ms: each read makes progress, so only a deadline on the whole
      // transfer (not an idle timeout) ends it.
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [this, body](size_t offset, httplib::DataSink& sink) {
            if (offset >= body.size()) {
              sink.done();
              return true;
            }
            if (server_.SleepUnlessStopped(std::chrono::milliseconds(200))) return false;
            if (!sink.write(body.data() + offset, 1)) return false;
            ++streamed_bytes_;
            return true;
          });
      return;
    }
    if (f == Fault::kShortBody) {
      // The header promises the whole body; half of it is sent, then the connection closes.
      res.status = 200;
      res.set_content_provider(body.size(), "application/json",
                               [this, body](size_t offset, size_t, httplib::DataSink& sink) {
                                 const size_t half = body.size() / 2;
                                 if (offset >= half)
                                   return false;  // aborts: cpp-httplib closes the connection
                                 if (!sink.write(body.data() + offset, half - offset)) return false;
                                 streamed_bytes_ += static_cast<int64_t>(half - offset);
                                 return true;
                               });
      return;
    }
    send(200, body, "application/json");
  });
}

// ---- Open-Meteo forecast ----

namespace {

// The comma-separated values of query parameter `name` (empty when absent).
std::vector<std::string> ListParam(const httplib::Request& req, const char* name) {
  std::vector<std::string> out;
  if (!req.has_param(name)) return out;
  const std::string v = req.get_param_value(name);
  size_t start = 0;
  while (start <= v.size()) {
    const size_t comma = std::min(v.find(',', start), v.size());
    if (comma > start) out.push_back(v.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string ErrorBody(const std::string& reason) {
  return json{{"error", true}, {"reason", reason}}.dump();
}

// Forecast daily variables the fake knows: unit, then values for day 0, day 1 and later days.
struct ForecastDaily {
  const char* name;
  const char* unit;
  double today, tomorrow, later;
};
constexpr ForecastDaily kForecastDaily[] = {
    {"precipitation_sum", "mm", 0.4, 3.2, 0.0},
    {"rain_sum", "mm", 0.4, 3.2, 0.0},
    {"temperature_2m_max", "°C", 24.1, 21.0, 25.0},
    {"temperature_2m_min", "°C", 15.2, 14.8, 15.5},
    {"temperature_2m_mean", "°C", 19.4, 17.6, 20.1},
    {"wind_speed_10m_mean", "km/h", 18.7, 25.3, 15.0},
    {"wind_speed_10m_max", "km/h", 31.0, 40.2, 28.0},
    {"wind_gusts_10m_max", "km/h", 52.9, 66.6, 45.0},
    {"precipitation_probability_max", "%", 35, 80, 10},
};

}  // namespace

OpenMeteoForecastFake::OpenMeteoForecastFake() {
  Bodies b;
  b.check = [](const httplib::Request& req) -> std::optional<std::pair<int, std::string>> {
    for (const auto& v : ListParam(req, "daily")) {
      const bool known = std::any_of(std::begin(kForecastDaily), std::end(kForecastDaily),
                                     [&](const ForecastDaily& d) { return v == d.name; });
      if (!known) {
        return std::pair(400, ErrorBody("Cannot initialize ForecastVariableDaily from invalid "
                                        "String value " +
                                        v + " for key daily"));
      }
    }
    if (req.has_param("forecast_days")) {
      const int days = std::atoi(req.get_param_value("forecast_days").c_str());
      if (days < 1 || days > 16) {
        return std::pair(400, ErrorBody("Forecast days is invalid. Allowed range 0 to 16."));
      }
    }
    return std::nullopt;
  };
  b.ok = [](const httplib::Request& req) {
    const double lat = std::stod(req.get_param_value("latitude"));
    const double lon = std::stod(req.get_param_value("longitude"));
    const int days = req.has_param("forecast_days")
                         ? std::atoi(req.get_param_value("forecast_days").c_str())
                         : 7;
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
         {{"time", "iso8601"},
          {"interval", "seconds"},
          {"temperature_2m", "°C"},
          {"apparent_temperature", "°C"},
          {"dew_point_2m", "°C"},
          {"relative_humidity_2m", "%"},
          {"cloud_cover", "%"},
          {"pressure_msl", "hPa"},
          {"wind_speed_10m", "km/h"},
          {"wind_gusts_10m", "km/h"},
          {"wind_direction_10m", "°"},
          {"uv_index", ""},
          {"visibility", "m"}}},
        {"current",
         {{"time", "2026-11-28T04:15"},
          {"interval", 900},
          {"temperature_2m", 17.4},
          {"apparent_temperature", 16.2},
          {"dew_point_2m", 11.3},
          {"relative_humidity_2m", 67},
          {"cloud_cover", 25},
          {"pressure_msl", 1014.8},
          {"wind_speed_10m", 18.0},
          {"wind_gusts_10m", 33.1},
          {"wind_direction_10m", 158},
          {"uv_index", 0.35},
          {"visibility", 24140.0}}},
    };
    const auto wanted = ListParam(req, "daily");
    if (!wanted.empty()) {
      json units = {{"time", "iso8601"}};
      json daily = {{"time", json::array()}};
      const auto first = std::chrono::sys_days(std::chrono::year(2026) / 11 / 28);
      for (int d = 0; d < days; ++d) {
        daily["time"].push_back(
            base::FormatIsoDate(std::chrono::year_month_day(first + std::chrono::days(d))));
      }
      for (const auto& name : wanted) {
        for (const auto& v : kForecastDaily) {
          if (name != v.name) continue;
          units[name] = v.unit;
          json values = json::array();
          for (int d = 0; d < days; ++d)
            values.push_back(d == 0 ? v.today : d == 1 ? v.tomorrow : v.later);
          daily[name] = values;
        }
      }
      j["daily_units"] = units;
      j["daily"] = daily;
    }
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
  b.rate_limited =
      R"({"error":true,"reason":"Daily API request limit exceeded. Please try again tomorrow."})";
  Route("/v1/forecast", std::move(b));
  Start();
}

// ---- Open-Meteo archive ----

namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A reproducible uniform number in [0, 1) for (seed, day, salt).
double Uniform(uint64_t seed, int64_t day, uint64_t salt) {
  const uint64_t h =
      SplitMix(seed ^ SplitMix(static_cast<uint64_t>(day) * 0x100000001b3ULL + salt));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

double Round1(double v) { return std::round(v * 10) / 10; }

// The archive's grid: ERA5 is 0.25°.
double Snap(double degrees) { return std::round(degrees * 4) / 4; }

struct ArchiveVariable {
  const char* name;
  const char* unit;
};
constexpr ArchiveVariable kArchiveDaily[] = {
    {"precipitation_sum", "mm"},        {"rain_sum", "mm"},
    {"temperature_2m_max", "°C"},       {"temperature_2m_min", "°C"},
    {"temperature_2m_mean", "°C"},      {"wind_speed_10m_mean", "km/h"},
    {"wind_speed_10m_max", "km/h"},     {"wind_gusts_10m_max", "km/h"},
    {"relative_humidity_2m_mean", "%"}, {"cloud_cover_mean", "%"},
    {"pressure_msl_mean", "hPa"},
};

const FakeCity* NearestCity(double lat, double lon) {
  const FakeCity* best = nullptr;
  double best_d = 2.0;
  for (const auto& c : FakeCities()) {
    const double d = std::max(std::fabs(c.latitude - lat), std::fabs(c.longitude - lon));
    if (d <= best_d) {
      best = &c;
      best_d = d;
    }
  }
  return best;
}

}  // namespace

json OpenMeteoArchiveFake::Day(double latitude, double longitude,
                               std::chrono::year_month_day date) {
  using std::numbers::pi;
  const double lat = Snap(latitude), lon = Snap(longitude);
  const uint64_t seed = SplitMix(static_cast<uint64_t>(std::llround(lat * 4) + 1000) * 4096 +
                                 static_cast<uint64_t>(std::llround(lon * 4) + 1000));
  const int64_t t = std::chrono::sys_days(date).time_since_epoch().count();
  const auto jan1 = std::chrono::sys_days(date.year() / std::chrono::January / 1);
  const double doy = static_cast<double>((std::chrono::sys_days(date) - jan1).count());
  // +1 at the hemisphere's midsummer, -1 at midwinter.
  const double summer = (lat >= 0 ? 1.0 : -1.0) * std::cos(2 * pi * (doy - 196) / 365.25);

  // The wet-spell signal: a few slow waves with place-specific phases (lag-1 correlated, so
  // today tells about tomorrow), wetter in winter, plus independent daily noise.
  constexpr double kPeriods[] = {6.1, 9.3, 14.7, 23.9};
  constexpr double kAmplitudes[] = {0.9, 0.7, 0.5, 0.3};
  double spell = 0;
  for (size_t k = 0; k < 4; ++k) {
    const double phase = 2 * pi * Uniform(seed, 0, 100 + k);
    spell += kAmplitudes[k] * std::sin(2 * pi * static_cast<double>(t) / kPeriods[k] + phase);
  }
  const double climate = 0.4 * (Uniform(seed, 0, 200) - 0.5);  // drier or wetter places
  const double noise = 2 * Uniform(seed, t, 1) - 1;
  const double wet = spell - 0.3 * summer + climate + 0.4 * noise;

  double precipitation = 0;
  if (wet > 0.5) {
    precipitation = Round1((wet - 0.5) * 12 * (0.5 + Uniform(seed, t, 2)) + 0.2);
  } else if (Uniform(seed, t, 3) < 0.1) {
    precipitation = 0.1;  // a trace
  }
  const double abs_lat = std::fabs(lat);
  const double mean_temp = 27 - 0.45 * abs_lat + std::min(15.0, 0.25 * abs_lat) * summer;
  const double wetness = std::clamp(wet, 0.0, 1.5);
  const double t_max = Round1(mean_temp + 5 - 3 * wetness + 2 * (Uniform(seed, t, 4) - 0.5));
  const double t_min =
      Round1(t_max - (10 - 5 * std::min(wetness, 1.0)) - 1.5 * Uniform(seed, t, 5));
  const double wind = Round1(std::max(1.0, 12 + 6 * spell + 3 * (Uniform(seed, t, 6) - 0.5)));
  const double wind_max = Round1(wind * (1.5 + 0.3 * Uniform(seed, t, 7)));
  return json{
      {"precipitation_sum", precipitation},
      {"rain_sum", mean_temp < 0 ? 0.0 : precipitation},
      {"temperature_2m_max", t_max},
      {"temperature_2m_min", t_min},
      {"temperature_2m_mean", Round1((t_max + t_min) / 2)},
      {"wind_speed_10m_mean", wind},
      {"wind_speed_10m_max", wind_max},
      {"wind_gusts_10m_max", Round1(wind_max * 1.6)},
      {"relative_humidity_2m_mean", std::round(std::clamp(65 + 20 * wet, 20.0, 100.0))},
      {"cloud_cover_mean", std::round(std::clamp(45 + 40 * wet, 0.0, 100.0))},
      {"pressure_msl_mean", Round1(1015 - 8 * spell + 2 * noise)},
  };
}

struct OpenMeteoArchiveFake::State {
  std::mutex mu;
  std::optional<std::chrono::year_month_day> available_until;  // guarded by mu
};

void OpenMeteoArchiveFake::set_available_until(std::optional<std::chrono::year_month_day> last) {
  std::lock_guard lock(state_->mu);
  state_->available_until = last;
}

OpenMeteoArchiveFake::OpenMeteoArchiveFake() : state_(std::make_shared<State>()) {
  Bodies b;
  b.check = [](const httplib::Request& req) -> std::optional<std::pair<int, std::string>> {
    auto bad = [](const std::string& reason) { return std::pair(400, ErrorBody(reason)); };
    for (const char* p : {"latitude", "longitude"}) {
      if (!req.has_param(p)) return bad(std::string("Parameter '") + p + "' is required");
      char* end = nullptr;
      const std::string v = req.get_param_value(p);
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !std::isfinite(d)) {
        return bad(std::string("Cannot initialize Float from invalid String value ") + v +
                   " for key " + p);
      }
      const double limit = std::string(p) == "latitude" ? 90 : 180;
      if (std::fabs(d) > limit) {
        return bad(std::string(p == std::string("latitude") ? "Latitude" : "Longitude") +
                   " must be in range of -" + std::to_string(static_cast<int>(limit)) + " to " +
                   std::to_string(static_cast<int>(limit)) + "°. Given: " + v + ".");
      }
    }
    for (const char* p : {"start_date", "end_date"}) {
      if (!req.has_param(p)) return bad(std::string("Parameter '") + p + "' is required");
      if (!base::ParseIsoDate(req.get_param_value(p))) {
        return bad("Invalid date format. Make sure to use 'YYYY-MM-DD'");
      }
    }
    const auto start = *base::ParseIsoDate(req.get_param_value("start_date"));
    const auto end = *base::ParseIsoDate(req.get_param_value("end_date"));
    if (start < std::chrono::year(1940) / 1 / 1) {
      return bad("Parameter 'start_date' is out of allowed range from 1940-01-01");
    }
    if (end < start) return bad("End-date must be larger or equals than start-date");
    const auto wanted = ListParam(req, "daily");
    if (wanted.empty()) return bad("Parameter 'daily' or 'hourly' is required");
    for (const auto& v : wanted) {
      const bool known = std::any_of(std::begin(kArchiveDaily), std::end(kArchiveDaily),
                                     [&](const ArchiveVariable& a) { return v == a.name; });
      if (!known) {
        return bad("Cannot initialize WeatherVariableDaily from invalid String value " + v +
                   " for key daily");
      }
    }
    return std::nullopt;
  };
  b.ok = [state = state_](const httplib::Request& req) {
    const double lat = std::stod(req.get_param_value("latitude"));
    const double lon = std::stod(req.get_param_value("longitude"));
    const auto start =
        std::chrono::sys_days(*base::ParseIsoDate(req.get_param_value("start_date")));
    const auto end = std::chrono::sys_days(*base::ParseIsoDate(req.get_param_value("end_date")));
    const auto wanted = ListParam(req, "daily");
    std::optional<std::chrono::sys_days> available;
    {
      std::lock_guard lock(state->mu);
      if (state->available_until) available = std::chrono::sys_days(*state->available_until);
    }

    std::string timezone = req.has_param("timezone") ? req.get_param_value("timezone") : "GMT";
    int offset = 0;
    if (timezone == "auto") {
      const FakeCity* city = NearestCity(lat, lon);
      timezone = city ? city->timezone : "GMT";
      // Standard time of the fake cities' zones (the archive's offset ignores daylight saving).
      static const std::pair<const char*, int> kOffsets[] = {
          {"Africa/Johannesburg", 7200}, {"America/Los_Angeles", -28800},
          {"Europe/Paris", 3600},        {"America/Chicago", -21600},
          {"America/New_York", -18000},  {"America/Sao_Paulo", -10800}};
      for (const auto& [zone, seconds] : kOffsets) {
        if (timezone == zone) offset = seconds;
      }
    }
    json units = {{"time", "iso8601"}};
    json daily = {{"time", json::array()}};
    for (const auto& name : wanted) {
      for (const auto& v : kArchiveDaily) {
        if (name == v.name) units[name] = v.unit;
      }
      daily[name] = json::array();
    }
    for (auto d = start; d <= end; d += std::chrono::days(1)) {
      daily["time"].push_back(base::FormatIsoDate(std::chrono::year_month_day(d)));
      const json day = Day(lat, lon, std::chrono::year_month_day(d));
      const bool missing = available && d > *available;
      for (const auto& name : wanted) daily[name].push_back(missing ? json(nullptr) : day[name]);
    }
    json j = {{"latitude", Snap(lat)},
              {"longitude", Snap(lon)},
              {"generationtime_ms", 12.5},
              {"utc_offset_seconds", offset},
              {"timezone", timezone},
              {"timezone_abbreviation", timezone == "GMT" ? "GMT" : "LMT"},
              {"elevation", 42.0},
              {"daily_units", units},
              {"daily", daily}};
    return j.dump();
  };
  b.wrong_types = [](const httplib::Request&) {
    return std::string(
        R"({"latitude":-34.0,"longitude":18.5,"utc_offset_seconds":7200,)"
        R"("timezone":"Africa/Johannesburg","daily_units":{"time":"iso8601","precipitation_sum":"mm"},)"
        R"("daily":{"time":["2019-01-01","2019-01-02"],"precipitation_sum":["0.4","none"]}})");
  };
  b.no_match = ErrorBody("Parameter 'start_date' is out of allowed range from 1940-01-01");
  b.no_match_status = 400;
  b.unauthorized = ErrorBody("API key invalid");
  b.not_found = ErrorBody("Not Found");
  b.rate_limited =
      ErrorBody("Minutely API request limit exceeded. Please try again in one minute.");
  Route("/v1/archive", std::move(b));
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
            {"boundingbox",
             {Coord(c.latitude - 0.4), Coord(c.latitude + 0.4), Coord(c.longitude - 0.4),
              Coord(c.longitude + 0.4)}},
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
  b.check = [valid_key = std::move(valid_key)](
                const httplib::Request& req) -> std::optional<std::pair<int, std::string>> {
    if (req.get_param_value("key") != valid_key)
      return std::pair(401, R"({"error":"Invalid key"})");
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
  b.check = [valid_key = std::move(valid_key)](
                const httplib::Request& req) -> std::optional<std::pair<int, std::string>> {
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
    json currently = {{"time", 1795832100},
                      {"summary", "Clear"},
                      {"icon", "clear-night"},
                      {"nearestStormDistance", 0},
                      {"nearestStormBearing", 0},
                      {"precipIntensity", 0},
                      {"precipProbability", 0},
                      {"precipIntensityError", 0},
                      {"precipType", "none"},
                      {"temperature", us ? 62.3 : 16.8},
                      {"apparentTemperature", us ? 61.9 : 16.6},
                      {"dewPoint", us ? 52.1 : 11.2},
                      {"humidity", 0.69},
                      {"pressure", 1014.2},
                      {"windSpeed", us ? 11.2 : 5.0},
                      {"windGust", us ? 18.9 : 8.4},
                      {"windBearing", 160},
                      {"cloudCover", 0.12},
                      {"uvIndex", 0},
                      {"visibility", us ? 10 : 16.09},
                      {"ozone", ozone_missing ? -999 : 287.4}};
    json day = {{"time", 1795816800},
                {"icon", "clear-day"},
                {"summary", "Clear throughout the day."},
                {"sunriseTime", 1795836660},
                {"sunsetTime", 1795888080},
                {"precipIntensity", us ? 0.0016 : 0.04},
                {"precipIntensityMax", us ? 0.01 : 0.25},
                {"precipAccumulation", us ? 0.04 : 0.1},
                {"precipProbability", 0.12},
                {"precipType", "rain"},
                {"temperatureHigh", us ? 75.2 : 24.0},
                {"temperatureLow", us ? 59.1 : 15.1},
                {"temperatureMin", us ? 59.8 : 15.4},
                {"temperatureMax", us ? 75.2 : 24.0},
                {"windSpeed", us ? 12.4 : 5.5},
                {"windGust", us ? 25.0 : 11.2},
                {"windBearing", 170},
                {"humidity", 0.62},
                {"pressure", 1013.1},
                {"cloudCover", 0.2},
                {"uvIndex", 9},
                {"visibility", us ? 10 : 16.09},
                {"ozone", ozone_missing ? -999 : 288.1}};
    json tomorrow = day;
    tomorrow["time"] = 1795903200;
    tomorrow["icon"] = "rain";
    tomorrow["summary"] = "Rain in the afternoon.";
    tomorrow["precipProbability"] = 0.64;
    tomorrow["precipIntensity"] = us ? 0.05 : 1.27;
    json j = {{"latitude", lat},
              {"longitude", lon},
              {"timezone", "Africa/Johannesburg"},
              {"offset", 2},
              {"elevation", 17},
              {"currently", currently},
              {"daily",
               {{"summary", "No precipitation throughout the week."},
                {"icon", "clear-day"},
                {"data", {day, tomorrow}}}},
              {"flags",
               {{"sources", {"ecmwf_ifs", "gfs", "gefs"}},
                {"units", us ? "us" : "si"},
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

// ---- S3 ----

namespace {

std::string S3ErrorBody(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message><RequestId>FAKE</RequestId></Error>";
}

}  // namespace

S3Fake::S3Fake(std::string bucket) : bucket_(std::move(bucket)) {
  server_.server().set_keep_alive_max_count(1);
  // Answers the fault (true), or leaves a healthy request alone (false).
  auto fault_answer = [this](httplib::Response& res) {
    switch (fault_.load()) {
      case Fault::kDenied:
        res.status = 403;
        res.set_content(S3ErrorBody("AccessDenied", "Access Denied"), "application/xml");
        return true;
      case Fault::kServerError:
        res.status = 500;
        res.set_content(S3ErrorBody("InternalError", "We encountered an internal error."),
                        "application/xml");
        return true;
      case Fault::kSlow:
        server_.SleepUnlessStopped(std::chrono::milliseconds(30000));
        res.status = 503;
        res.set_content(S3ErrorBody("SlowDown", "Please reduce your request rate."),
                        "application/xml");
        return true;
      case Fault::kNone:
      case Fault::kKeyTaken:
        break;
    }
    return false;
  };
  const std::string pattern = "/" + bucket_ + "/(.+)";
  server_.server().Put(pattern, [this, fault_answer](const httplib::Request& req,
                                                     httplib::Response& res) {
    ++puts_;
    if (fault_answer(res)) return;
    // The path as sent or already decoded: record keys hold no '%' of their own.
    const std::string key = httplib::detail::decode_url(req.matches[1], false);
    const bool conditional = req.get_header_value("If-None-Match") == "*";
    std::lock_guard lock(mu_);
    if (fault_.load() == Fault::kKeyTaken && taken_.empty() && objects_.count(key) == 0) {
      taken_[key] = "another writer's bytes";
    }
    if (conditional && (objects_.count(key) != 0 || taken_.count(key) != 0)) {
      res.status = 412;
      res.set_content(S3ErrorBody("PreconditionFailed",
                                  "At least one of the pre-conditions you specified did not hold"),
                      "application/xml");
      return;
    }
    objects_[key] = req.body;
    res.status = 200;
    res.set_header("ETag", "\"fake\"");
  });
  server_.server().Get(
      pattern, [this, fault_answer](const httplib::Request& req, httplib::Response& res) {
        if (fault_answer(res)) return;
        // The path as sent or already decoded: record keys hold no '%' of their own.
        const std::string key = httplib::detail::decode_url(req.matches[1], false);
        std::lock_guard lock(mu_);
        for (const auto* held : {&objects_, &taken_}) {
          if (auto it = held->find(key); it != held->end()) {
            res.status = 200;
            res.set_content(it->second, "application/octet-stream");
            return;
          }
        }
        res.status = 404;
        res.set_content(S3ErrorBody("NoSuchKey", "The specified key does not exist."),
                        "application/xml");
      });
  server_.Start();
}

S3Fake::~S3Fake() { server_.Stop(); }

std::map<std::string, std::string> S3Fake::objects() const {
  std::lock_guard lock(mu_);
  return objects_;
}

}  // namespace raincheck::fakes
