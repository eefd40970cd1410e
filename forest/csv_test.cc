#include "forest/csv.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>

#include "forest/csv_reader.h"
#include "forest/random.h"

namespace raincheck::forest {
namespace {

TEST(CsvTest, ParsesQuotesCrlfBomAndEmptyCells) {
  auto t = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b,c\r\n1,\"x, \"\"y\"\"\",\r\n\r\n3,\"multi\nline\",z\n");
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
  EXPECT_NE(u.status().message().find("line 3: unterminated"), std::string::npos)
      << u.status().message();

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

// Plain decimals take a fast path: it must give the float from_chars gives, on every shape.
TEST(CsvTest, NumericCellsAgreeWithFromChars) {
  Rng rng(31);
  auto reference = [](std::string_view s) -> std::optional<float> {
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return static_cast<float>(v);
  };
  for (int k = 0; k < 200000; ++k) {
    std::string s = rng.Below(2) ? "-" : "";
    const uint64_t before = rng.Below(10), after = rng.Below(12);
    for (uint64_t d = 0; d < before; ++d) s += static_cast<char>('0' + rng.Below(10));
    if (rng.Below(4) != 0) s += ".";
    for (uint64_t d = 0; d < after; ++d) s += static_cast<char>('0' + rng.Below(10));
    if (s.empty()) continue;  // a missing value, not a number
    const auto want = reference(s);
    const auto got = ParseNumericCell(s);
    ASSERT_EQ(got.has_value(), want.has_value()) << s;
    if (want) {
      ASSERT_EQ(std::bit_cast<uint32_t>(*got), std::bit_cast<uint32_t>(*want)) << s;
    }
  }
  EXPECT_EQ(*ParseNumericCell("0.1"), 0.1f);
  EXPECT_EQ(*ParseNumericCell("1."), 1.0f);
  EXPECT_EQ(*ParseNumericCell(".5"), 0.5f);
  EXPECT_TRUE(std::signbit(*ParseNumericCell("-0")));
  EXPECT_FALSE(ParseNumericCell("-").has_value());
  EXPECT_FALSE(ParseNumericCell(".").has_value());
  EXPECT_FALSE(ParseNumericCell("1.2.3").has_value());
}

TEST(CsvTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadCsvFile("/nonexistent/file.csv").status().code(), StatusCode::kNotFound);
}

// The character-at-a-time parser ParseCsv was before it was built on CsvCursor: the
// reference the cursor must agree with, record for record and error for error.
Result<CsvTable> ReferenceParse(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CsvTable table;
  std::vector<std::string> record;
  std::string field;
  size_t line = 1, record_line = 1, i = 0;
  const size_t n = text.size();
  auto error = [&](size_t at, const std::string& what) {
    return Status::InvalidArgument("CSV line " + std::to_string(at) + ": " + what);
  };
  auto finish_record = [&]() -> Status {
    record.push_back(std::move(field));
    field.clear();
    if (record.size() == 1 && record[0].empty()) {
      record.clear();
      return Status::Ok();
    }
    if (table.header.empty()) {
      std::set<std::string> seen;
      for (const std::string& h : record) {
        if (h.empty()) return error(record_line, "empty column name in the header");
        if (!seen.insert(h).second) return error(record_line, "column '" + h + "' appears twice");
      }
      table.header = std::move(record);
    } else {
      if (record.size() != table.header.size()) {
        return error(record_line, "expected " + std::to_string(table.header.size()) +
                                      " fields, found " + std::to_string(record.size()));
      }
      table.rows.push_back(std::move(record));
      table.line.push_back(record_line);
    }
    record.clear();
    return Status::Ok();
  };
  auto at_line_end = [&](size_t pos) {
    return pos < n && (text[pos] == '\n' || text[pos] == '\r');
  };
  while (i < n) {
    if (text[i] == '"') {
      const size_t quote_line = line;
      ++i;
      bool closed = false;
      while (i < n) {
        const char c = text[i];
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (c == '\n' || (c == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) ++line;
        field.push_back(c);
        ++i;
      }
      if (!closed) return error(quote_line, "unterminated quoted field");
      if (i < n && text[i] != ',' && !at_line_end(i)) {
        return error(line, "unexpected character after a closing quote");
      }
    } else {
      while (i < n && text[i] != ',' && !at_line_end(i)) {
        if (text[i] == '"') return error(line, "quote inside an unquoted field");
        field.push_back(text[i]);
        ++i;
      }
    }
    if (i >= n) break;
    if (text[i] == ',') {
      record.push_back(std::move(field));
      field.clear();
      ++i;
      if (i >= n) break;
      continue;
    }
    RC_RETURN_IF_ERROR(finish_record());
    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
    ++i;
    ++line;
    record_line = line;
  }
  if (!record.empty() || !field.empty()) RC_RETURN_IF_ERROR(finish_record());
  if (table.header.empty()) return Status::InvalidArgument("CSV has no header row");
  return table;
}

// Short texts over an alphabet that makes every record shape and every error likely.
std::string RandomCsv(Rng& rng) {
  static constexpr std::string_view kAlphabet[] = {
      "a", "1", "b", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "-2.5", "\xEF\xBB\xBF"};
  std::string text = rng.Below(4) == 0 ? "\xEF\xBB\xBF" : "";
  const uint64_t len = rng.Below(40);
  for (uint64_t k = 0; k < len; ++k) text += kAlphabet[rng.Below(std::size(kAlphabet))];
  return text;
}

void ExpectSameParse(const Result<CsvTable>& got, const Result<CsvTable>& want,
                     const std::string& text) {
  ASSERT_EQ(got.ok(), want.ok()) << testing::PrintToString(text) << " "
                                 << (got.ok() ? want.status() : got.status()).ToString();
  if (!want.ok()) {
    EXPECT_EQ(got.status().ToString(), want.status().ToString()) << testing::PrintToString(text);
    return;
  }
  EXPECT_EQ(got->header, want->header) << testing::PrintToString(text);
  EXPECT_EQ(got->rows, want->rows) << testing::PrintToString(text);
  EXPECT_EQ(got->line, want->line) << testing::PrintToString(text);
}

TEST(CsvTest, AgreesWithTheReferenceParserOnRandomTexts) {
  Rng rng(2024);
  for (int k = 0; k < 20000; ++k) {
    const std::string text = RandomCsv(rng);
    ExpectSameParse(ParseCsv(text), ReferenceParse(text), text);
    if (HasFailure()) return;
  }
}

// ParseCsv over the chunks of `text` as a stream would read them with `target` bytes per
// chunk: the header from the first chunk(s), then each chunk on its own, lines carried over.
std::string WriteText(const std::string& text) {
  std::string path = std::string(RAINCHECK_BINARY_DIR) + "/csv_chunks_test.csv";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

// `path` holds `text`.
Result<CsvTable> ParseInChunks(const std::string& path, const std::string& text, size_t target) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path);
  CsvChunker chunker(fd, target);
  CsvTable table;
  size_t lines_before = 0;
  std::string chunk;
  Status status;
  std::string joined;
  while ((status = chunker.Next(chunk)).ok() && !chunk.empty()) {
    joined += chunk;
    CsvCursor cursor(chunk);
    if (!table.header.empty()) cursor.expect_fields(table.header.size());
    CsvRecord record;
    CsvCursor::Step step;
    while ((step = cursor.Next(record)) == CsvCursor::Step::kRecord) {
      if (table.header.empty()) {
        status = CheckCsvHeader(record.fields, record.line + lines_before);
        if (!status.ok()) break;
        table.header.assign(record.fields.begin(), record.fields.end());
        cursor.expect_fields(table.header.size());
        continue;
      }
      table.rows.emplace_back(record.fields.begin(), record.fields.end());
      table.line.push_back(record.line + lines_before);
    }
    if (!status.ok()) break;
    if (step == CsvCursor::Step::kError) {
      status = cursor.issue().ToStatus(lines_before);
      break;
    }
    lines_before += cursor.line() - 1;
  }
  ::close(fd);
  if (!status.ok()) return status;
  // The chunks are the text, cut and nothing else (less a BOM at the very start).
  const std::string_view body =
      std::string_view(text).substr(text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0);
  if (joined != body) return Status::Internal("the chunks do not add up to the text");
  if (table.header.empty()) return Status::InvalidArgument("CSV has no header row");
  return table;
}

TEST(CsvTest, ChunksEndOnRecordBoundariesWhateverTheirSize) {
  Rng rng(77);
  for (int k = 0; k < 1000; ++k) {
    const std::string text = RandomCsv(rng);
    const std::string path = WriteText(text);
    for (size_t target : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{64}}) {
      ExpectSameParse(ParseInChunks(path, text, target), ReferenceParse(text), text);
      if (HasFailure()) return;
    }
  }
}

TEST(CsvTest, ChunksOfARealisticFileAgreeWithOneParse) {
  std::string text = "date,\"x\",y\r\n";
  Rng rng(5);
  for (int r = 0; r < 3000; ++r) {
    text += "2020-01-" + std::to_string(r % 28 + 1) + "," + std::to_string(rng.Below(1000)) + ",";
    text += r % 97 == 0 ? "\"multi\r\nline, \"\"quoted\"\"\"\r\n" : "0.25\r\n";
    if (r % 500 == 0) text += "\r\n";  // blank lines
  }
  const std::string path = WriteText(text);
  for (size_t target : {size_t{7}, size_t{100}, size_t{4096}, size_t{1} << 20}) {
    ExpectSameParse(ParseInChunks(path, text, target), ReferenceParse(text), text.substr(0, 80));
  }
}

TEST(CsvTest, CursorFieldsAreViewsAndQuotedEscapesAreUnescaped) {
  const std::string text = "1,\"a\"\"b\",\"c\"\n\n2,,\"\"\"\"\n";
  CsvCursor cursor(text, 10);
  cursor.expect_fields(3);
  CsvRecord r;
  ASSERT_EQ(cursor.Next(r), CsvCursor::Step::kRecord);
  EXPECT_EQ(r.fields, (std::vector<std::string_view>{"1", "a\"b", "c"}));
  EXPECT_EQ(r.line, 10u);
  EXPECT_EQ(r.fields[0].data(), text.data());  // no copy of a plain field
  ASSERT_EQ(cursor.Next(r), CsvCursor::Step::kRecord);
  EXPECT_EQ(r.fields, (std::vector<std::string_view>{"2", "", "\""}));
  EXPECT_EQ(r.line, 12u);
  EXPECT_EQ(cursor.Next(r), CsvCursor::Step::kEnd);
  EXPECT_EQ(cursor.line(), 13u);
  EXPECT_EQ(cursor.offset(), text.size());
}

TEST(CsvTest, ChunkerRefusesARecordLongerThanItsLimit) {
  const std::string path = std::string(RAINCHECK_BINARY_DIR) + "/csv_long_record.csv";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "a\n\"";  // a quote that never ends
    const std::string mib(size_t{1} << 20, 'x');
    for (size_t k = 0; k <= (CsvChunker::kMaxRecordBytes >> 20); ++k) out << mib;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  CsvChunker chunker(fd, 1 << 16);
  std::string chunk;
  ASSERT_TRUE(chunker.Next(chunk).ok());
  EXPECT_EQ(chunk, "a\n");
  const Status s = chunker.Next(chunk);
  ::close(fd);
  std::remove(path.c_str());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a record longer than 64 MiB"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace raincheck::forest
