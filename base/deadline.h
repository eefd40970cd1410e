// The point in time one piece of work must be done by, and the scope of one call that carries
// it. Both the Lambda side (lambda/context.h: the platform's Lambda-Runtime-Deadline-Ms) and
// the services the handler calls (providers/, store/) see a deadline through this header, so
// that neither needs the other to know when to give up.
#ifndef RAINCHECK_BASE_DEADLINE_H_
#define RAINCHECK_BASE_DEADLINE_H_

#include <chrono>
#include <compare>
#include <string>

#include "base/clock.h"

namespace raincheck::base {

// A point in time read through an injected Clock. The default is the Unix epoch: a deadline
// that has always passed (what a missing or malformed platform deadline means: no time left).
// A plain value; cheap to copy.
class Deadline {
 public:
  constexpr Deadline() = default;
  // A deadline is its point in time: `ctx.deadline = clock.Now() + budget;` reads as meant.
  constexpr Deadline(TimePoint at) : at_(at) {}  // NOLINT(google-explicit-constructor)

  // `budget` after `clock`'s now.
  static Deadline After(const Clock& clock, Millis budget) { return clock.Now() + budget; }

  TimePoint at() const { return at_; }

  // Whole milliseconds left before the deadline as seen by `clock`; zero once it has passed
  // (never negative).
  Millis Remaining(const Clock& clock) const {
    const auto left = std::chrono::duration_cast<Millis>(at_ - clock.Now());
    return left.count() > 0 ? left : Millis(0);
  }
  // No whole millisecond left.
  bool Passed(const Clock& clock) const { return Remaining(clock).count() <= 0; }

  // The same deadline moved `margin` earlier (later when `margin` is negative).
  Deadline Earlier(Millis margin) const { return at_ - margin; }

  // clang-tidy 14 takes the 0 a defaulted <=> is compared with for a null pointer
  // (llvm/llvm-project#53961).
  // NOLINTNEXTLINE(modernize-use-nullptr)
  friend constexpr auto operator<=>(const Deadline&, const Deadline&) = default;

 private:
  TimePoint at_{};
};

// What every outside call is given: who asked (the request id its log lines carry; empty for a
// call outside any request) and when it must have answered. lambda::InvocationContext is one,
// with the platform's other facts beside it.
struct CallContext {
  std::string request_id;
  Deadline deadline;
};

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_DEADLINE_H_
