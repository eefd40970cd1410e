#include "local/emulator_invoker.h"

#include <nlohmann/json.hpp>

namespace raincheck::local {

Result<FunctionResult> EmulatorInvoker::Invoke(std::string event, const std::string& request_id) {
  InvokeOptions options;
  options.request_id = request_id;
  options.log_tail = false;  // API Gateway has no use for it
  RC_ASSIGN_OR_RETURN(InvokeResult r, emulator_->Invoke(std::move(event), options));
  FunctionResult out;
  out.function_error = !r.function_error.empty();
  if (out.function_error) {
    const nlohmann::json doc =
        nlohmann::json::parse(r.payload, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("errorType") && doc["errorType"].is_string()) {
      out.error_type = doc["errorType"].get<std::string>();
    } else {
      out.error_type = r.function_error;
    }
  }
  out.payload = std::move(r.payload);
  return out;
}

}  // namespace raincheck::local
