// What the platform tells the function about one invocation.
#ifndef RAINCHECK_LAMBDA_CONTEXT_H_
#define RAINCHECK_LAMBDA_CONTEXT_H_

#include <string>

#include "base/deadline.h"

namespace raincheck::lambda {

// A base::CallContext (request_id: Lambda-Runtime-Aws-Request-Id; deadline:
// Lambda-Runtime-Deadline-Ms, the epoch when missing) with the platform's other facts: an
// invocation is what the handler passes on to the services it calls.
struct InvocationContext : base::CallContext {
  std::string function_arn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;      // Lambda-Runtime-Trace-Id
};

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_CONTEXT_H_
