#include "base/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace raincheck::base {

double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = std::numbers::pi / 180.0;
  const double dlat = (lat2 - lat1) * kRad;
  const double dlon = (lon2 - lon1) * kRad;
  const double s = std::sin(dlat / 2.0);
  const double t = std::sin(dlon / 2.0);
  double h = s * s + std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * t * t;
  h = std::clamp(h, 0.0, 1.0);  // rounding can push it a hair past 1 for antipodes
  return 2.0 * kEarthRadiusKm * std::asin(std::sqrt(h));
}

}  // namespace raincheck::base
