#include "forest/dataset.h"

#include "base/strings.h"

namespace raincheck::forest {

Result<LabelSpec> LabelSpec::Parse(std::string_view text, int ahead) {
  LabelSpec spec;
  const size_t eq = text.find('=');
  spec.column = std::string(base::Trim(text.substr(0, eq)));
  if (eq != std::string_view::npos) spec.value = std::string(text.substr(eq + 1));
  if (spec.column.empty()) return Status::InvalidArgument("--label needs a column name");
  if (ahead < 0) return Status::InvalidArgument("--label-ahead must be >= 0");
  spec.ahead = ahead;
  return spec;
}

std::string LabelSpec::Describe() const {
  std::string what =
      value ? "1 if " + column + " == \"" + *value + "\", else 0" : "the 0/1 value of " + column;
  if (ahead > 0) {
    what += ", taken from the row " + std::to_string(ahead) + " ahead (the last " +
            std::to_string(ahead) + " row(s) dropped)";
  }
  return what;
}

std::vector<std::string> LabelSpec::ClassLabels() const {
  if (value) return {column + " != " + *value, column + " = " + *value};
  return {"not " + column, column};
}

std::optional<uint8_t> LabelSpec::LabelOf(std::string_view cell) const {
  cell = base::Trim(cell);
  if (value) return static_cast<uint8_t>(cell == *value ? 1 : 0);
  if (cell == "1" || cell == "1.0") return uint8_t{1};
  if (cell == "0" || cell == "0.0") return uint8_t{0};
  return std::nullopt;
}

std::string LabelSpec::BadLabelMessage() const {
  return "label column '" + column + "' must be 0 or 1 (or use --label COLUMN=VALUE)";
}

Result<std::map<std::string, std::string>> ParseUnits(std::string_view text) {
  std::map<std::string, std::string> units;
  if (base::Trim(text).empty()) return units;
  for (const std::string& item : base::Split(text, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--units entry '" + item + "' is not NAME=UNIT");
    }
    std::string name(base::Trim(std::string_view(item).substr(0, eq)));
    std::string unit(base::Trim(std::string_view(item).substr(eq + 1)));
    if (name.empty() || unit.empty()) {
      return Status::InvalidArgument("--units entry '" + item + "' is not NAME=UNIT");
    }
    units[name] = unit;
  }
  return units;
}

int MonthOfDate(std::string_view date) {
  date = base::Trim(date);
  if (date.size() < 7 || (date[4] != '-' && date[4] != '/')) return 0;
  const char a = date[5], b = date[6];
  if (a < '0' || a > '1' || b < '0' || b > '9') return 0;
  const int m = (a - '0') * 10 + (b - '0');
  return m >= 1 && m <= 12 ? m : 0;
}

Result<Dataset> BuildDataset(const CsvTable& table, const FeatureSchema& schema,
                             const LabelSpec* label) {
  Dataset d;
  d.schema = schema;
  const size_t width = schema.size();
  std::vector<size_t> columns;
  for (const Feature& f : schema.features()) {
    auto c = table.ColumnIndex(f.name);
    if (!c) return Status::InvalidArgument("the data has no column '" + f.name + "'");
    columns.push_back(*c);
  }
  std::optional<size_t> label_column;
  const size_t ahead = label ? static_cast<size_t>(label->ahead) : 0;
  if (label) {
    label_column = table.ColumnIndex(label->column);
    if (!label_column) {
      return Status::InvalidArgument("the data has no label column '" + label->column + "'");
    }
  }
  const size_t total = table.rows.size();
  d.n_rows = total > ahead ? total - ahead : 0;
  d.x.resize(d.n_rows * width);
  d.line.resize(d.n_rows);
  d.month.assign(d.n_rows, 0);
  const auto date_column = table.ColumnIndex("date");
  for (size_t r = 0; r < d.n_rows; ++r) {
    d.line[r] = table.line[r];
    for (size_t f = 0; f < width; ++f) {
      const std::string& cell = table.rows[r][columns[f]];
      auto v = ParseNumericCell(cell);
      if (!v) {
        return Status::InvalidArgument("CSV line " + std::to_string(table.line[r]) + ": column '" +
                                       schema[f].name + "' is not a finite number");
      }
      d.x[r * width + f] = *v;
    }
    if (date_column) d.month[r] = MonthOfDate(table.rows[r][*date_column]);
  }
  if (label) {
    d.y.resize(d.n_rows);
    for (size_t r = 0; r < d.n_rows; ++r) {
      const size_t src = r + ahead;
      const std::optional<uint8_t> y = label->LabelOf(table.rows[src][*label_column]);
      if (!y) {
        return Status::InvalidArgument("CSV line " + std::to_string(table.line[src]) + ": " +
                                       label->BadLabelMessage());
      }
      d.y[r] = *y;
    }
  }
  return d;
}

}  // namespace raincheck::forest
