#include "forest/csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError("cannot open " + path + ": " + std::strerror(err));
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path);
  return s.str();
}

Result<CsvTable> ReadCsvFile(const std::string& path) {
  RC_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto table = ParseCsv(text);
  if (!table.ok()) return table.status().WithContext(path);
  return table;
}

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
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || end != cell.data() + cell.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) return std::nullopt;
  return static_cast<float>(v);
}

}  // namespace raincheck::forest
