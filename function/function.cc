#include "function/function.h"

namespace raincheck::function {

Function::Function(FunctionConfig config, base::Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)), http_(clock_) {}

Status Function::Init() {
  const bool dir = !config_.models_dir.empty();
  const std::string& where = dir ? config_.models_dir : config_.model_path;
  Result<app::ModelCatalog> models =
      dir ? app::ModelCatalog::LoadDirectory(where, config_.skip_bad_models, logger_)
          : app::ModelCatalog::LoadFile(where);
  if (!models.ok())
    return models.status().WithContext(dir ? "loading the models" : "loading the model");
  models_.emplace(std::move(models).value());
  for (const forest::Model& m : models_->models()) {
    // The home's name and coordinates are not logged: log lines carry no places.
    logger_.Info("model loaded", {{"name", m.name()},
                                  {"version", m.version()},
                                  {"has_home", m.info().home.has_value()},
                                  {"features", m.schema().size()}});
  }
  logger_.Info("models", {{"path", where},
                          {"count", models_->size()},
                          {"outside", app::OutsidePolicyName(config_.settings.outside)}});
  RC_ASSIGN_OR_RETURN(providers_,
                      providers::MakeProviders(config_.providers, http_, clock_, logger_));
  RC_ASSIGN_OR_RETURN(records_, store::MakeRecordStore(config_.records, &http_, clock_));
  logger_.Info("records", {{"store", store::DescribeRecordsConfig(config_.records)}});

  services_.clock = &clock_;
  services_.logger = &logger_;
  services_.settings = config_.settings;
  services_.models = &*models_;
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

}  // namespace raincheck::function
