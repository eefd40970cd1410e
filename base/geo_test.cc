#include "base/geo.h"

#include <gtest/gtest.h>

namespace raincheck::base {
namespace {

TEST(GreatCircleKmTest, ZeroForTheSamePoint) {
  EXPECT_DOUBLE_EQ(GreatCircleKm(47.61, -122.33, 47.61, -122.33), 0.0);
}

TEST(GreatCircleKmTest, KnownCityPairs) {
  // Seattle -> New York: about 3,870 km along the great circle.
  EXPECT_NEAR(GreatCircleKm(47.6062, -122.3321, 40.7128, -74.0060), 3866.0, 15.0);
  // Cape Town -> Johannesburg: about 1,260 km.
  EXPECT_NEAR(GreatCircleKm(-33.9249, 18.4241, -26.2041, 28.0473), 1263.0, 10.0);
  // One degree of latitude is about 111.2 km.
  EXPECT_NEAR(GreatCircleKm(0, 0, 1, 0), 111.19, 0.05);
}

TEST(GreatCircleKmTest, SymmetricAndAcrossTheAntimeridian) {
  EXPECT_DOUBLE_EQ(GreatCircleKm(10, 20, -30, 40), GreatCircleKm(-30, 40, 10, 20));
  // 179 E to 179 W is 2 degrees of longitude on the equator, not 358.
  EXPECT_NEAR(GreatCircleKm(0, 179, 0, -179), 222.4, 0.2);
}

TEST(GreatCircleKmTest, AntipodesAreHalfTheCircumference) {
  EXPECT_NEAR(GreatCircleKm(0, 0, 0, 180), 20015.1, 0.5);
  EXPECT_NEAR(GreatCircleKm(90, 0, -90, 0), 20015.1, 0.5);
}

TEST(GreatCircleKmTest, PreparedPointsAndRadiiAgreeWithTheDistance) {
  const GeoPoint seattle = GeoPoint::FromDegrees(47.6062, -122.3321);
  const GeoPoint tacoma = GeoPoint::FromDegrees(47.2529, -122.4443);
  EXPECT_DOUBLE_EQ(KmOfHaversine(Haversine(seattle, tacoma)),
                   GreatCircleKm(47.6062, -122.3321, 47.2529, -122.4443));
  EXPECT_NEAR(KmOfHaversine(HaversineOfKm(300.0)), 300.0, 1e-9);
  EXPECT_LT(Haversine(seattle, tacoma), HaversineOfKm(300.0));  // 40 km is within 300 km
  EXPECT_DOUBLE_EQ(HaversineOfKm(1e9), 1.0);
}

}  // namespace
}  // namespace raincheck::base
