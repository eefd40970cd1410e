#include "providers/units.h"

#include <gtest/gtest.h>

namespace raincheck::providers {
namespace {

double Conv(double v, const char* from, const char* to) {
  auto r = ConvertUnit(v, from, to);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : 0;
}

TEST(UnitsTest, Temperature) {
  EXPECT_NEAR(Conv(100, "degC", "degF"), 212, 1e-9);
  EXPECT_NEAR(Conv(32, "degF", "degC"), 0, 1e-9);
  EXPECT_NEAR(Conv(-40, "degF", "degC"), -40, 1e-9);
  EXPECT_NEAR(Conv(273.15, "K", "degC"), 0, 1e-9);
  EXPECT_NEAR(Conv(20, "°C", "K"), 293.15, 1e-9);
  EXPECT_NEAR(Conv(62.3, "degF", "degF"), 62.3, 0);
}

TEST(UnitsTest, Speed) {
  EXPECT_NEAR(Conv(36, "km/h", "m/s"), 10, 1e-9);
  EXPECT_NEAR(Conv(10, "mph", "km/h"), 16.09344, 1e-9);
  EXPECT_NEAR(Conv(1, "kn", "km/h"), 1.852, 1e-9);
  EXPECT_NEAR(Conv(1, "m/s", "mph"), 2.2369362920544, 1e-9);
  EXPECT_NEAR(Conv(18, "kmh", "ms"), 5, 1e-9);
}

TEST(UnitsTest, LengthRatioPressureRate) {
  EXPECT_NEAR(Conv(10, "mile", "km"), 16.09344, 1e-9);
  EXPECT_NEAR(Conv(24140, "m", "mile"), 15.0, 0.001);
  EXPECT_NEAR(Conv(1, "inch", "mm"), 25.4, 1e-9);
  EXPECT_NEAR(Conv(67, "%", "fraction"), 0.67, 1e-12);
  EXPECT_NEAR(Conv(0.12, "fraction", "percent"), 12, 1e-12);
  EXPECT_NEAR(Conv(1014.8, "mb", "hPa"), 1014.8, 0);
  EXPECT_NEAR(Conv(101325, "Pa", "hPa"), 1013.25, 1e-9);
  EXPECT_NEAR(Conv(0.1, "inch/h", "mm/h"), 2.54, 1e-9);
  EXPECT_NEAR(Conv(3, "", "index"), 3, 0);
  EXPECT_NEAR(Conv(158, "°", "degree"), 158, 0);
}

TEST(UnitsTest, UnknownAndIncompatibleUnitsAreNamed) {
  auto unknown = ConvertUnit(1, "furlong", "km");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("furlong"), std::string::npos);
  auto incompatible = ConvertUnit(1, "degC", "mm");
  ASSERT_FALSE(incompatible.ok());
  EXPECT_NE(incompatible.status().message().find("degC"), std::string::npos);
  EXPECT_NE(incompatible.status().message().find("mm"), std::string::npos);
  EXPECT_FALSE(ConvertUnit(1, "dobson", "1").ok());
  EXPECT_FALSE(ConvertUnit(1, "inch", "inch/h").ok());
}

TEST(UnitsTest, CanonicalSpelling) {
  EXPECT_EQ(*CanonicalUnit("°C"), "degC");
  EXPECT_EQ(*CanonicalUnit("%"), "percent");
  EXPECT_EQ(*CanonicalUnit(""), "1");
  EXPECT_EQ(*CanonicalUnit("mi"), "mile");
  EXPECT_FALSE(CanonicalUnit("DEGC").ok());
}

}  // namespace
}  // namespace raincheck::providers
