#include "function/config.h"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"

namespace raincheck::function {

namespace {

// The directory of the running executable (bin/ in a build tree, the function's root on Lambda).
std::optional<std::filesystem::path> ExecutableDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path();
}

std::string NonEmpty(const base::EnvLookup& env, const char* name) {
  const auto v = env(name);
  return v ? std::string(base::Trim(*v)) : std::string();
}

Status ReadModelSettings(const base::EnvLookup& env, FunctionConfig* config) {
  config->models_dir = NonEmpty(env, "RAINCHECK_MODELS");
  config->model_path = NonEmpty(env, "RAINCHECK_MODEL");
  if (!config->models_dir.empty() && !config->model_path.empty()) {
    return Status::InvalidArgument(
        "RAINCHECK_MODELS and RAINCHECK_MODEL are both set: use one (a directory or one file)");
  }
  const std::string skip = NonEmpty(env, "RAINCHECK_MODELS_SKIP_BAD");
  if (skip != "" && skip != "0" && skip != "1") {
    return Status::InvalidArgument("RAINCHECK_MODELS_SKIP_BAD must be 0 or 1");
  }
  config->skip_bad_models = skip == "1";
  if (const std::string outside = NonEmpty(env, "RAINCHECK_OUTSIDE"); !outside.empty()) {
    Result<app::OutsidePolicy> policy = app::ParseOutsidePolicy(outside);
    if (!policy.ok()) return policy.status().WithContext("RAINCHECK_OUTSIDE");
    config->settings.outside = *policy;
  }
  if (!config->models_dir.empty() || !config->model_path.empty()) return Status::Ok();
  if (Result<std::string> dir = DefaultModelsDir(); dir.ok()) {
    config->models_dir = *dir;
    return Status::Ok();
  }
  for (const std::string& candidate : DefaultModelCandidates()) {
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) {
      config->model_path = candidate;
      return Status::Ok();
    }
  }
  return Status::NotFound(
      "no model: set RAINCHECK_MODELS or RAINCHECK_MODEL, or build the default models "
      "(scripts/setup.sh)");
}

}  // namespace

Result<FunctionConfig> LoadFunctionConfig(const base::EnvLookup& env) {
  FunctionConfig config;
  if (const auto level = env("RAINCHECK_LOG_LEVEL")) {
    Result<base::LogLevel> parsed = base::ParseLogLevel(*level);
    if (!parsed.ok()) return parsed.status().WithContext("RAINCHECK_LOG_LEVEL");
    config.log_level = *parsed;
  }
  if (const auto city = env("RAINCHECK_DEFAULT_CITY")) {
    const std::string_view trimmed = base::Trim(*city);
    if (trimmed.empty() || !base::IsValidUtf8(trimmed) || base::HasControlCharacters(trimmed)) {
      return Status::InvalidArgument("RAINCHECK_DEFAULT_CITY must be a non-empty city name");
    }
    config.settings.default_city = std::string(trimmed);
  }
  if (const auto t = env("RAINCHECK_RAIN_THRESHOLD")) {
    char* end = nullptr;
    const std::string text(base::Trim(*t));
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(v > 0.0 && v < 1.0)) {
      return Status::InvalidArgument("RAINCHECK_RAIN_THRESHOLD must be a number between 0 and 1");
    }
    config.settings.rain_threshold = v;
  }
  RC_RETURN_IF_ERROR(ReadModelSettings(env, &config));
  Result<providers::ProvidersConfig> providers = providers::ParseProvidersConfig(env);
  if (!providers.ok()) return providers.status();
  config.providers = std::move(providers).value();
  Result<store::RecordsConfig> records = store::ParseRecordsConfig(env);
  if (!records.ok()) return records.status();
  config.records = std::move(records).value();
  return config;
}

std::vector<std::string> DefaultModelCandidates() {
  std::vector<std::string> out;
  if (const auto dir = ExecutableDir()) out.push_back((*dir / "model.rcf").string());
  out.emplace_back("/opt/raincheck/model.rcf");
  out.emplace_back(RAINCHECK_DEFAULT_MODEL_PATH);
  return out;
}

std::vector<std::string> DefaultModelsDirCandidates() {
  std::vector<std::string> out;
  const auto dir = ExecutableDir();
  if (dir) out.push_back((*dir / "models").string());
  out.emplace_back("/opt/raincheck/models");
  if (dir) out.push_back((dir->parent_path() / "models").string());
  out.emplace_back(RAINCHECK_DEFAULT_MODELS_DIR);
  return out;
}

Result<std::string> DefaultModelsDir() {
  for (const std::string& candidate : DefaultModelsDirCandidates()) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
  }
  return Status::NotFound(
      "no models directory: set RAINCHECK_MODELS, or build the default models (scripts/setup.sh)");
}

namespace {

std::string InWorkingDirectory(const char* name) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) return std::string("./") + name;
  return (cwd / name).lexically_normal().string();
}

}  // namespace

std::string DefaultLocalRecordsDir() { return InWorkingDirectory("records"); }

std::string DefaultLocalSpoolDir() { return InWorkingDirectory("records-spool"); }

std::string SetLocalRecordsDefaults(const base::EnvLookup& env,
                                    std::map<std::string, std::string>* overrides) {
  std::string records = NonEmpty(env, "RAINCHECK_RECORDS");
  if (records.empty()) {
    records = "dir:" + DefaultLocalRecordsDir();
    (*overrides)["RAINCHECK_RECORDS"] = records;
  }
  if (NonEmpty(env, "RAINCHECK_SPOOL").empty()) {
    (*overrides)["RAINCHECK_SPOOL"] = DefaultLocalSpoolDir();
  }
  return records;
}

std::string DefaultTemplatePath() {
  for (const char* candidate : {"dist/template.yaml", "template.yaml"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return "";
}

Result<std::map<std::string, std::string>> ReadEnvVarsFile(const std::string& path,
                                                           const std::string& function_id) {
  Result<std::string> text = base::ReadFile(path);
  if (!text.ok()) return Status::InvalidArgument("--env-vars " + path + ": cannot be read");
  const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const std::string shape =
      "--env-vars " + path +
      ": must be a JSON object like {\"Parameters\": {\"NAME\": \"value\"}} or keyed by the "
      "function's logical id";
  if (!doc.is_object()) return Status::InvalidArgument(shape);
  std::map<std::string, std::string> out;
  for (const char* key : {"Parameters", function_id.c_str()}) {
    if (!doc.contains(key)) continue;
    const nlohmann::json& vars = doc.at(key);
    if (!vars.is_object()) return Status::InvalidArgument(shape);
    for (const auto& [name, value] : vars.items()) {
      if (name.empty() || name.find('=') != std::string::npos) {
        return Status::InvalidArgument("--env-vars " + path +
                                       ": a variable name is empty or holds '='");
      }
      if (value.is_string()) {
        out[name] = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        out[name] = value.dump();
      } else if (!value.is_null()) {
        return Status::InvalidArgument("--env-vars " + path + ": " + name +
                                       " must be a string, a number or a boolean");
      }
    }
  }
  return out;
}

void SetModelsDir(const std::string& dir, std::map<std::string, std::string>* overrides) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  (*overrides)["RAINCHECK_MODELS"] = ec ? dir : absolute.lexically_normal().string();
  (*overrides)["RAINCHECK_MODEL"] = "";
}

void SetVariable(const std::string& name, const std::string& value,
                 std::vector<std::pair<std::string, std::string>>* environment) {
  std::erase_if(*environment, [&name](const auto& entry) { return entry.first == name; });
  environment->emplace_back(name, value);
}

}  // namespace raincheck::function
