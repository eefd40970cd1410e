#include "forest/csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "base/strings.h"

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
  std::vector<std::string> record;
  std::string field;
  size_t line = 1;         // current physical line
  size_t record_line = 1;  // line where the current record started
  size_t i = 0;
  const size_t n = text.size();
  auto error = [&](size_t at, const std::string& what) {
    return Status::InvalidArgument("CSV line " + std::to_string(at) + ": " + what);
  };
  auto finish_record = [&]() -> Status {
    record.push_back(std::move(field));
    field.clear();
    const bool blank = record.size() == 1 && record[0].empty();
    if (blank) {
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
  auto at_line_end = [&](size_t pos) { return pos < n && (text[pos] == '\n' || text[pos] == '\r'); };
  auto skip_line_end = [&]() {  // i at '\r' or '\n'
    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
    ++i;
    ++line;
  };

  while (i < n) {
    // Start of a field.
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
    // End of a field.
    if (i >= n) break;
    if (text[i] == ',') {
      record.push_back(std::move(field));
      field.clear();
      ++i;
      if (i >= n) break;  // "a,b," at end of file: the last field is empty
      continue;
    }
    RC_RETURN_IF_ERROR(finish_record());
    skip_line_end();
    record_line = line;
  }
  if (!record.empty() || !field.empty()) RC_RETURN_IF_ERROR(finish_record());
  if (table.header.empty()) return Status::InvalidArgument("CSV has no header row");
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
  cell = base::Trim(cell);
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
