// Turning a CSV table into a feature matrix and labels.
#ifndef RAINCHECK_FOREST_DATASET_H_
#define RAINCHECK_FOREST_DATASET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "forest/csv.h"
#include "forest/schema.h"

namespace raincheck::forest {

// `--label COLUMN[=VALUE] --label-ahead N`: with VALUE the label is 1 where the column equals
// VALUE and 0 elsewhere (empty cells included); without it the column must hold 0 or 1. Row i
// takes the label of row i + ahead and the last `ahead` rows are dropped.
struct LabelSpec {
  std::string column;
  std::optional<std::string> value;
  int ahead = 0;

  // "precipType=rain" / "rain"; InvalidArgument for an empty column.
  static Result<LabelSpec> Parse(std::string_view text, int ahead);
  // Human-readable definition, e.g. "1 if precipType == \"rain\" in the row 1 ahead, else 0".
  std::string Describe() const;
  // The two class labels: {"precipType != rain", "precipType = rain"}, or for a 0/1 column
  // "rain" {"not rain", "rain"}.
  std::vector<std::string> ClassLabels() const;
  // The label a cell gives: 0 or 1, or nullopt when a 0/1 column holds anything else.
  std::optional<uint8_t> LabelOf(std::string_view cell) const;
  // What is wrong with a cell LabelOf refuses ("label column 'rain' must be 0 or 1 ...").
  std::string BadLabelMessage() const;
};

// 1..12 from a YYYY-MM-DD or YYYY/MM/DD cell, else 0.
int MonthOfDate(std::string_view date);

struct Dataset {
  FeatureSchema schema;
  size_t n_rows = 0;
  std::vector<float> x;      // row-major, n_rows * schema.size(); NaN = missing
  std::vector<uint8_t> y;    // n_rows labels in {0, 1}; empty when unlabelled
  std::vector<int> month;    // 1..12 from a "date" column (YYYY-MM-DD or YYYY/MM/DD), else 0
  std::vector<size_t> line;  // the CSV line each row came from

  const float* row(size_t i) const { return x.data() + i * schema.size(); }
};

// Parses "a=degF,b=mph" into a map; InvalidArgument for a malformed entry.
Result<std::map<std::string, std::string>> ParseUnits(std::string_view text);

// Builds the matrix for `schema` (columns looked up by name; extra columns are ignored) and,
// when `label` is given, the labels. InvalidArgument naming the missing column, or the line
// and column of a cell that is not a number.
Result<Dataset> BuildDataset(const CsvTable& table, const FeatureSchema& schema,
                             const LabelSpec* label);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_DATASET_H_
