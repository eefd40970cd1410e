// Distances on the Earth's surface, for choosing the model nearest to a place.
#ifndef RAINCHECK_BASE_GEO_H_
#define RAINCHECK_BASE_GEO_H_

namespace raincheck::base {

// The mean Earth radius (IUGG), in kilometres.
inline constexpr double kEarthRadiusKm = 6371.0088;

// Great-circle distance in kilometres between two WGS84 points given in degrees (north and
// east positive), by the haversine formula on a sphere of radius kEarthRadiusKm: within 0.5 %
// of the ellipsoidal distance, which is plenty for "which model is nearest". Symmetric, 0 for
// the same point, never NaN for finite inputs.
double GreatCircleKm(double lat1, double lon1, double lat2, double lon2);

// A point prepared for many distance computations: radians and cos(latitude) computed once.
struct GeoPoint {
  double lat_rad = 0, lon_rad = 0, cos_lat = 1;
  static GeoPoint FromDegrees(double latitude, double longitude);
};
// The haversine h = sin^2(d / 2R) between two points, in [0, 1]. It grows with the distance d,
// so comparing h compares distances without the asin of KmOfHaversine.
double Haversine(const GeoPoint& a, const GeoPoint& b);
double KmOfHaversine(double h);
// The h of a distance in km (distances past half the circumference give 1).
double HaversineOfKm(double km);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_GEO_H_
