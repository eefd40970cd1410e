#include "app/query.h"

#include <gtest/gtest.h>

#include "app/test_support.h"

namespace raincheck::app {
namespace {

lambda::HttpRequest Request(const std::vector<std::pair<std::string, std::string>>& query,
                            const std::string& accept = "*/*") {
  auto r = lambda::ParseEvent(testing::HttpApiEvent(query, accept));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return *r;
}

TEST(QueryTest, MissingCityUsesTheDefault) {
  auto q = ParseForecastQuery(Request({}), "Cape Town");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->city, "Cape Town");
  EXPECT_TRUE(q->city_defaulted);
}

TEST(QueryTest, TrimsAndKeepsUnicodeNames) {
  for (const std::string city : {"S\xC3\xA3o Paulo", "Z\xC3\xBCrich", "\xE6\x9D\xB1\xE4\xBA\xAC",
                                 "Port-au-Prince", "N'Djamena", "Hong Kong"}) {
    auto q = ParseForecastQuery(Request({{"city", "  " + city + "\t"}}), "Cape Town");
    ASSERT_TRUE(q.ok()) << city << ": " << q.status().ToString();
    EXPECT_EQ(q->city, city);
    EXPECT_FALSE(q->city_defaulted);
  }
}

TEST(QueryTest, RefusesBadCities) {
  const std::vector<std::string> bad = {"",        "   ",     std::string(101, 'a'),
                                        "Par\nis", "Par\tis", std::string("Par\0is", 6),
                                        "\xFF\xFE"};
  for (const std::string& city : bad) {
    auto q = ParseForecastQuery(Request({{"city", city}}), "Cape Town");
    ASSERT_FALSE(q.ok()) << city;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  }
  // 100 code points of a 3-byte character are fine: the limit counts characters, not bytes.
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "\xE6\x9D\xB1";
  EXPECT_TRUE(ParseForecastQuery(Request({{"city", hundred}}), "x").ok());
  EXPECT_FALSE(ParseForecastQuery(Request({{"city", hundred + "a"}}), "x").ok());
}

TEST(QueryTest, RefusesSeveralCities) {
  auto q = ParseForecastQuery(Request({{"city", "Lima"}, {"city", "Paris"}}), "x");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("one city"), std::string::npos);
}

TEST(QueryTest, KeepsCommasInOneCity) {
  auto q = ParseForecastQuery(Request({{"city", "Paris, FR"}}), "x");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->city, "Paris, FR");
}

TEST(QueryTest, ChoosesFormat) {
  EXPECT_EQ(ChooseFormat(Request({})), Format::kHtml);
  EXPECT_EQ(ChooseFormat(Request({}, "application/json")), Format::kJson);
  EXPECT_EQ(ChooseFormat(Request({}, "text/html,application/json;q=0.9")), Format::kHtml);
  EXPECT_EQ(ChooseFormat(Request({{"format", "json"}})), Format::kJson);
  EXPECT_EQ(ChooseFormat(Request({{"format", "html"}}, "application/json")), Format::kHtml);
  EXPECT_FALSE(ParseForecastQuery(Request({{"format", "xml"}}), "x").ok());
}

}  // namespace
}  // namespace raincheck::app
