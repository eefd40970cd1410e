// Observation -> the feature vector a model expects (names and units from the model file).
#ifndef RAINCHECK_PROVIDERS_FEATURES_H_
#define RAINCHECK_PROVIDERS_FEATURES_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "providers/types.h"

namespace raincheck::providers {

// One input of a model: a quantity name and the unit the model was trained in.
struct FeatureSpec {
  std::string name;
  std::string unit;
};

// Features computed from the date and place rather than measured, unit "1":
//   season_cos, season_sin: phase = 2*pi*(day_of_year - 1)/365.25 of the local date;
//   cos(phase) and sin(phase) north of the equator (latitude >= 0), both negated south of it,
//   so that the same value means the same season in both hemispheres.
inline constexpr const char* kSeasonCos = "season_cos";
inline constexpr const char* kSeasonSin = "season_sin";

// {cos, sin} as described above.
std::pair<double, double> SeasonEncoding(std::chrono::year_month_day local_date, double latitude);

// The values of `schema`, in order, converted to each feature's unit.
// FailedPrecondition naming the feature when the observation lacks it ("the model needs
// 'ozone' (dobson), which openmeteo does not supply") or when its unit cannot be converted.
Result<std::vector<float>> MapFeatures(const Observation& observation, const Place& place,
                                       const std::vector<FeatureSpec>& schema);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_FEATURES_H_
