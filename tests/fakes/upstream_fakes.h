// Loopback fakes of the upstream APIs raincheck talks to (unreachable from tests): they answer
// with the documented response shapes and can be told to misbehave.
#ifndef RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_
#define RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tests/fakes/loopback_server.h"

namespace raincheck::fakes {

enum class Fault {
  kNone,
  kSlow,         // answers normally after ~300 ms
  kHang,         // never answers (until the fake stops)
  kReset,        // the connection is reset (base_url() then points at a raw TCP server)
  kUnauthorized, // 401 with the upstream's error body
  kNotFound,     // 404 with the upstream's error body
  kRateLimited,  // 429 with Retry-After: 30
  kServerError,  // 500
  kTruncated,    // 200, the healthy body cut in the middle
  kMalformed,    // 200, an HTML error page
  kWrongTypes,   // 200, JSON of the right shape with wrong value types
  kHuge,         // 200, a body of 3 MiB
  kNoMatch,      // the upstream's "nothing found" answer
};

std::string_view FaultName(Fault fault);
// Every fault, for table-driven tests.
std::vector<Fault> AllFaults();

// What a provider must report for a fault: kNone and kSlow succeed; a hang is
// DeadlineExceeded, 401 PermissionDenied, 429 ResourceExhausted, the upstream's "nothing found"
// `no_match`, a 404 `not_found`, and every other fault Unavailable.
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
  int hits() const { return hits_.load(); }

 protected:
  struct Bodies {
    std::function<std::string(const httplib::Request&)> ok;           // healthy answer
    std::function<std::string(const httplib::Request&)> wrong_types;  // same shape, wrong types
    std::string no_match;        // body of the "nothing found" answer
    int no_match_status = 200;
    std::string unauthorized;    // body of the 401
    std::string not_found;       // body of the 404
    std::string rate_limited;    // body of the 429
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
};

// Open-Meteo forecast: GET /v1/forecast (current=, daily=, timezone=auto).
class OpenMeteoForecastFake final : public FakeUpstream {
 public:
  OpenMeteoForecastFake();
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
// `ozone_missing`: currently.ozone is -999, as Pirate Weather sends for unavailable values.
class DarkSkyFake final : public FakeUpstream {
 public:
  DarkSkyFake(std::string valid_key, bool ozone_missing = false);
};

}  // namespace raincheck::fakes

#endif  // RAINCHECK_TESTS_FAKES_UPSTREAM_FAKES_H_
