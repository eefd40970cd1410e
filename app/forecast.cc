#include "app/forecast.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "providers/features.h"

namespace raincheck::app {

namespace {

using nlohmann::json;

std::string DisplayName(const providers::Place& p) {
  std::string out = p.name;
  if (!p.admin_area.empty() && p.admin_area != p.name) out += ", " + p.admin_area;
  if (!p.country.empty()) {
    out += ", " + p.country;
  } else if (!p.country_code.empty()) {
    out += ", " + p.country_code;
  }
  return out;
}

// The facts are built by assignment, not from initializer lists: nlohmann::json copies every
// value out of an initializer list (its elements are const), and these run on every request.
json PlaceFacts(const providers::Place& p) {
  json facts = json::object();
  facts["name"] = p.name;
  facts["display_name"] = DisplayName(p);
  facts["admin_area"] = p.admin_area;
  facts["country"] = p.country;
  facts["country_code"] = p.country_code;
  facts["lat"] = p.latitude;
  facts["lon"] = p.longitude;
  facts["population"] = p.population;
  facts["source"] = p.source;
  return facts;
}

std::string LocalDate(const std::chrono::year_month_day& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

json ObservationFacts(const providers::Observation& o) {
  json quantities = json::array();
  for (const auto& q : o.quantities) {
    json quantity = json::object();
    quantity["name"] = q.name;
    quantity["value"] = q.value;
    quantity["unit"] = q.unit;
    quantities.push_back(std::move(quantity));
  }
  json facts = json::object();
  facts["source"] = o.source;
  facts["time"] = base::FormatIso8601Utc(o.time);
  facts["local_date"] = LocalDate(o.local_date);
  facts["timezone"] = o.timezone;
  facts["quantities"] = std::move(quantities);
  return facts;
}

Status CheckTimeLeft(const lambda::InvocationContext& context, const base::Clock& clock,
                     std::string_view step) {
  if (context.Remaining(clock).count() <= 0) {
    return Status::DeadlineExceeded("the function ran out of time before " + std::string(step));
  }
  return Status::Ok();
}

int64_t ElapsedMs(const base::Clock& clock, base::TimePoint since) {
  return std::chrono::duration_cast<base::Millis>(clock.Now() - since).count();
}

store::Record MakeRecord(const ForecastQuery& query, const lambda::InvocationContext& context,
                         const providers::Place& place, const providers::Observation& obs,
                         double probability, bool rain, const forest::Model& model,
                         base::TimePoint now) {
  store::Record r;
  r.timestamp = now;
  r.city = query.city;
  r.request_id = context.request_id;
  // The original's columns first: the observation's fields, datetime, prob_rain, pred_rain.
  for (const auto& q : obs.quantities) r.Set(q.name, q.value);
  r.Set("datetime", base::FormatIso8601Utc(now));
  r.Set("prob_rain", probability);
  r.Set("pred_rain", rain ? 1 : 0);
  r.Set("request_id", context.request_id);
  r.Set("city", query.city);
  r.Set("place", DisplayName(place));
  r.Set("place_source", place.source);
  r.Set("latitude", place.latitude);
  r.Set("longitude", place.longitude);
  r.Set("weather_source", obs.source);
  r.Set("observation_time", base::FormatIso8601Utc(obs.time));
  r.Set("model", model.name());
  r.Set("model_version", model.version());
  return r;
}

}  // namespace

Result<json> Forecast(const ForecastQuery& query, const lambda::InvocationContext& context,
                      const Services& services, const base::Logger& log) {
  const base::Clock& clock = *services.clock;
  const forest::Model& model = *services.model;
  json facts = json::object();
  json timings = json::object();

  base::TimePoint t = clock.Now();
  Result<providers::Place> place = services.geocoder->Geocode(query.city, context);
  if (!place.ok()) return place.status();
  timings["geocode_ms"] = ElapsedMs(clock, t);
  facts["place"] = PlaceFacts(*place);

  RC_RETURN_IF_ERROR(CheckTimeLeft(context, clock, "fetching the weather"));
  t = clock.Now();
  Result<providers::Observation> obs = services.weather->Current(*place, context);
  if (!obs.ok()) return obs.status();
  timings["weather_ms"] = ElapsedMs(clock, t);
  facts["observation"] = ObservationFacts(*obs);

  std::vector<providers::FeatureSpec> specs;
  for (const auto& f : model.schema().features()) specs.push_back({f.name, f.unit});
  RC_ASSIGN_OR_RETURN(std::vector<float> row, providers::MapFeatures(*obs, *place, specs));
  json features = json::array();
  for (size_t i = 0; i < specs.size(); ++i) {
    json feature = json::object();
    feature["name"] = specs[i].name;
    feature["unit"] = specs[i].unit;
    feature["value"] = std::isfinite(row[i]) ? json(row[i]) : json(nullptr);
    features.push_back(std::move(feature));
  }
  facts["features"] = std::move(features);

  const double probability = model.PredictProba(row);
  const bool rain = probability >= services.settings.rain_threshold;
  facts["prediction"] = {{"probability", probability},
                         {"rain", rain},
                         {"threshold", services.settings.rain_threshold}};
  facts["model"] = {{"name", model.name()}, {"version", model.version()}};

  if (services.records == nullptr) {
    facts["record"] = {{"stored", false}, {"state", "off"}, {"message", "records are off"}};
  } else {
    t = clock.Now();
    // Leave a margin to render and send the response before the deadline.
    const base::TimePoint deadline =
        std::min(context.deadline - base::Millis(250), t + services.settings.record_budget);
    const store::WriteOutcome w = services.records->Store(
        MakeRecord(query, context, *place, *obs, probability, rain, model, t), deadline);
    timings["record_ms"] = ElapsedMs(clock, t);
    json record = {{"stored", w.stored()}, {"state", store::WriteStateName(w.state)}, {"key", w.key}};
    if (!w.stored()) {
      record["message"] = w.state == store::WriteOutcome::State::kSpooled
                              ? "the record store failed; the record is kept for a retry"
                              : "the record could not be stored";
      log.Warn("record not stored", {{"state", store::WriteStateName(w.state)},
                                     {"key", w.key},
                                     {"error", w.error.ToString()}});
    }
    facts["record"] = std::move(record);
  }
  facts["timings"] = std::move(timings);
  return facts;
}

}  // namespace raincheck::app
