#include "base/env.h"

#include <cstdio>
#include <cstdlib>
#include <random>

namespace raincheck::base {

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup OverlayEnv(std::map<std::string, std::string> overrides, EnvLookup fallback) {
  return [overrides = std::move(overrides),
          fallback = std::move(fallback)](std::string_view name) -> std::optional<std::string> {
    if (const auto it = overrides.find(std::string(name)); it != overrides.end()) return it->second;
    return fallback ? fallback(name) : std::nullopt;
  };
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = (rng() & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  const uint64_t lo = (rng() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace raincheck::base
