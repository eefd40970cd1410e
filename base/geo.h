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

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_GEO_H_
