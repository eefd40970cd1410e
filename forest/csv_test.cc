#include "forest/csv.h"

#include <cmath>

#include <gtest/gtest.h>

namespace raincheck::forest {
namespace {

TEST(CsvTest, ParsesQuotesCrlfBomAndEmptyCells) {
  auto t = ParseCsv("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, \"\"y\"\"\",\r\n\r\n3,\"multi\nline\",z\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"1", "x, \"y\"", ""}));
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"3", "multi\nline", "z"}));
  EXPECT_EQ(t->line[0], 2u);
  EXPECT_EQ(t->line[1], 4u);
  EXPECT_EQ(t->ColumnIndex("c"), 2u);
  EXPECT_FALSE(t->ColumnIndex("d").has_value());
}

TEST(CsvTest, LastLineWithoutNewlineAndTrailingEmptyField) {
  auto t = ParseCsv("a,b\n1,");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0][1], "");
}

TEST(CsvTest, BadRowsNameTheirLine) {
  auto t = ParseCsv("a,b\n1,2\n1,2,3\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("line 3"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("expected 2 fields, found 3"), std::string::npos);

  auto u = ParseCsv("a,b\n1,2\n\"open,2\n3,4\n");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("line 3: unterminated"), std::string::npos) << u.status().message();

  auto v = ParseCsv("a,b\n1,x\"y\n");
  EXPECT_NE(v.status().message().find("line 2"), std::string::npos);
  auto w = ParseCsv("a,b\n\"1\"x,2\n");
  EXPECT_NE(w.status().message().find("after a closing quote"), std::string::npos);
}

TEST(CsvTest, HeaderProblems) {
  EXPECT_FALSE(ParseCsv("").ok());
  EXPECT_FALSE(ParseCsv("\n\n").ok());
  EXPECT_NE(ParseCsv("a,a\n").status().message().find("appears twice"), std::string::npos);
  EXPECT_NE(ParseCsv("a,,b\n").status().message().find("empty column name"), std::string::npos);
}

TEST(CsvTest, NumericCells) {
  EXPECT_TRUE(std::isnan(*ParseNumericCell("")));
  EXPECT_TRUE(std::isnan(*ParseNumericCell(" NaN ")));
  EXPECT_FLOAT_EQ(*ParseNumericCell(" 1027.76"), 1027.76f);
  EXPECT_FLOAT_EQ(*ParseNumericCell("-3e2"), -300.0f);
  EXPECT_FLOAT_EQ(*ParseNumericCell("+2"), 2.0f);
  EXPECT_FALSE(ParseNumericCell("12mm").has_value());
  EXPECT_FALSE(ParseNumericCell("inf").has_value());
  EXPECT_FALSE(ParseNumericCell("1e300").has_value());
  EXPECT_FALSE(ParseNumericCell("rain").has_value());
}

TEST(CsvTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadCsvFile("/nonexistent/file.csv").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace raincheck::forest
