// Builders and in-process fakes for handler tests.
#ifndef RAINCHECK_APP_TEST_SUPPORT_H_
#define RAINCHECK_APP_TEST_SUPPORT_H_

#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "forest/model.h"
#include "providers/interfaces.h"
#include "store/record_store.h"

namespace raincheck::app::testing {

// An HTTP API (2.0) GET event for `path` with the given raw (unencoded) query pairs.
inline std::string HttpApiEvent(const std::vector<std::pair<std::string, std::string>>& query,
                                const std::string& accept = "*/*",
                                const std::string& method = "GET") {
  std::string raw;
  for (const auto& [k, v] : query) {
    if (!raw.empty()) raw += '&';
    raw += base::UrlEncode(k) + "=" + base::UrlEncode(v);
  }
  nlohmann::json e = {
      {"version", "2.0"},
      {"routeKey", "$default"},
      {"rawPath", "/"},
      {"rawQueryString", raw},
      {"headers", {{"accept", accept}, {"host", "example.test"}}},
      {"requestContext",
       {{"requestId", "test-request"},
        {"stage", "$default"},
        {"http",
         {{"method", method}, {"path", "/"}, {"sourceIp", "127.0.0.1"}, {"userAgent", "t"}}}}},
      {"isBase64Encoded", false}};
  return e.dump();
}

// Knows every city except those it is told to fail; returns a fixed place.
class FakeGeocoder final : public providers::Geocoder {
 public:
  Result<providers::Place> Geocode(std::string_view query, const base::CallContext& ctx) override {
    std::lock_guard<std::mutex> lock(mu_);
    queries_.emplace_back(query);
    deadlines_.push_back(ctx.deadline.at());
    if (!failure_.ok()) return failure_;
    providers::Place p;
    p.name = std::string(query);
    p.country = "Testland";
    p.country_code = "TL";
    p.latitude = latitude_;
    p.longitude = longitude_;
    p.source = "fake";
    return p;
  }
  std::vector<providers::Place> Suggest(std::string_view, const base::CallContext& ctx) override {
    std::lock_guard<std::mutex> lock(mu_);
    deadlines_.push_back(ctx.deadline.at());
    return suggestions_;
  }
  void Fail(Status s) { failure_ = std::move(s); }
  void set_suggestions(std::vector<providers::Place> s) { suggestions_ = std::move(s); }
  void set_latitude(double lat) { latitude_ = lat; }
  void set_longitude(double lon) { longitude_ = lon; }
  std::vector<std::string> queries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queries_;
  }
  // The deadline each Geocode and Suggest call was given, in call order.
  std::vector<base::TimePoint> deadlines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_;
  }

 private:
  mutable std::mutex mu_;
  Status failure_;
  double latitude_ = -33.92;
  double longitude_ = 18.42;
  std::vector<std::string> queries_;
  std::vector<base::TimePoint> deadlines_;
  std::vector<providers::Place> suggestions_;
};

// Daily weather in Open-Meteo's units (mm, degC, km/h).
class FakeWeather final : public providers::WeatherSource {
 public:
  Result<providers::Observation> Current(const providers::Place&,
                                         const base::CallContext& ctx) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadlines_.push_back(ctx.deadline.at());
    }
    if (!failure_.ok()) return failure_;
    providers::Observation o;
    o.quantities = quantities_;
    o.time = base::FromUnixMillis(1'795'856'400'000);  // 2026-11-28T09:00Z
    o.local_date = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::month{11},
                                               std::chrono::day{28}};
    o.timezone = "Africa/Johannesburg";
    o.source = "fake";
    o.precipitation_probability_tomorrow = tomorrow_;
    return o;
  }
  void Fail(Status s) { failure_ = std::move(s); }
  void Set(std::vector<providers::Quantity> q) { quantities_ = std::move(q); }
  void set_tomorrow(std::optional<double> p) { tomorrow_ = p; }
  // The deadline each Current call was given, in call order.
  std::vector<base::TimePoint> deadlines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<base::TimePoint> deadlines_;
  Status failure_;
  std::optional<double> tomorrow_ = 0.7;
  std::vector<providers::Quantity> quantities_ = {{"precipitation", 12.5, "mm"},
                                                  {"temp_max", 14.0, "degC"},
                                                  {"temp_min", 9.0, "degC"},
                                                  {"wind", 18.0, "km/h"}};
};

// Stores records in memory, or refuses them (spooled) when told to.
class FakeSink final : public store::RecordSink {
 public:
  store::WriteOutcome Store(const store::Record& record, base::TimePoint deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    deadlines_.push_back(deadline);
    store::WriteOutcome w;
    w.key = "dt=2026-11-28/" + record.request_id + ".csv";
    if (down_) {
      w.state = store::WriteOutcome::State::kSpooled;
      w.error = Status::Unavailable("store down");
    } else {
      w.state = store::WriteOutcome::State::kStored;
      records_.push_back(record);
    }
    return w;
  }
  void set_down(bool down) { down_ = down; }
  std::vector<store::Record> records() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  // The deadline each Store call was given, in call order.
  std::vector<base::TimePoint> deadlines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_;
  }

 private:
  mutable std::mutex mu_;
  bool down_ = false;
  std::vector<store::Record> records_;
  std::vector<base::TimePoint> deadlines_;
};

// `base`'s trees, schema and card under another name and home (a JSON "home" object, or null
// for none): models with different homes for choosing tests.
inline forest::Model WithHome(const forest::Model& base, const std::string& name,
                              const nlohmann::json& home) {
  nlohmann::json card = base.card();
  card["name"] = name;
  if (home.is_null()) {
    card.erase("home");
  } else {
    card["home"] = home;
  }
  auto keep = std::make_shared<const forest::Model>(base);  // owns the trees' storage
  forest::ModelBuilder b;
  b.SetSchema(base.schema()).SetClassLabels(base.class_labels()).SetCard(card);
  b.SetForest(keep, keep->forest());
  auto built = b.Build();
  if (!built.ok()) std::abort();
  return std::move(built).value();
}

inline nlohmann::json Home(const std::string& name, double lat, double lon, double km = 300) {
  return {{"name", name}, {"latitude", lat}, {"longitude", lon}, {"applies_within_km", km}};
}

}  // namespace raincheck::app::testing

#endif  // RAINCHECK_APP_TEST_SUPPORT_H_
