#include "cli/config.h"

#include <cstdlib>
#include <filesystem>

#include "base/strings.h"

namespace raincheck::cli {

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
  if (const auto m = env("RAINCHECK_MODEL"); m && !base::Trim(*m).empty()) {
    config.model_path = std::string(base::Trim(*m));
  } else {
    for (const std::string& candidate : DefaultModelCandidates()) {
      std::error_code ec;
      if (std::filesystem::exists(candidate, ec)) {
        config.model_path = candidate;
        break;
      }
    }
    if (config.model_path.empty()) {
      return Status::NotFound("no model: set RAINCHECK_MODEL, or build the default model (scripts/setup.sh)");
    }
  }
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
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "model.rcf").string());
  out.emplace_back("/opt/raincheck/model.rcf");
  if (!ec) out.push_back((exe.parent_path().parent_path() / "models" / "default.rcf").string());
  out.emplace_back(RAINCHECK_DEFAULT_MODEL_PATH);
  return out;
}

std::vector<std::string> DefaultModelsDirCandidates() {
  std::vector<std::string> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "models").string());
  out.emplace_back("/opt/raincheck/models");
  if (!ec) out.push_back((exe.parent_path().parent_path() / "models").string());
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

}  // namespace raincheck::cli
