// What the platform tells the function about one invocation.
#ifndef RAINCHECK_LAMBDA_CONTEXT_H_
#define RAINCHECK_LAMBDA_CONTEXT_H_

#include <chrono>
#include <string>

#include "base/clock.h"

namespace raincheck::lambda {

struct InvocationContext {
  std::string request_id;    // Lambda-Runtime-Aws-Request-Id
  base::TimePoint deadline;  // Lambda-Runtime-Deadline-Ms
  std::string function_arn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;      // Lambda-Runtime-Trace-Id

  // Time left before `deadline` as seen by `clock` (zero when it has passed).
  base::Millis Remaining(const base::Clock& clock) const {
    const auto left = std::chrono::duration_cast<base::Millis>(deadline - clock.Now());
    return left.count() > 0 ? left : base::Millis(0);
  }
};

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_CONTEXT_H_
