// What every provider promises about what it returns, whatever the upstream answered: checked
// by the fuzz targets of upstream answers (a broken promise traps, which the fuzzer reports).
#ifndef RAINCHECK_FUZZ_PROVIDER_CHECKS_H_
#define RAINCHECK_FUZZ_PROVIDER_CHECKS_H_

#include <cmath>

#include "base/status.h"
#include "providers/types.h"
#include "providers/units.h"

namespace raincheck::fuzz {

// A place has a name and coordinates on the globe.
inline void CheckPlace(const Result<providers::Place>& place) {
  if (!place.ok()) {
    if (place.status().message().empty()) __builtin_trap();
    return;
  }
  if (place->name.empty() || !std::isfinite(place->latitude) || !std::isfinite(place->longitude) ||
      std::fabs(place->latitude) > 90 || std::fabs(place->longitude) > 180) {
    __builtin_trap();
  }
}

// An observation has at least one finite quantity, each in a unit providers/units.h knows,
// and tomorrow's probability, when given, in [0, 1].
inline void CheckObservation(const Result<providers::Observation>& obs) {
  if (!obs.ok()) {
    if (obs.status().message().empty()) __builtin_trap();
    return;
  }
  if (obs->quantities.empty()) __builtin_trap();
  for (const auto& q : obs->quantities) {
    if (q.name.empty() || !std::isfinite(q.value) || !providers::CanonicalUnit(q.unit).ok()) {
      __builtin_trap();
    }
  }
  if (const auto& p = obs->precipitation_probability_tomorrow) {
    if (!(*p >= 0 && *p <= 1)) __builtin_trap();
  }
}

}  // namespace raincheck::fuzz

#endif  // RAINCHECK_FUZZ_PROVIDER_CHECKS_H_
