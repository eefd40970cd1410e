#include "cli/function.h"

namespace raincheck::cli {

Function::Function(FunctionConfig config, base::Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)), http_(clock_) {}

Status Function::Init() {
  Result<forest::Model> model = forest::Model::Load(config_.model_path);
  if (!model.ok()) return model.status().WithContext("loading the model " + config_.model_path);
  model_.emplace(std::move(model).value());
  logger_.Info("model loaded", {{"path", config_.model_path},
                                {"name", model_->name()},
                                {"version", model_->version()},
                                {"features", model_->schema().size()}});
  RC_ASSIGN_OR_RETURN(providers_,
                      providers::MakeProviders(config_.providers, http_, clock_, logger_));
  RC_ASSIGN_OR_RETURN(records_, store::MakeRecordStore(config_.records, &http_, clock_));
  logger_.Info("records", {{"store", store::DescribeRecordsConfig(config_.records)}});

  services_.clock = &clock_;
  services_.logger = &logger_;
  services_.settings = config_.settings;
  services_.model = &*model_;
  services_.geocoder = providers_.geocoder.get();
  services_.weather = providers_.weather.get();
  services_.records = records_.get();
  return Status::Ok();
}

Result<std::unique_ptr<Function>> Function::Create(const base::EnvLookup& env,
                                                   base::Logger::Sink log_sink) {
  RC_ASSIGN_OR_RETURN(FunctionConfig config, LoadFunctionConfig(env));
  base::Logger logger = log_sink ? base::Logger(config.log_level, std::move(log_sink))
                                 : base::Logger(config.log_level);
  std::unique_ptr<Function> f(new Function(std::move(config), std::move(logger)));
  RC_RETURN_IF_ERROR(f->Init());
  return f;
}

Result<std::string> Function::Invoke(std::string_view event_json,
                                     const lambda::InvocationContext& context) const {
  return app::HandleEvent(event_json, context, services_);
}

}  // namespace raincheck::cli
