// Loopback fakes of the upstream APIs raincheck talks to (unreachable from tests): they answer
// with the documented response shapes and can be told to misbehave.
#ifndef RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_
#define RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tests/fakes/loopback_server.h"

namespace raincheck::fakes {

enum class Fault {
  kNone,
  kSlow,          // answers normally after ~300 ms
  kHang,          // never answers (until the fake stops)
  kReset,         // the connection is reset (base_url() then points at a raw TCP server)
  kUnauthorized,  // 401 with the upstream's error body
  kNotFound,      // 404 with the upstream's error body
  kRateLimited,   // 429 with Retry-After: 30
  kServerError,   // 500
  kTruncated,     // 200, the healthy body cut in the middle
  kMalformed,     // 200, an HTML error page
  kWrongTypes,    // 200, JSON of the right shape with wrong value types
  kHuge,          // 200, a body of 3 MiB
  kNoMatch,       // the upstream's "nothing found" answer
  // Not in AllFaults() (ExtraFaults()): the fault matrix (tests/fault_matrix_test.cc) uses them.
  kRefused,           // nothing listens: base_url() points at a closed loopback port
  kUnresolvable,      // base_url() names a host under .invalid, which never resolves (RFC 6761)
  kSlowDrip,          // 200, the healthy body one byte per 200 ms (chunked) until the fake stops
  kShortBody,         // 200, Content-Length of the healthy body, half of it, connection closed
  kEnormous,          // 200, Content-Length: 100 MiB, the body generated as it is written
  kEnormousChunked,   // 200, 100 MiB chunked (no Content-Length; application/octet-stream)
  kWrongContentType,  // 200, the healthy JSON body labelled text/html
};

std::string_view FaultName(Fault fault);
// Every fault of the provider tests, for table-driven tests.
std::vector<Fault> AllFaults();
// The faults after kNoMatch: transport and framing faults the fault matrix adds.
std::vector<Fault> ExtraFaults();
// The size of the kEnormous and kEnormousChunked bodies.
inline constexpr size_t kEnormousBodyBytes = size_t{100} << 20;

// What a provider must report for a fault: kNone, kSlow and kWrongContentType succeed; a hang
// or a slow drip is DeadlineExceeded, 401 PermissionDenied, 429 ResourceExhausted, the upstream's
// "nothing found" `no_match`, a 404 `not_found`, and every other fault Unavailable.
struct ExpectedOutcome {
  bool ok;
  StatusCode code;
};
ExpectedOutcome ExpectedFor(Fault fault, StatusCode no_match,
                            StatusCode not_found = StatusCode::kUnavailable);

// A fake place known to the fake geocoders.
struct FakeCity {
  std::string name;
  std::string admin1;
  std::string country;
  std::string country_code;  // upper case
  double latitude;
  double longitude;
  long population;
  std::string timezone;
};
const std::vector<FakeCity>& FakeCities();

class FakeUpstream {
 public:
  FakeUpstream();
  virtual ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  void set_fault(Fault fault) { fault_ = fault; }
  Fault fault() const { return fault_; }
  std::string base_url() const;
  // Requests that reached the handler (faults included), in order.
  std::vector<RecordedRequest> requests() const { return server_.requests(); }
  // How many requests reached the handler so far (faults and set_fail_first answers included).
  int hits() const { return hits_.load(); }
  // Body bytes the generated bodies (kSlowDrip, kShortBody, kEnormous*) handed to the socket:
  // how far a client read before it gave up.
  int64_t streamed_bytes() const { return streamed_bytes_.load(); }

  // The next `n` requests are answered with HTTP `status` (429: the upstream's rate-limit body;
  // otherwise a JSON error body) whatever the fault, then the fault set (or health) resumes:
  // "429 for the first 2 requests, then healthy" is set_fail_first(2, 429). `retry_after`, when
  // not empty, is sent as the Retry-After header ("1", or an HTTP-date). n = 0 cancels.
  void set_fail_first(int n, int status = 429, std::string retry_after = "");
  // Applied to every healthy JSON answer before it is sent (and before kTruncated cuts it):
  // lets a test drop a field, null a value or break the shape. nullptr removes it.
  void set_edit(std::function<void(nlohmann::json&)> edit);

 protected:
  struct Bodies {
    std::function<std::string(const httplib::Request&)> ok;           // healthy answer
    std::function<std::string(const httplib::Request&)> wrong_types;  // same shape, wrong types
    std::string no_match;  // body of the "nothing found" answer
    int no_match_status = 200;
    std::string unauthorized;  // body of the 401
    std::string not_found;     // body of the 404
    std::string rate_limited;  // body of the 429
    // Optional: decides from the request whether it is a healthy request; when it returns a
    // status (e.g. 401 for a wrong key) with a body, that answer is sent instead.
    std::function<std::optional<std::pair<int, std::string>>(const httplib::Request&)> check;
  };
  // Registers GET `path` (a cpp-httplib pattern) served with `bodies` and the fault.
  void Route(const std::string& path, Bodies bodies);
  void Start() { server_.Start(); }

 private:
  LoopbackServer server_;
  std::unique_ptr<RawTcpServer> reset_server_;
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<int> hits_{0};
  std::atomic<int64_t> streamed_bytes_{0};
  mutable std::mutex mu_;
  int fail_first_ = 0;                         // guarded by mu_
  int fail_status_ = 429;                      // guarded by mu_
  std::string fail_retry_after_;               // guarded by mu_
  std::function<void(nlohmann::json&)> edit_;  // guarded by mu_
};

// Open-Meteo forecast: GET /v1/forecast (current=, daily=, timezone=auto, forecast_days=,
// default 7). A Cape Town summer morning, 2026-11-28T04:15 local (UTC+2). `daily` holds the
// variables asked for in daily=, one value per forecast day (400 with the upstream's reason for
// a variable it does not know): today precipitation_sum 0.4 mm, temperature_2m_max 24.1 °C,
// temperature_2m_min 15.2 °C, wind_speed_10m_mean 18.7 km/h, precipitation_probability_max
// 35 %; tomorrow (index 1) precipitation_probability_max 80 %.
class OpenMeteoForecastFake final : public FakeUpstream {
 public:
  OpenMeteoForecastFake();
};

// Open-Meteo Historical Weather API: GET /v1/archive?latitude=&longitude=&start_date=
// &end_date=&daily=a,b,...&timezone=auto, answered as the real archive does:
//   {"latitude","longitude" (snapped to a 0.25° grid),"utc_offset_seconds","timezone",
//    "daily_units":{"time":"iso8601","precipitation_sum":"mm",...},
//    "daily":{"time":["2019-01-01",...],"precipitation_sum":[0.4,...],...}}
// and HTTP 400 {"error":true,"reason":"..."} for a bad or missing parameter, a daily variable it
// does not know, end_date < start_date or start_date before 1940-01-01.
//
// The weather is synthetic and deterministic: the same place (to 0.25°) and date always give
// the same values, whatever range is asked, so per-year requests join seamlessly. Seasonal
// temperatures follow the hemisphere; rain (~30 % of days) comes from a slowly varying wet
// spell signal plus daily noise, which also raises the wind and narrows the day's temperature
// range, so tomorrow's rain is partly predictable from today's values and a model trained on
// it has real skill. Daily variables: precipitation_sum, rain_sum (mm), temperature_2m_max,
// temperature_2m_min, temperature_2m_mean (°C), wind_speed_10m_mean, wind_speed_10m_max,
// wind_gusts_10m_max (km/h), relative_humidity_2m_mean, cloud_cover_mean (%),
// pressure_msl_mean (hPa). Days after set_available_until() are null (as the archive's most
// recent days are). timezone=auto gives the nearest FakeCities() zone within 2°, else "GMT".
//
// Faults (set_fault): kServerError 500, kRateLimited 429 (Retry-After: 30), kMalformed an HTML
// page, kTruncated the body cut in half, kWrongTypes strings instead of numbers, kNoMatch 400
// with a reason, kHang, kSlow, kReset, kHuge as for every fake. set_fail_first(n, status)
// fails only the first n requests; hits() counts requests; set_edit() reshapes healthy answers.
class OpenMeteoArchiveFake final : public FakeUpstream {
 public:
  OpenMeteoArchiveFake();
  // Days after `last` are answered with null values (default: every day has values).
  void set_available_until(std::optional<std::chrono::year_month_day> last);

  // The synthetic day the fake serves at (latitude, longitude) on `date`, as the archive would
  // send it: {"precipitation_sum": 0.4, "temperature_2m_max": 24.1, ...} (every variable above).
  static nlohmann::json Day(double latitude, double longitude, std::chrono::year_month_day date);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the handler, which may outlive this object's fields
};

// Open-Meteo geocoding: GET /v1/search?name=&count= (no "results" key when nothing matches).
class OpenMeteoGeocodingFake final : public FakeUpstream {
 public:
  OpenMeteoGeocodingFake();
};

// LocationIQ: GET /v1/search?key=&q=&format=json (lat/lon as strings; 401/404/429 bodies).
class LocationIqFake final : public FakeUpstream {
 public:
  explicit LocationIqFake(std::string valid_key);
};

// Nominatim: GET /search?q=&format=jsonv2 (200 with [] when nothing matches).
class NominatimFake final : public FakeUpstream {
 public:
  NominatimFake();
};

// The DarkSky shape (Pirate Weather): GET /forecast/{key}/{lat},{lon}?exclude=&units=us.
// daily.data holds today and tomorrow (tomorrow's precipProbability 0.64).
// `ozone_missing`: currently.ozone is -999, as Pirate Weather sends for unavailable values.
class DarkSkyFake final : public FakeUpstream {
 public:
  DarkSkyFake(std::string valid_key, bool ozone_missing = false);
};

// A path-style S3 bucket in memory (PUT / GET /{bucket}/{key}) for record stores: PutObject
// honours If-None-Match: * (412 when the key exists); signatures are not checked. Faults answer
// every request as S3 does: kDenied 403 AccessDenied, kServerError 500 InternalError, kSlow
// after 30 s (or when the fake stops), and kKeyTaken makes the first PUT find its key taken
// by other bytes (412, and GET answers those), as when another writer got there first.
class S3Fake {
 public:
  enum class Fault { kNone, kDenied, kKeyTaken, kServerError, kSlow };

  explicit S3Fake(std::string bucket);
  ~S3Fake();
  S3Fake(const S3Fake&) = delete;
  S3Fake& operator=(const S3Fake&) = delete;

  void set_fault(Fault fault) { fault_ = fault; }
  // "http://127.0.0.1:PORT", for AWS_ENDPOINT_URL_S3.
  std::string endpoint() const { return server_.base_url(); }
  const std::string& bucket() const { return bucket_; }
  // Objects stored by successful PUTs (key -> bytes), the occupants kKeyTaken made excluded.
  std::map<std::string, std::string> objects() const;
  // PUT requests received, faults included.
  int puts() const { return puts_.load(); }

 private:
  std::string bucket_;
  LoopbackServer server_;
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<int> puts_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::string> objects_;  // guarded by mu_
  std::map<std::string, std::string> taken_;    // guarded by mu_: kKeyTaken's occupants
};

}  // namespace raincheck::fakes

#endif  // RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_
