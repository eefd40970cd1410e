#include "base/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace raincheck::base {

GeoPoint GeoPoint::FromDegrees(double latitude, double longitude) {
  constexpr double kRad = std::numbers::pi / 180.0;
  return {latitude * kRad, longitude * kRad, std::cos(latitude * kRad)};
}

double Haversine(const GeoPoint& a, const GeoPoint& b) {
  const double s = std::sin((b.lat_rad - a.lat_rad) / 2.0);
  const double t = std::sin((b.lon_rad - a.lon_rad) / 2.0);
  // Rounding can push it a hair past 1 for antipodes.
  return std::clamp(s * s + a.cos_lat * b.cos_lat * t * t, 0.0, 1.0);
}

double KmOfHaversine(double h) { return 2.0 * kEarthRadiusKm * std::asin(std::sqrt(h)); }

double HaversineOfKm(double km) {
  const double s = std::sin(std::min(km / (2.0 * kEarthRadiusKm), std::numbers::pi / 2.0));
  return s * s;
}

double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  return KmOfHaversine(
      Haversine(GeoPoint::FromDegrees(lat1, lon1), GeoPoint::FromDegrees(lat2, lon2)));
}

}  // namespace raincheck::base
