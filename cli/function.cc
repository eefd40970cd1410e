#include "cli/function.h"

namespace raincheck::cli {

Function::Function(FunctionConfig config, base::Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)) {
  services_.clock = &clock_;
  services_.logger = &logger_;
  services_.settings = config_.settings;
}

Result<std::unique_ptr<Function>> Function::Create(const base::EnvLookup& env,
                                                   base::Logger::Sink log_sink) {
  RC_ASSIGN_OR_RETURN(FunctionConfig config, LoadFunctionConfig(env));
  base::Logger logger = log_sink ? base::Logger(config.log_level, std::move(log_sink))
                                 : base::Logger(config.log_level);
  return std::unique_ptr<Function>(new Function(std::move(config), std::move(logger)));
}

Result<std::string> Function::Invoke(std::string_view event_json,
                                     const lambda::InvocationContext& context) const {
  return app::HandleEvent(event_json, context, services_);
}

}  // namespace raincheck::cli
