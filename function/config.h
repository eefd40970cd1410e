// The function's configuration, read from environment variables (the Lambda convention).
// `invoke`, `bootstrap` and the local emulators read the same names; CLI flags override them.
#ifndef RAINCHECK_FUNCTION_CONFIG_H_
#define RAINCHECK_FUNCTION_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/handler.h"
#include "base/env.h"
#include "base/log.h"
#include "base/status.h"
#include "providers/config.h"
#include "store/config.h"

namespace raincheck::function {

struct FunctionConfig {
  base::LogLevel log_level = base::LogLevel::kInfo;  // RAINCHECK_LOG_LEVEL
  app::Settings settings;  // RAINCHECK_DEFAULT_CITY, RAINCHECK_RAIN_THRESHOLD, RAINCHECK_OUTSIDE
  // Exactly one of the two is set. RAINCHECK_MODELS: a directory of models; RAINCHECK_MODEL:
  // one model file (a directory of one). When neither is set: DefaultModelsDir(), else the
  // first of DefaultModelCandidates() that exists.
  std::string models_dir;
  std::string model_path;
  bool skip_bad_models = false;          // RAINCHECK_MODELS_SKIP_BAD=1: skip unloadable files, warn
  providers::ProvidersConfig providers;  // RAINCHECK_GEOCODER, RAINCHECK_WEATHER, ...
  store::RecordsConfig records;          // RAINCHECK_RECORDS, RAINCHECK_SPOOL, ...
};

// Single model files looked for when neither RAINCHECK_MODELS nor RAINCHECK_MODEL is set and
// no models directory exists, in order: model.rcf beside the executable and
// /opt/raincheck/model.rcf (packages made before models directories), and the default model
// this binary was built with.
std::vector<std::string> DefaultModelCandidates();

// Where the models directory is looked for when neither RAINCHECK_MODELS nor RAINCHECK_MODEL
// is set, in order: models/ beside the executable (function.zip), /opt/raincheck/models (the
// model layer), the build tree's models/ beside bin/, and the models directory this binary
// was built with (RAINCHECK_DEFAULT_MODELS_DIR).
std::vector<std::string> DefaultModelsDirCandidates();
// The first of DefaultModelsDirCandidates() that is a directory, or NotFound.
Result<std::string> DefaultModelsDir();

// `--models DIR` of the local verbs: RAINCHECK_MODELS=<DIR made absolute> and RAINCHECK_MODEL
// emptied (an empty variable counts as unset), so a RAINCHECK_MODEL of the shell does not
// conflict with it.
void SetModelsDir(const std::string& dir, std::map<std::string, std::string>* overrides);
// Sets NAME=VALUE in an environment list, replacing every earlier entry of that name.
void SetVariable(const std::string& name, const std::string& value,
                 std::vector<std::pair<std::string, std::string>>* environment);

// Where every local verb keeps records when RAINCHECK_RECORDS is unset: records/ in the
// working directory, as an absolute path. `invoke`, `start-api` and `start-lambda` write there
// (their bootstrap instances would otherwise take Lambda's /tmp/records) and `records` reads
// there, so what one verb wrote the next finds without flags.
std::string DefaultLocalRecordsDir();
// The spool beside it (RAINCHECK_SPOOL unset): records-spool/ in the working directory.
std::string DefaultLocalSpoolDir();
// Sets RAINCHECK_RECORDS=dir:DefaultLocalRecordsDir() and RAINCHECK_SPOOL=DefaultLocalSpoolDir()
// in `overrides` for those `env` leaves unset (or empty), and returns where records go, for the
// start-up line ("dir:/work/records", "s3://bucket/prefix", "off").
std::string SetLocalRecordsDefaults(const base::EnvLookup& env,
                                    std::map<std::string, std::string>* overrides);

// The SAM template `start-api` and `start-lambda` read when --template is not given: the one
// `raincheck package` writes (dist/template.yaml), else template.yaml, in the working
// directory; empty when neither exists (the built-in routes and settings then apply).
std::string DefaultTemplatePath();

// `--env-vars FILE` (invoke, start-api, start-lambda), in SAM CLI's JSON format:
//   {"Parameters": {"NAME": "value", ...}, "<FunctionLogicalId>": {"NAME": "value", ...}}
// "Parameters" applies to every function, the function's own object (function_id) beats it.
// Numbers and booleans become their text; null leaves a variable as it was. InvalidArgument
// (naming the file, never a value) when the file is unreadable or not such an object.
Result<std::map<std::string, std::string>> ReadEnvVarsFile(const std::string& path,
                                                           const std::string& function_id);

// InvalidArgument naming the variable when a value is unusable (never echoing secrets).
Result<FunctionConfig> LoadFunctionConfig(const base::EnvLookup& env);

}  // namespace raincheck::function

#endif  // RAINCHECK_FUNCTION_CONFIG_H_
