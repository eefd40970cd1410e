#include "base/clock.h"

#include <charconv>
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

std::string FormatIsoDate(std::chrono::year_month_day d) {
  if (!d.ok()) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::optional<std::chrono::year_month_day> ParseIsoDate(std::string_view s) {
  auto number = [](std::string_view digits, int* out) {
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
    }
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
    return ec == std::errc() && ptr == digits.data() + digits.size();
  };
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !number(s.substr(0, 4), &y) ||
      !number(s.substr(5, 2), &m) || !number(s.substr(8, 2), &d)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

}  // namespace raincheck::base
