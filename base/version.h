#ifndef RAINCHECK_BASE_VERSION_H_
#define RAINCHECK_BASE_VERSION_H_

namespace raincheck {
// The project version from CMake (project(... VERSION ...)).
inline constexpr const char* kVersion = RAINCHECK_VERSION;
}  // namespace raincheck

#endif  // RAINCHECK_BASE_VERSION_H_
