// One forecast, step by step: the work behind a successful page.
#ifndef RAINCHECK_APP_FORECAST_H_
#define RAINCHECK_APP_FORECAST_H_

#include <nlohmann/json.hpp>

#include "app/handler.h"
#include "app/query.h"

namespace raincheck::app {

// Geocodes the query's city, fetches the weather there, maps it to the model's features,
// predicts and stores a record. Returns the facts to render (place, observation, features,
// prediction, model, record) or the first failure. A failed record write is not a failure:
// the facts say where the record went.
Result<nlohmann::json> Forecast(const ForecastQuery& query,
                                const lambda::InvocationContext& context,
                                const Services& services, const base::Logger& log);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_FORECAST_H_
