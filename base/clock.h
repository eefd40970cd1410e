// Wall-clock time behind an interface so that deadlines and timestamps are testable.
#ifndef RAINCHECK_BASE_CLOCK_H_
#define RAINCHECK_BASE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raincheck::base {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : ms_(ToMillis(start)) {}
  TimePoint Now() const override { return TimePoint(Millis(ms_.load())); }
  void Advance(Millis d) { ms_ += d.count(); }
  void Set(TimePoint t) { ms_ = ToMillis(t); }

 private:
  static int64_t ToMillis(TimePoint t) {
    return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> ms_;
};

// Milliseconds since the Unix epoch.
int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);
// "2026-11-28T02:09:43.123Z" (UTC, whatever TZ says).
std::string FormatIso8601Utc(TimePoint t);

// "2026-11-28" (ISO 8601 calendar date); "" for a date that is not ok().
std::string FormatIsoDate(std::chrono::year_month_day d);
// "2026-11-28" -> that date; nullopt unless exactly YYYY-MM-DD (ASCII digits) and a real date.
std::optional<std::chrono::year_month_day> ParseIsoDate(std::string_view s);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_CLOCK_H_
