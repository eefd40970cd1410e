#include "app/forecast.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "providers/features.h"

namespace raincheck::app {

namespace {

// "3,870 km" (whole kilometres, thousands separated), "under 1 km".
std::string FormatKm(double km) {
  if (km < 1.0) return "under 1 km";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", km);
  std::string digits = buf, out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + " km";
}

std::string FormatSigned(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.2f", v);
  return buf;
}

Status CheckTimeLeft(const lambda::InvocationContext& context, const base::Clock& clock,
                     std::string_view step) {
  if (context.deadline.Passed(clock)) {
    return Status::DeadlineExceeded("the function ran out of time before " + std::string(step));
  }
  return Status::Ok();
}

int64_t ElapsedMs(const base::Clock& clock, base::TimePoint since) {
  return std::chrono::duration_cast<base::Millis>(clock.Now() - since).count();
}

// The model's climatology for the month of `date` (its base rate when it has no months).
std::optional<double> ClimatologyFor(const forest::ModelInfo& info,
                                     std::chrono::year_month_day date) {
  if (info.monthly_climatology && date.ok()) {
    return (*info.monthly_climatology)[static_cast<unsigned>(date.month()) - 1];
  }
  if (std::isfinite(info.base_rate)) return info.base_rate;
  return std::nullopt;
}

ModelUse DescribeUse(const ModelChoice& choice) {
  const forest::ModelInfo& info = choice.model->info();
  ModelUse use;
  use.name = info.name;
  use.version = info.version;
  use.home = info.home;
  use.distance_km = choice.distance_km;
  use.applies = choice.applies;
  use.skill = info.skill;
  return use;
}

Status Refusal(const std::string& place, const ModelUse& use) {
  if (!use.home || !use.distance_km) {
    return Status::OutOfRange("no model applies to " + place +
                              ": no model says where it was trained");
  }
  return Status::OutOfRange("no model applies to " + place + ": the nearest, trained for " +
                            use.home->name + ", is " + FormatKm(*use.distance_km) +
                            " away and applies within " + FormatKm(use.home->applies_within_km));
}

// Maps the observation to the model's features and predicts.
Result<double> PredictWithModel(const forest::Model& model, const providers::Observation& obs,
                                const providers::Place& place,
                                std::vector<FeatureValue>* features) {
  std::vector<providers::FeatureSpec> specs;
  specs.reserve(model.schema().size());
  for (const auto& f : model.schema().features()) specs.push_back({f.name, f.unit});
  RC_ASSIGN_OR_RETURN(std::vector<float> row, providers::MapFeatures(obs, place, specs));
  features->reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    std::optional<double> value;
    if (std::isfinite(row[i])) value = static_cast<double>(row[i]);
    features->push_back({std::move(specs[i].name), std::move(specs[i].unit), value});
  }
  return model.PredictProba(row);
}

store::Record MakeRecord(const ForecastQuery& query, const lambda::InvocationContext& context,
                         const ForecastResult& f, base::TimePoint now) {
  store::Record r;
  r.timestamp = now;
  r.city = query.city;
  r.request_id = context.request_id;
  // The original's columns first: the observation's fields, datetime, prob_rain, pred_rain.
  for (const auto& q : f.observation.quantities) r.Set(q.name, q.value);
  r.Set("datetime", base::FormatIso8601Utc(now));
  r.Set("prob_rain", f.prediction.probability);
  r.Set("pred_rain", f.prediction.rain ? 1 : 0);
  r.Set("request_id", context.request_id);
  r.Set("city", query.city);
  r.Set("place", f.place_display_name);
  r.Set("place_source", f.place.source);
  r.Set("latitude", f.place.latitude);
  r.Set("longitude", f.place.longitude);
  r.Set("weather_source", f.observation.source);
  r.Set("observation_time", base::FormatIso8601Utc(f.observation.time));
  r.Set("model", f.model.name);
  r.Set("model_version", f.model.version);
  return r;
}

RecordOutcome StoreRecord(const ForecastQuery& query, const lambda::InvocationContext& context,
                          const Services& services, const ForecastResult& f,
                          const base::Logger& log) {
  RecordOutcome out;
  if (services.records == nullptr) {
    out.state = "off";
    out.message = "records are off";
    return out;
  }
  const base::TimePoint now = services.clock->Now();
  // context.deadline already keeps the answer margin (UpstreamContext).
  const base::TimePoint deadline =
      std::min(context.deadline, base::Deadline(now + services.settings.record_budget)).at();
  const store::WriteOutcome w =
      services.records->Store(MakeRecord(query, context, f, now), deadline);
  out.kind = RecordOutcome::Kind::kWritten;
  out.stored = w.stored();
  out.state = std::string(store::WriteStateName(w.state));
  out.key = w.key;
  if (!w.stored()) {
    out.message = w.state == store::WriteOutcome::State::kSpooled
                      ? "the record store failed; the record is kept for a retry"
                      : "the record could not be stored";
    log.Warn("record not stored", {{"state", out.state}, {"error", w.error.ToString()}});
  }
  return out;
}

}  // namespace

base::Millis AnswerMargin(base::Millis remaining) {
  return std::clamp(remaining / 10, kMinAnswerMargin, kMaxAnswerMargin);
}

lambda::InvocationContext UpstreamContext(const lambda::InvocationContext& context,
                                          const base::Clock& clock) {
  lambda::InvocationContext upstream = context;
  upstream.deadline = context.deadline.Earlier(AnswerMargin(context.deadline.Remaining(clock)));
  return upstream;
}

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

bool UsedByModel(const ForecastResult& result, std::string_view name) {
  return std::any_of(result.features.begin(), result.features.end(),
                     [&](const FeatureValue& f) { return f.name == name; });
}

std::vector<providers::Place> Suggestions(const ForecastQuery& query,
                                          const lambda::InvocationContext& context,
                                          const Services& services) {
  if (services.geocoder == nullptr) return {};
  return services.geocoder->Suggest(query.city, context);
}

std::string PlaceQuery(const providers::Place& p) {
  std::string out = p.name;
  if (!p.admin_area.empty()) out += ", " + p.admin_area;
  if (!p.country_code.empty()) out += ", " + p.country_code;
  return out;
}

std::string ModelSummary(const ModelUse& use, Prediction::Method method) {
  if (!use.home) {
    return "This model does not say where its training data came from: its skill here is unknown.";
  }
  const std::string where =
      use.distance_km ? FormatKm(*use.distance_km) + " away" : "distance unknown";
  if (method == Prediction::Method::kClimatology) {
    return "No model applies here. The nearest was trained for " + use.home->name + ", " + where +
           "; the answer is its climatology for the month, not a forecast, and its skill here is "
           "unknown.";
  }
  if (!use.applies) {
    return "Trained for " + use.home->name + ", " + where + " (it applies within " +
           FormatKm(use.home->applies_within_km) + "): its skill here is unknown.";
  }
  if (!use.skill) {
    return "Trained for " + use.home->name + ", " + where + ": its skill was not measured.";
  }
  char auc[16];
  std::snprintf(auc, sizeof auc, "%.2f", use.skill->roc_auc);
  const std::string rows =
      use.skill->rows_kind == "out-of-bag" ? "out-of-bag rows" : "held-out period";
  return "Trained for " + use.home->name + ", " + where + ": on its own " + rows + ", ROC AUC " +
         auc + " and Brier skill score " + FormatSigned(use.skill->brier_skill_score) +
         " against climatology.";
}

Result<ForecastResult> Forecast(const ForecastQuery& query,
                                const lambda::InvocationContext& context, const Services& services,
                                const base::Logger& log) {
  const base::Clock& clock = *services.clock;
  ForecastResult f;

  base::TimePoint t = clock.Now();
  RC_ASSIGN_OR_RETURN(f.place, services.geocoder->Geocode(query.city, context));
  f.timings.geocode_ms = ElapsedMs(clock, t);
  f.place_display_name = DisplayName(f.place);

  const ModelChoice choice = services.models->Choose(f.place.latitude, f.place.longitude);
  f.model = DescribeUse(choice);
  const OutsidePolicy outside = services.settings.outside;
  if (!choice.applies && outside == OutsidePolicy::kRefuse) {
    return Refusal(f.place_display_name, f.model);
  }
  const bool use_climatology = !choice.applies && outside == OutsidePolicy::kClimatology;

  RC_RETURN_IF_ERROR(CheckTimeLeft(context, clock, "fetching the weather"));
  t = clock.Now();
  RC_ASSIGN_OR_RETURN(f.observation, services.weather->Current(f.place, context));
  f.timings.weather_ms = ElapsedMs(clock, t);

  const forest::ModelInfo& info = choice.model->info();
  if (use_climatology) {
    const std::optional<double> p = ClimatologyFor(info, f.observation.local_date);
    if (!p) {
      return Status::FailedPrecondition("no model applies here and the nearest has no climatology");
    }
    f.prediction.probability = *p;
    f.prediction.method = Prediction::Method::kClimatology;
  } else {
    RC_ASSIGN_OR_RETURN(f.prediction.probability,
                        PredictWithModel(*choice.model, f.observation, f.place, &f.features));
  }
  f.prediction.threshold = services.settings.rain_threshold;
  f.prediction.rain = f.prediction.probability >= f.prediction.threshold;
  f.model.summary = ModelSummary(f.model, f.prediction.method);

  if (choice.applies) f.baselines.climatology = ClimatologyFor(info, f.observation.local_date);
  f.baselines.forecast_probability = f.observation.precipitation_probability_tomorrow;
  f.baselines.forecast_source = f.observation.source;

  t = clock.Now();
  f.record = StoreRecord(query, context, services, f, log);
  if (f.record.kind == RecordOutcome::Kind::kWritten) f.timings.record_ms = ElapsedMs(clock, t);
  return f;
}

}  // namespace raincheck::app
