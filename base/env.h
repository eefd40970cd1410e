// Configuration comes from environment variables (the Lambda convention). Code that reads it
// takes an EnvLookup so that tests and CLI flags can supply their own values.
#ifndef RAINCHECK_BASE_ENV_H_
#define RAINCHECK_BASE_ENV_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace raincheck::base {

// Returns the value of a variable, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv). Empty values count as set.
EnvLookup ProcessEnv();

// `overrides` first, then `fallback`.
EnvLookup OverlayEnv(std::map<std::string, std::string> overrides, EnvLookup fallback);

// A random RFC 4122 version 4 UUID, for request ids.
std::string NewUuid();

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_ENV_H_
