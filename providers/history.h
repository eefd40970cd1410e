// Daily weather history of a place from Open-Meteo's Historical Weather API (keyless):
// GET {base_url}/v1/archive?latitude=&longitude=&start_date=&end_date=&daily=<the shared
// daily variables, providers/daily_features.h>&timezone=auto. What `raincheck train --history
// openmeteo` trains from.
#ifndef RAINCHECK_PROVIDERS_HISTORY_H_
#define RAINCHECK_PROVIDERS_HISTORY_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "http/client.h"

namespace raincheck::providers {

// Consecutive days of the shared daily variables at one place.
struct DailyHistory {
  std::vector<std::chrono::year_month_day> dates;  // consecutive, ascending
  // values[v][d]: kDailyVariables[v] on dates[d]; NaN where the archive has null.
  std::vector<std::vector<double>> values;
  std::vector<std::string> units;      // per variable, canonical (providers/units.h): "mm", "degC"
  std::string timezone;                // the archive's "timezone" (IANA)
  double latitude = 0, longitude = 0;  // the coordinates asked for
};

struct HistoryOptions {
  std::string base_url = "https://archive-api.open-meteo.com";  // RAINCHECK_OPENMETEO_ARCHIVE_URL
  // Where downloaded years are kept ("" = no cache). A year is cached only once it is complete
  // in the archive (it ends more than 7 days before today), so a re-run makes no request.
  std::string cache_dir;
  int max_attempts = 5;                          // per year, on 429 / 5xx / transport errors
  std::chrono::milliseconds first_backoff{500};  // doubled each retry; Retry-After when given
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::seconds request_timeout{60};
  // Waits between retries; injected so tests do not sleep (default: std::this_thread).
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Downloads [from, to] one calendar year per request (cache first), retrying 429 and 5xx with
// exponential backoff, and joins the years. Errors name the place, the years and the upstream
// status ("Open-Meteo archive: 2019 for Cape Town (-33.92, 18.42): HTTP 500 after 5 attempts"):
// Unavailable for upstream failures and malformed bodies, ResourceExhausted when 429 persists,
// InvalidArgument for from > to or dates the archive does not hold (before 1940, in the future).
// `place_name` is used in messages only.
Result<DailyHistory> FetchDailyHistory(const std::string& place_name, double latitude,
                                       double longitude, std::chrono::year_month_day from,
                                       std::chrono::year_month_day to,
                                       const HistoryOptions& options, http::Client& client,
                                       const base::Clock& clock, const base::Logger& logger);

// The training table of a history, as CSV text: a header `date,<DailyFeatureNames()...>,rain`
// and one row per day: the date (YYYY-MM-DD), the daily variables in `history.units`, the
// season encoding of that date at `history.latitude` (providers::SeasonEncoding, the same
// function serving uses) and rain = 1 when that day's precipitation >= rain_threshold_mm,
// else 0 (empty when unknown). Missing values are empty cells. Train with `--label rain
// --label-ahead 1` to predict tomorrow from today.
std::string HistoryCsv(const DailyHistory& history, double rain_threshold_mm);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_HISTORY_H_
