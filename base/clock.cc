#include "base/clock.h"

#include <cstdio>
#include <ctime>

namespace raincheck::base {

int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

TimePoint FromUnixMillis(int64_t ms) { return TimePoint(Millis(ms)); }

std::string FormatIso8601Utc(TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  int64_t secs = ms / 1000;
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

}  // namespace raincheck::base
