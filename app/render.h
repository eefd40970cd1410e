// Turns the handler's results into HTML pages and JSON documents. Every value placed in
// HTML is escaped; JSON keeps Unicode text unchanged.
#ifndef RAINCHECK_APP_RENDER_H_
#define RAINCHECK_APP_RENDER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "app/query.h"
#include "base/status.h"
#include "lambda/event.h"

namespace raincheck::app {

// The facts of one answered query; JSON-shaped so that HTML and JSON show the same things.
struct ForecastView {
  std::string request_id;
  ForecastQuery query;
  nlohmann::json facts = nlohmann::json::object();  // everything else the handler learned
};

// Takes the view by value: the JSON answer is its facts, moved, plus three fields.
lambda::HttpResponse RenderForecast(ForecastView view, Format format);

// An error response: status from the Status code, a clear message, the request id.
lambda::HttpResponse RenderError(const Status& status, const std::string& request_id,
                                 Format format);

// InvalidArgument 400, NotFound 404, Unavailable / PermissionDenied 502,
// ResourceExhausted 503, DeadlineExceeded 504, anything else 500. A 500's message is shown
// only for FailedPrecondition (the model needs a feature the weather source cannot supply).
int HttpStatusFor(const Status& status);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_RENDER_H_
