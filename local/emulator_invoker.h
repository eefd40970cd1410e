// The local API Gateway's way to the function through the Lambda emulator: each request's event
// is one synchronous invocation of a warm `bootstrap` instance.
#ifndef RAINCHECK_LOCAL_EMULATOR_INVOKER_H_
#define RAINCHECK_LOCAL_EMULATOR_INVOKER_H_

#include <string>

#include "local/api_gateway.h"
#include "local/emulator.h"

namespace raincheck::local {

class EmulatorInvoker : public FunctionInvoker {
 public:
  // `emulator` must be started and outlive this object.
  explicit EmulatorInvoker(Emulator* emulator) : emulator_(emulator) {}

  // Thread-safe. Function errors (handler error, crash, init error, timeout, oversized
  // response) are results with function_error set and Lambda's errorType ("Sandbox.Timedout"
  // for a timeout); the emulator's own errors (payload too large, shut down) are returned.
  Result<FunctionResult> Invoke(std::string event, const std::string& request_id) override;

 private:
  Emulator* emulator_;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_EMULATOR_INVOKER_H_
