#include "cli/config.h"

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
  return config;
}

}  // namespace raincheck::cli
