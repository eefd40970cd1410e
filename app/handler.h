// The rain-check function: API Gateway request in, HTML or JSON response out. A pure function
// of (request, context, services): no environment, no globals, no I/O of its own.
#ifndef RAINCHECK_APP_HANDLER_H_
#define RAINCHECK_APP_HANDLER_H_

#include <string>
#include <string_view>

#include "app/model_catalog.h"
#include "app/predict_api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "lambda/context.h"
#include "lambda/event.h"
#include "providers/interfaces.h"
#include "store/record_store.h"

namespace raincheck::app {

struct Settings {
  std::string default_city = "Cape Town";  // RAINCHECK_DEFAULT_CITY
  double rain_threshold = 0.5;             // RAINCHECK_RAIN_THRESHOLD: "rain" when p >= this
  OutsidePolicy outside = OutsidePolicy::kNearest;  // RAINCHECK_OUTSIDE
  // The longest a record write may take; the response never waits past the deadline.
  base::Millis record_budget{2000};
  PredictLimits predict;  // POST /predict's limits (app/predict_api.h)
};

// Everything the handler may use; owned by the caller and shared across invocations.
// Members must be thread-safe when the caller invokes concurrently. All are required except
// `records` (null: records are off).
struct Services {
  const base::Clock* clock = nullptr;
  const base::Logger* logger = nullptr;
  providers::Geocoder* geocoder = nullptr;
  providers::WeatherSource* weather = nullptr;
  const ModelCatalog* models = nullptr;  // chosen from per request by the place
  store::RecordSink* records = nullptr;
  Settings settings;
};

// Answers one request. POST /predict and GET /models go to the predict API (app/predict_api.h);
// every other path is the rain check: city -> place -> the model for the place -> observation ->
// features -> P(rain tomorrow) -> record -> page. Always returns a response: failures become error
// responses with the right status code and the request id (400 invalid city, 404 unknown city,
// 422 no model applies and the policy is to refuse, 502 upstream error, 503 upstream rate
// limit, 504 deadline), and nothing waits past context.deadline: outside calls end the answer
// margin (app/forecast.h, AnswerMargin) before it, so the answer goes out in time.
lambda::HttpResponse Handle(const lambda::HttpRequest& request,
                            const lambda::InvocationContext& context, const Services& services);

// Parses the event, handles it and serializes the response for the event's payload version.
// Fails (InvalidArgument) only when the event is not an API Gateway / Function URL event.
Result<std::string> HandleEvent(std::string_view event_json,
                                const lambda::InvocationContext& context, const Services& services);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_HANDLER_H_
