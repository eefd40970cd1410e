#include "store/record.h"

#include <gtest/gtest.h>

namespace raincheck::store {
namespace {

// 2026-11-28T02:16:05.123Z
const base::TimePoint kWhen = base::FromUnixMillis(1795832165123);

Record Sample() {
  Record r;
  r.timestamp = kWhen;
  r.city = "São Paulo";
  r.request_id = "8f2c-11aa";
  r.Set("temperature", 21.5);
  r.Set("summary", "Light rain, \"heavy\" later");
  r.Set("datetime", "2026-11-28T02:16:05Z");
  r.Set("prob_rain", 0.42);
  r.Set("pred_rain", false);
  r.Set("pressure", nullptr);
  r.Set("count", 3);
  return r;
}

TEST(Record, SetReplacesInPlaceAndKeepsOrder) {
  Record r = Sample();
  r.Set("prob_rain", 0.5);
  ASSERT_EQ(r.fields.size(), 7u);
  EXPECT_EQ(r.fields[3].first, "prob_rain");
  EXPECT_EQ(*r.Find("prob_rain"), 0.5);
  EXPECT_EQ(r.Find("missing"), nullptr);
}

TEST(RecordCsv, HeaderAndOneQuotedRow) {
  const auto csv = EncodeCsv(Sample());
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(*csv,
            "temperature,summary,datetime,prob_rain,pred_rain,pressure,count\r\n"
            "21.5,\"Light rain, \"\"heavy\"\" later\",2026-11-28T02:16:05Z,0.42,false,,3\r\n");
}

TEST(RecordCsv, QuotesNewlinesAndEdgeSpacesAndReplacesBadUtf8) {
  Record r;
  r.Set("city", "a\nb");
  r.Set("edge", " x");
  r.Set("bad", std::string("ok\xff"));
  const auto csv = EncodeCsv(r);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "city,edge,bad\r\n\"a\nb\",\" x\",ok\xEF\xBF\xBD\r\n");
}

TEST(RecordCsv, RefusesStructuredValues) {
  Record r;
  r.Set("nested", nlohmann::json::array({1, 2}));
  EXPECT_EQ(EncodeCsv(r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJsonLine(r).status().code(), StatusCode::kInvalidArgument);
}

TEST(RecordJsonLine, OneObjectInColumnOrder) {
  const auto line = EncodeJsonLine(Sample());
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line,
            "{\"temperature\":21.5,\"summary\":\"Light rain, \\\"heavy\\\" later\","
            "\"datetime\":\"2026-11-28T02:16:05Z\",\"prob_rain\":0.42,\"pred_rain\":false,"
            "\"pressure\":null,\"count\":3}\n");
  EXPECT_EQ(line->find('\n'), line->size() - 1);
}

TEST(RecordSlug, TransliteratesAndBounds) {
  EXPECT_EQ(CitySlug("São Paulo"), "sao-paulo");
  EXPECT_EQ(CitySlug("  Cape Town "), "cape-town");
  EXPECT_EQ(CitySlug("Zürich"), "zurich");
  EXPECT_EQ(CitySlug("Kraków"), "krakow");
  EXPECT_EQ(CitySlug("İstanbul"), "istanbul");
  EXPECT_EQ(CitySlug("Ærøskøbing"), "aeroskobing");
  EXPECT_EQ(CitySlug("Łódź"), "lodz");
  EXPECT_EQ(CitySlug("Straße"), "strasse");
  EXPECT_EQ(CitySlug("Cafe\xCC\x81"), "cafe");  // decomposed accent
  EXPECT_EQ(CitySlug("東京"), "unknown");
  EXPECT_EQ(CitySlug("Saint-Étienne/../etc"), "saint-etienne-etc");
  EXPECT_EQ(CitySlug(std::string("x\xff\xfey")), "x-y");
  EXPECT_EQ(CitySlug(""), "unknown");
  EXPECT_EQ(CitySlug(std::string(100, 'a')).size(), 40u);
  EXPECT_EQ(CitySlug(std::string(39, 'a') + " b"), std::string(39, 'a'));
}

TEST(RecordKey, SanitizesRequestIds) {
  EXPECT_EQ(SanitizeRequestId("8f2c-11aa"), "8f2c-11aa");
  EXPECT_EQ(SanitizeRequestId("../../etc/passwd"), "etc-passwd");
  EXPECT_EQ(SanitizeRequestId(""), "none");
  EXPECT_EQ(SanitizeRequestId(std::string(200, 'z')).size(), 64u);
}

TEST(RecordKey, DatePartitionUtcTimestampSlugAndRequestId) {
  // Tests run with TZ=America/Santiago: the key must still be UTC.
  EXPECT_EQ(RecordKey(Sample(), RecordFormat::kCsv),
            "dt=2026-11-28/20261128T021605.123Z_sao-paulo_8f2c-11aa.csv");
  EXPECT_EQ(RecordKey(Sample(), RecordFormat::kJsonLines),
            "dt=2026-11-28/20261128T021605.123Z_sao-paulo_8f2c-11aa.jsonl");
  EXPECT_TRUE(IsSafeKey(RecordKey(Sample(), RecordFormat::kCsv)));
}

TEST(RecordKey, KeysSortByTime) {
  Record a = Sample();
  Record b = Sample();
  b.timestamp = kWhen + std::chrono::milliseconds(1);
  Record c = Sample();
  c.timestamp = kWhen + std::chrono::hours(24);
  EXPECT_LT(RecordKey(a, RecordFormat::kCsv), RecordKey(b, RecordFormat::kCsv));
  EXPECT_LT(RecordKey(b, RecordFormat::kCsv), RecordKey(c, RecordFormat::kCsv));
}

TEST(RecordKey, SafeKeyCheck) {
  EXPECT_TRUE(IsSafeKey("dt=2026-11-28/x_y-1.csv"));
  EXPECT_FALSE(IsSafeKey(""));
  EXPECT_FALSE(IsSafeKey("/abs"));
  EXPECT_FALSE(IsSafeKey("a/../b"));
  EXPECT_FALSE(IsSafeKey("a//b"));
  EXPECT_FALSE(IsSafeKey("a b"));
  EXPECT_FALSE(IsSafeKey("a\\b"));
}

TEST(RecordFormatTest, Parses) {
  EXPECT_EQ(*ParseRecordFormat("CSV"), RecordFormat::kCsv);
  EXPECT_EQ(*ParseRecordFormat("jsonl"), RecordFormat::kJsonLines);
  EXPECT_FALSE(ParseRecordFormat("xml").ok());
}

TEST(EncodeRecordTest, CarriesKeyBodyAndType) {
  const auto e = EncodeRecord(Sample(), RecordFormat::kJsonLines);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->content_type, "application/x-ndjson");
  EXPECT_EQ(e->key.substr(e->key.size() - 6), ".jsonl");
  EXPECT_EQ(e->body.back(), '\n');
}

}  // namespace
}  // namespace raincheck::store
