// Fuzz target: an Open-Meteo archive answer (GET /v1/archive) read by FetchDailyHistory for
// three days, then turned into the training CSV as `raincheck train --history` does.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "base/clock.h"
#include "fuzz/fake_http.h"
#include "providers/daily_features.h"
#include "providers/history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  using std::chrono::year;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  const base::ManualClock clock(std::chrono::sys_days(year(2026) / 12 / 1));
  providers::HistoryOptions options;
  options.base_url = "http://127.0.0.1:9";
  options.max_attempts = 1;
  options.sleep = [](std::chrono::milliseconds) {};
  const auto history =
      providers::FetchDailyHistory("Cape Town", -33.92, 18.42, year(2019) / 1 / 1,
                                   year(2019) / 1 / 3, options, client, clock, fuzz::QuietLogger());
  if (!history.ok()) {
    if (history.status().message().empty()) __builtin_trap();
    return 0;
  }
  // Three days of every variable, each in a unit.
  if (history->dates.size() != 3 || history->values.size() != providers::kDailyVariables.size() ||
      history->units.size() != history->values.size()) {
    __builtin_trap();
  }
  for (const auto& values : history->values) {
    if (values.size() != 3) __builtin_trap();
    for (double v : values) {
      if (std::isinf(v)) __builtin_trap();
    }
  }
  (void)providers::HistoryCsv(*history, 1.0);
  return 0;
}
