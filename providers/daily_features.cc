#include "providers/daily_features.h"

#include "providers/features.h"

namespace raincheck::providers {

std::string DailyVariablesParam() {
  std::string out;
  for (const auto& v : kDailyVariables) {
    if (!out.empty()) out += ',';
    out += v.upstream;
  }
  return out;
}

std::vector<std::string> DailyFeatureNames() {
  std::vector<std::string> names;
  names.reserve(kDailyVariables.size() + 2);
  for (const auto& v : kDailyVariables) names.emplace_back(v.feature);
  names.emplace_back(kSeasonCos);
  names.emplace_back(kSeasonSin);
  return names;
}

}  // namespace raincheck::providers
