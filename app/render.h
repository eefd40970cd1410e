// Turns the handler's results into HTML pages and JSON documents. Every value placed in
// HTML is escaped; JSON keeps Unicode text unchanged.
#ifndef RAINCHECK_APP_RENDER_H_
#define RAINCHECK_APP_RENDER_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/forecast.h"
#include "app/query.h"
#include "base/status.h"
#include "lambda/event.h"
#include "providers/types.h"

namespace raincheck::app {

// One answered query: what HTML and JSON both show.
struct ForecastView {
  std::string request_id;
  ForecastQuery query;
  ForecastResult result;
};

// The JSON answer (field names documented in docs/models.md, "The answer").
nlohmann::json ForecastJson(const ForecastView& view);

lambda::HttpResponse RenderForecast(const ForecastView& view, Format format);

// An error response: status from the Status code, a clear message, the request id. For an
// unknown city, `suggestions` are the places it may have meant: JSON `error.suggestions`
// (objects; see docs/models.md, "Errors"), links that ask again in HTML; the message then
// leaves out the geocoder's own "; did you mean: ..." list.
lambda::HttpResponse RenderError(const Status& status, const std::string& request_id, Format format,
                                 const std::vector<providers::Place>& suggestions = {});

// InvalidArgument 400, NotFound 404, OutOfRange 422, Unavailable / PermissionDenied 502,
// ResourceExhausted 503, DeadlineExceeded 504, anything else 500. A 500's message is shown
// only for FailedPrecondition (the model needs a feature the weather source cannot supply).
int HttpStatusFor(const Status& status);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_RENDER_H_
