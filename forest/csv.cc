#include "forest/csv.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "base/file.h"
#include "base/strings.h"
#include "forest/csv_reader.h"

namespace raincheck::forest {

std::optional<size_t> CsvTable::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

Result<CsvTable> ParseCsv(std::string_view text) {
  if (base::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  CsvCursor cursor(text);
  CsvRecord record;
  CsvCursor::Step step = cursor.Next(record);
  if (step == CsvCursor::Step::kError) return cursor.issue().ToStatus();
  if (step == CsvCursor::Step::kEnd) return Status::InvalidArgument("CSV has no header row");
  RC_RETURN_IF_ERROR(CheckCsvHeader(record.fields, record.line));
  table.header.assign(record.fields.begin(), record.fields.end());
  cursor.expect_fields(table.header.size());
  while ((step = cursor.Next(record)) == CsvCursor::Step::kRecord) {
    table.rows.emplace_back(record.fields.begin(), record.fields.end());
    table.line.push_back(record.line);
  }
  if (step == CsvCursor::Step::kError) return cursor.issue().ToStatus();
  return table;
}

Result<std::string> ReadFileToString(const std::string& path) {
  // A missing file is NotFound (base::ReadFile says IOError); "-" is a file's name here, as it
  // always was, not stdin.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return Status::NotFound(path + " does not exist");
  }
  return base::ReadFile(path == "-" ? "./-" : path);
}

Result<CsvTable> ReadCsvFile(const std::string& path) {
  RC_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto table = ParseCsv(text);
  if (!table.ok()) return table.status().WithContext(path);
  return table;
}

namespace {

// Clinger's fast path: a plain decimal ("-12.375") of at most 15 digits is an integer below
// 2^53 divided by a power of ten below 10^22, both exact in a double, so one correctly rounded
// division gives the correctly rounded value, the one from_chars gives. false: anything else
// (exponents, more digits, not a number), left to from_chars.
bool FastDecimal(std::string_view s, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  uint64_t mantissa = 0;
  int digits = 0, fraction = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p, ++digits) {
    mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
  }
  if (p < end && *p == '.') {
    for (++p; p < end && *p >= '0' && *p <= '9'; ++p, ++digits, ++fraction) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    }
  }
  if (p != end || digits == 0 || digits > 15) return false;
  const double v = static_cast<double>(mantissa) / kPow10[fraction];
  out = negative ? -v : v;
  return true;
}

}  // namespace

std::optional<float> ParseNumericCell(std::string_view cell) {
  // Most cells are plain numbers: a digit, '-' or '.' first and a digit or '.' last need no
  // trimming (every whitespace Trim removes starts and ends with another byte).
  const auto plain_first = [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == '.'; };
  const auto plain_last = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
  if (cell.empty() || !plain_first(cell.front()) || !plain_last(cell.back())) {
    cell = base::Trim(cell);
  }
  if (cell.empty() || cell == "NaN" || cell == "nan" || cell == "NA") {
    return std::numeric_limits<float>::quiet_NaN();
  }
  if (cell.front() == '+') cell.remove_prefix(1);
  double v = 0;
  if (FastDecimal(cell, v)) return static_cast<float>(v);
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || end != cell.data() + cell.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) return std::nullopt;
  return static_cast<float>(v);
}

}  // namespace raincheck::forest
