#include "providers/units.h"

#include <array>
#include <optional>

namespace raincheck::providers {
namespace {

enum class Dimension {
  kTemperature,
  kSpeed,
  kLength,
  kRate,
  kRatio,
  kPressure,
  kAngle,
  kOzone,
  kNumber
};

// value_in_base = value * scale + offset (the base of each dimension is its first unit).
struct Unit {
  std::string_view name;
  Dimension dimension;
  double scale;
  double offset;
};

constexpr std::array<Unit, 22> kUnits = {{
    {"degC", Dimension::kTemperature, 1.0, 0.0},
    {"degF", Dimension::kTemperature, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"K", Dimension::kTemperature, 1.0, -273.15},
    {"m/s", Dimension::kSpeed, 1.0, 0.0},
    {"km/h", Dimension::kSpeed, 1000.0 / 3600.0, 0.0},
    {"mph", Dimension::kSpeed, 1609.344 / 3600.0, 0.0},
    {"kn", Dimension::kSpeed, 1852.0 / 3600.0, 0.0},
    {"m", Dimension::kLength, 1.0, 0.0},
    {"km", Dimension::kLength, 1000.0, 0.0},
    {"mile", Dimension::kLength, 1609.344, 0.0},
    {"mm", Dimension::kLength, 0.001, 0.0},
    {"cm", Dimension::kLength, 0.01, 0.0},
    {"inch", Dimension::kLength, 0.0254, 0.0},
    {"mm/h", Dimension::kRate, 1.0, 0.0},
    {"inch/h", Dimension::kRate, 25.4, 0.0},
    {"fraction", Dimension::kRatio, 1.0, 0.0},
    {"percent", Dimension::kRatio, 0.01, 0.0},
    {"hPa", Dimension::kPressure, 1.0, 0.0},
    {"Pa", Dimension::kPressure, 0.01, 0.0},
    {"kPa", Dimension::kPressure, 10.0, 0.0},
    {"degree", Dimension::kAngle, 1.0, 0.0},
    {"dobson", Dimension::kOzone, 1.0, 0.0},
}};

constexpr Unit kNumber = {"1", Dimension::kNumber, 1.0, 0.0};

struct Alias {
  std::string_view alias;
  std::string_view name;
};

constexpr std::array<Alias, 27> kAliases = {{
    {"°C", "degC"},     {"C", "degC"},          {"celsius", "degC"}, {"°F", "degF"},
    {"F", "degF"},      {"fahrenheit", "degF"}, {"kelvin", "K"},     {"ms", "m/s"},
    {"mps", "m/s"},     {"kmh", "km/h"},        {"kph", "km/h"},     {"kt", "kn"},
    {"knots", "kn"},    {"mi", "mile"},         {"miles", "mile"},   {"in", "inch"},
    {"inches", "inch"}, {"in/h", "inch/h"},     {"%", "percent"},    {"mbar", "hPa"},
    {"mb", "hPa"},      {"millibar", "hPa"},    {"°", "degree"},     {"deg", "degree"},
    {"DU", "dobson"},   {"index", "1"},         {"", "1"},
}};

std::optional<Unit> Lookup(std::string_view unit) {
  for (const auto& a : kAliases) {
    if (a.alias == unit) {
      unit = a.name;
      break;
    }
  }
  if (unit == kNumber.name) return kNumber;
  for (const auto& u : kUnits) {
    if (u.name == unit) return u;
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> CanonicalUnit(std::string_view unit) {
  const auto u = Lookup(unit);
  if (!u) return Status::InvalidArgument("unknown unit '" + std::string(unit) + "'");
  return std::string(u->name);
}

Result<double> ConvertUnit(double value, std::string_view from, std::string_view to) {
  const auto f = Lookup(from);
  if (!f) return Status::InvalidArgument("unknown unit '" + std::string(from) + "'");
  const auto t = Lookup(to);
  if (!t) return Status::InvalidArgument("unknown unit '" + std::string(to) + "'");
  if (f->dimension != t->dimension) {
    return Status::InvalidArgument("cannot convert " + std::string(f->name) + " to " +
                                   std::string(t->name));
  }
  if (f->name == t->name) return value;
  const double base = value * f->scale + f->offset;
  return (base - t->offset) / t->scale;
}

}  // namespace raincheck::providers
