#include "providers/features.h"

#include <cmath>
#include <numbers>

#include "providers/units.h"

namespace raincheck::providers {

std::pair<double, double> SeasonEncoding(std::chrono::year_month_day local_date, double latitude) {
  using std::chrono::days;
  using std::chrono::sys_days;
  const auto jan1 =
      std::chrono::year_month_day(local_date.year(), std::chrono::January, std::chrono::day(1));
  const auto day_of_year = (sys_days(local_date) - sys_days(jan1)).count() + 1;
  const double phase = 2.0 * std::numbers::pi * static_cast<double>(day_of_year - 1) / 365.25;
  const double sign = latitude >= 0 ? 1.0 : -1.0;
  return {sign * std::cos(phase), sign * std::sin(phase)};
}

namespace {

// A model trained without --units records "unspecified" (or a unit this build does not know):
// nothing can be converted to it, and guessing would be silently wrong. Says how to fix it.
bool KnownUnit(std::string_view unit) { return CanonicalUnit(unit).ok(); }

Status UnknownModelUnit(const FeatureSpec& spec, std::string_view supplier,
                        std::string_view supplied_unit) {
  return Status::FailedPrecondition(
      "feature '" + spec.name + "': the model records no known unit for it ('" + spec.unit +
      "'); train it with --units " + spec.name + "=UNIT (" + std::string(supplier) + " supplies " +
      std::string(supplied_unit) + ")");
}

}  // namespace

Result<std::vector<float>> MapFeatures(const Observation& observation, const Place& place,
                                       const std::vector<FeatureSpec>& schema) {
  std::vector<float> out;
  out.reserve(schema.size());
  for (const auto& spec : schema) {
    double value = 0;
    if (spec.name == kSeasonCos || spec.name == kSeasonSin) {
      if (!observation.local_date.ok()) {
        return Status::FailedPrecondition("the model needs '" + spec.name +
                                          "', but the observation has no valid local date");
      }
      if (!KnownUnit(spec.unit)) return UnknownModelUnit(spec, "the function", "1");
      auto unit = ConvertUnit(1.0, "1", spec.unit);
      if (!unit.ok()) {
        return Status::FailedPrecondition("feature '" + spec.name +
                                          "': " + unit.status().message());
      }
      const auto [c, s] = SeasonEncoding(observation.local_date, place.latitude);
      value = spec.name == kSeasonCos ? c : s;
    } else {
      const Quantity* q = observation.Find(spec.name);
      if (q == nullptr) {
        return Status::FailedPrecondition("the model needs '" + spec.name + "' (" + spec.unit +
                                          "), which " + observation.source + " does not supply");
      }
      if (!KnownUnit(spec.unit)) return UnknownModelUnit(spec, observation.source, q->unit);
      auto converted = ConvertUnit(q->value, q->unit, spec.unit);
      if (!converted.ok()) {
        return Status::FailedPrecondition("feature '" + spec.name +
                                          "': " + converted.status().message());
      }
      value = *converted;
    }
    if (!std::isfinite(value)) {
      return Status::FailedPrecondition("feature '" + spec.name + "' is not a finite number");
    }
    out.push_back(static_cast<float>(value));
  }
  return out;
}

}  // namespace raincheck::providers
