// One forecast, step by step: the work behind a successful page, and its typed result.
#ifndef RAINCHECK_APP_FORECAST_H_
#define RAINCHECK_APP_FORECAST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/handler.h"
#include "app/query.h"
#include "forest/model_info.h"
#include "providers/types.h"

namespace raincheck::app {

// One input of the model as it was given: the value in the model's unit (none if missing).
struct FeatureValue {
  std::string name;
  std::string unit;
  std::optional<double> value;
};

struct Prediction {
  enum class Method { kModel, kClimatology };
  double probability = 0;  // P(rain tomorrow)
  bool rain = false;       // probability >= threshold
  double threshold = 0.5;
  Method method = Method::kModel;  // kClimatology: RAINCHECK_OUTSIDE=climatology, no model applied
};

// Which model answered and what it knows about this place.
struct ModelUse {
  std::string name, version;
  std::optional<forest::ModelHome> home;
  std::optional<double> distance_km;        // from the place to the home
  bool applies = false;                     // within home->applies_within_km
  std::optional<forest::ModelSkill> skill;  // on its own held-out (or out-of-bag) rows
  // The answer in words: "Trained for Seattle, 3,870 km away: its skill here is unknown."
  std::string summary;
};

// What the answer is compared with.
struct Baselines {
  // P(rain) for this place and month from the model's training history; only when the model
  // applies here (it knows nothing of another place's climate).
  std::optional<double> climatology;
  // The weather source's own P(precipitation tomorrow), and which source said it.
  std::optional<double> forecast_probability;
  std::string forecast_source;
};

struct RecordOutcome {
  enum class Kind { kOff, kWritten };
  Kind kind = Kind::kOff;
  bool stored = false;
  std::string state;  // store::WriteStateName, or "off"
  std::string key;
  std::string message;  // why it was not stored ("" when stored)
};

// Milliseconds spent per step (logged, never shown).
struct Timings {
  int64_t geocode_ms = 0, weather_ms = 0;
  std::optional<int64_t> record_ms;
};

struct ForecastResult {
  providers::Place place;
  std::string place_display_name;  // "Cape Town, Western Cape, South Africa"
  providers::Observation observation;
  std::vector<FeatureValue> features;
  Prediction prediction;
  ModelUse model;
  Baselines baselines;
  RecordOutcome record;
  Timings timings;
};

// The time kept back before an invocation's deadline to render and send the answer. The
// platform (and `raincheck invoke`'s emulator) kills the runtime at the deadline, so an answer
// sent at the deadline is lost as a timeout; outside calls (geocoder, weather, suggestions,
// records) must end this much earlier, and a hanging upstream ends in the function's own 504.
// A tenth of the time left when the request arrives (about the configured timeout), at most
// kMaxAnswerMargin, at least kMinAnswerMargin.
inline constexpr base::Millis kMinAnswerMargin{50};
inline constexpr base::Millis kMaxAnswerMargin{500};
base::Millis AnswerMargin(base::Millis remaining);

// `context` with its deadline moved AnswerMargin(context.deadline.Remaining(clock)) earlier: the
// context outside calls get.
lambda::InvocationContext UpstreamContext(const lambda::InvocationContext& context,
                                          const base::Clock& clock);

// Geocodes the query's city, chooses the model for the place, fetches the weather there, maps
// it to the model's features, predicts and stores a record. Returns the result or the first
// failure (OutOfRange when no model applies and the policy is to refuse). A failed record
// write is not a failure: the result says where the record went. Every outside call ends by
// context.deadline: pass UpstreamContext(invocation context), not the invocation's own.
Result<ForecastResult> Forecast(const ForecastQuery& query,
                                const lambda::InvocationContext& context, const Services& services,
                                const base::Logger& log);

// "Cape Town, Western Cape, South Africa": name, first-level division, country.
std::string DisplayName(const providers::Place& place);

// Whether the model's inputs include the observed quantity `name` (a feature of that name).
bool UsedByModel(const ForecastResult& result, std::string_view name);

// After Forecast failed with NotFound: the places the geocoder suggests for the query's city
// (none when it has no suggestions, or the city is found after all).
std::vector<providers::Place> Suggestions(const ForecastQuery& query,
                                          const lambda::InvocationContext& context,
                                          const Services& services);

// The query that finds `place` again: "Portland, Oregon, US"; "Paris, FR" when the first-level
// division has no name in the index.
std::string PlaceQuery(const providers::Place& place);

// The words for a model's use: "Trained for Seattle, 12 km away: measured skill ROC AUC 0.71,
// Brier skill score +0.12 on its own held-out period." / "... 3,870 km away: its skill here is
// unknown." Pure; exposed for tests.
std::string ModelSummary(const ModelUse& use, Prediction::Method method);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_FORECAST_H_
