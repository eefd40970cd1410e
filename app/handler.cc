#include "app/handler.h"

#include <utility>

#include "app/forecast.h"
#include "app/query.h"
#include "app/render.h"

namespace raincheck::app {

lambda::HttpResponse Handle(const lambda::HttpRequest& request,
                            const lambda::InvocationContext& context, const Services& services) {
  const base::Logger log = services.logger->ForRequest(context.request_id);
  switch (RouteFor(request)) {
    case Route::kPredict:
      return HandlePredict(request, context, *services.models, services.settings.predict, log);
    case Route::kModels:
      return HandleModels(request, context, *services.models, log);
    case Route::kForecast:
      break;
  }
  const Format format = ChooseFormat(request);
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    lambda::HttpResponse r = RenderError(Status::InvalidArgument("method not allowed; use GET"),
                                         context.request_id, format);
    r.status = 405;
    r.SetHeader("Allow", "GET, HEAD");
    log.Info("request refused", {{"status", r.status}});
    return r;
  }
  Result<ForecastQuery> query = ParseForecastQuery(request, services.settings.default_city);
  if (!query.ok()) {
    lambda::HttpResponse r = RenderError(query.status(), context.request_id, format);
    log.Info("request refused",
             {{"status", r.status}, {"reason", StatusCodeName(query.status().code())}});
    if (head) r.body.clear();
    return r;
  }
  // HEAD answers what GET would, but is no query to keep: it stores no record.
  Services head_services;
  if (head) {
    head_services = services;
    head_services.records = nullptr;
  }
  // Outside calls end the answer margin before the deadline, so the answer (a 504 included)
  // goes out before the platform kills the runtime.
  const lambda::InvocationContext upstream = UpstreamContext(context, *services.clock);
  Result<ForecastResult> result = Forecast(*query, upstream, head ? head_services : services, log);
  if (!result.ok()) {
    // An unknown city: the places it may have meant, as data the page can offer.
    const std::vector<providers::Place> suggestions =
        result.status().code() == StatusCode::kNotFound ? Suggestions(*query, upstream, services)
                                                        : std::vector<providers::Place>();
    lambda::HttpResponse r = RenderError(result.status(), context.request_id, format, suggestions);
    log.Info("request failed",
             {{"status", r.status}, {"reason", StatusCodeName(result.status().code())}});
    if (head) r.body.clear();
    return r;
  }
  const Timings& t = result->timings;
  nlohmann::json timings = {{"geocode_ms", t.geocode_ms}, {"weather_ms", t.weather_ms}};
  if (t.record_ms) timings["record_ms"] = *t.record_ms;
  const ForecastView view{context.request_id, std::move(query).value(), std::move(result).value()};
  lambda::HttpResponse r = RenderForecast(view, format);
  if (head) r.body.clear();
  log.Info("request answered", {{"status", r.status}, {"timings", timings}});
  return r;
}

Result<std::string> HandleEvent(std::string_view event_json,
                                const lambda::InvocationContext& context,
                                const Services& services) {
  RC_ASSIGN_OR_RETURN(lambda::HttpRequest request, lambda::ParseEvent(event_json));
  const lambda::HttpResponse response = Handle(request, context, services);
  return lambda::SerializeResponse(response, request.version);
}

}  // namespace raincheck::app
