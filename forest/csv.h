// A small RFC 4180 CSV reader for training and prediction data: a header row, quoted fields
// (with "" escapes and embedded newlines), CRLF or LF line ends, an optional UTF-8 BOM.
// Why hand-written: see docs/forest.md.
#ifndef RAINCHECK_FOREST_CSV_H_
#define RAINCHECK_FOREST_CSV_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace raincheck::forest {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields
  std::vector<size_t> line;                    // 1-based line on which each row starts

  std::optional<size_t> ColumnIndex(std::string_view name) const;
};

// Parses `text`. Blank lines are skipped. InvalidArgument naming the line for an unterminated
// quote, a stray quote, a row with the wrong number of fields, an empty or duplicate header.
Result<CsvTable> ParseCsv(std::string_view text);
// Reads and parses a file; NotFound / IOError when it cannot be read.
Result<CsvTable> ReadCsvFile(const std::string& path);
// Reads a whole file into a string.
Result<std::string> ReadFileToString(const std::string& path);

// Parses a numeric cell: empty, "NaN", "nan", "NA" -> NaN (missing); otherwise the whole
// trimmed cell must be a finite decimal number. nullopt when it is not.
std::optional<float> ParseNumericCell(std::string_view cell);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_CSV_H_
