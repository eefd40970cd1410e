// The daily feature set shared by training and serving: one table names the Open-Meteo daily
// variables that the function reads from the forecast API (today's values, to predict
// tomorrow) and that `raincheck train --history openmeteo` downloads from the archive API (each
// past day's values, labelled with the next day's precipitation). Both sides build their
// requests and their feature names from this table only, so they cannot drift apart.
#ifndef RAINCHECK_PROVIDERS_DAILY_FEATURES_H_
#define RAINCHECK_PROVIDERS_DAILY_FEATURES_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace raincheck::providers {

// One daily aggregate: the Open-Meteo variable and the feature (quantity) name it becomes.
// Units are whatever the response's daily_units block states, converted by providers/units.h.
struct DailyVariable {
  std::string_view upstream;  // "precipitation_sum"
  std::string_view feature;   // "precipitation"
};

inline constexpr std::array<DailyVariable, 4> kDailyVariables = {{
    {"precipitation_sum", "precipitation"},  // that day's total (mm)
    {"temperature_2m_max", "temp_max"},      // that day's maximum air temperature at 2 m
    {"temperature_2m_min", "temp_min"},      // that day's minimum
    {"wind_speed_10m_mean", "wind"},         // that day's mean wind speed at 10 m
}};

// The variable that labels history rows: the NEXT day's precipitation_sum >= a threshold.
inline constexpr std::string_view kLabelVariable = "precipitation_sum";

// "precipitation_sum,temperature_2m_max,...": the value of a `daily=` query parameter.
std::string DailyVariablesParam();

// The features of a model trained from daily history, in model order: the feature names of
// kDailyVariables, then season_cos and season_sin (providers/features.h).
std::vector<std::string> DailyFeatureNames();

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_DAILY_FEATURES_H_
