// The generic predict API beside the rain check: POST /predict runs any model of the catalog
// on rows given as JSON, GET /models lists the models. Pure functions of (request, context,
// catalog), like app/handler.h: no environment, no I/O. The contract is in docs/import.md,
// "HTTP API".
#ifndef RAINCHECK_APP_PREDICT_API_H_
#define RAINCHECK_APP_PREDICT_API_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "app/model_catalog.h"
#include "base/log.h"
#include "base/status.h"
#include "forest/model.h"
#include "lambda/context.h"
#include "lambda/event.h"
#include "lambda/limits.h"

namespace raincheck::app {

inline constexpr std::string_view kPredictPath = "/predict";
inline constexpr std::string_view kModelsPath = "/models";

struct PredictLimits {
  size_t max_rows = 10000;
  // Lambda refuses larger synchronous payloads before the function runs; the local tools
  // do not, so the function checks too.
  size_t max_body_bytes = lambda::kMaxSyncRequestBytes;
};

// What part of the function a request is for, by its path: /predict, /models, or (every
// other path) the rain check. A named HTTP API (2.0) stage at the start of the path
// ("/prod/predict" with stage "prod") is skipped.
enum class Route { kForecast, kPredict, kModels };
Route RouteFor(const lambda::HttpRequest& request);

// A request body read against its model: the rows in the model's schema order.
struct PredictInput {
  const forest::Model* model = nullptr;
  size_t n_rows = 0;
  std::vector<float> rows;  // n_rows * model->schema().size(), row-major; NaN = missing
};

// Reads a body `{"model": NAME?, "rows": [{FEATURE: VALUE, ...}, ...]}` or
// `{"model": NAME?, "columns": [FEATURE, ...], "data": [[VALUE, ...], ...]}`. Values are
// numbers or null (a missing value); every feature of the model must be given in every row,
// and nothing else. With no "model" the catalog's only model is used. Errors, with a message
// that names the field ("rows[3].temp_max: not a number"): InvalidArgument for anything the
// caller got wrong (400), NotFound for an unknown model (404). Memory stays proportional to
// the rows: the body is read as a stream, never as a JSON tree, and reading stops at the
// first error.
Result<PredictInput> ParsePredictBody(std::string_view body, const ModelCatalog& models,
                                      const PredictLimits& limits);

// What the API says about a model: name, version, file, kind, classes, trees, features
// (name and unit) and, when the card has one, its home.
nlohmann::json ModelDescription(const ModelCatalog& models, size_t index);

// POST /predict: 200 {"model": {...}, "predictions": [...], "request_id"}, one prediction per
// row: {"class", "label", "probability"} for a classifier (plus "margin", the log-odds, for
// boosted trees), {"value"} for regression; 400 / 404 / 405 (Allow: POST) / 413 / 415 as JSON
// errors.
lambda::HttpResponse HandlePredict(const lambda::HttpRequest& request,
                                   const lambda::InvocationContext& context,
                                   const ModelCatalog& models, const PredictLimits& limits,
                                   const base::Logger& log);

// GET|HEAD /models: 200 {"models": [...], "default": NAME or null}; 405 (Allow: GET, HEAD).
lambda::HttpResponse HandleModels(const lambda::HttpRequest& request,
                                  const lambda::InvocationContext& context,
                                  const ModelCatalog& models, const base::Logger& log);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_PREDICT_API_H_
