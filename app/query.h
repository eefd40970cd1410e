// What a caller asks of the rain-check function: a city and a response format.
#ifndef RAINCHECK_APP_QUERY_H_
#define RAINCHECK_APP_QUERY_H_

#include <string>

#include "base/status.h"
#include "lambda/event.h"

namespace raincheck::app {

enum class Format { kHtml, kJson };

struct ForecastQuery {
  std::string city;             // trimmed, valid UTF-8, 1..kMaxCityLength code points, no controls
  bool city_defaulted = false;  // no `city` parameter: the configured default was used
};

inline constexpr size_t kMaxCityLength = 100;

// JSON when `format=json` or when Accept names application/json and not text/html;
// HTML otherwise (the original served HTML). Never fails: an unknown format value is
// reported by ParseForecastQuery, in HTML.
Format ChooseFormat(const lambda::HttpRequest& request);

// Reads `city` from the query string; when absent, `default_city`. InvalidArgument (a
// message safe to show) when the city is empty after trimming, longer than kMaxCityLength
// code points, not valid UTF-8, holds control characters, or is given more than once, and
// when `format` is neither html nor json.
Result<ForecastQuery> ParseForecastQuery(const lambda::HttpRequest& request,
                                         const std::string& default_city);

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_QUERY_H_
