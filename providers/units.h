// Physical units of weather quantities and conversions between them.
//
// Canonical spellings (aliases in parentheses):
//   temperature  degC (°C, C, celsius)  degF (°F, F, fahrenheit)  K (kelvin)
//   speed        m/s (ms, mps)  km/h (kmh, kph)  mph  kn (kt, knots)
//   length       m  km  mile (mi, miles)  mm  cm  inch (in, inches)
//   rate         mm/h  inch/h (in/h)
//   ratio        fraction  percent (%)
//   pressure     hPa (mbar, mb, millibar)  Pa  kPa
//   angle        degree (°, deg)
//   ozone        dobson (DU)
//   pure number  1 (index, empty string)
// Names compare exactly, except that the aliases above are accepted.
#ifndef RAINCHECK_PROVIDERS_UNITS_H_
#define RAINCHECK_PROVIDERS_UNITS_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace raincheck::providers {

// The canonical spelling of `unit`; InvalidArgument for an unknown unit.
Result<std::string> CanonicalUnit(std::string_view unit);

// `value` in `from` expressed in `to`. InvalidArgument naming the unit when either is unknown,
// or naming both when they measure different things (degC -> mm).
Result<double> ConvertUnit(double value, std::string_view from, std::string_view to);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_UNITS_H_
