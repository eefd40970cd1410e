#include "app/predict_api.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "app/query.h"
#include "app/render.h"
#include "base/strings.h"

namespace raincheck::app {

namespace {

using nlohmann::json;

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
// Names echoed in error messages are cut to this many bytes (at a character boundary).
constexpr size_t kMaxEchoBytes = 64;

// The name a model is asked for by: its card's name, else its file's name.
std::string ApiName(const ModelCatalog& models, size_t i) {
  const std::string& name = models.models()[i].name();
  if (!name.empty()) return name;
  if (!models.FileName(i).empty()) return models.FileName(i);
  return "model-" + std::to_string(i + 1);
}

std::string ModelNames(const ModelCatalog& models) {
  std::vector<std::string> names;
  for (size_t i = 0; i < models.size(); ++i) names.push_back(ApiName(models, i));
  return base::Join(names, ", ");
}

size_t IndexOf(const ModelCatalog& models, const forest::Model* model) {
  return static_cast<size_t>(model - models.models().data());
}

// `text` quoted, cut to kMaxEchoBytes at a character boundary (it is valid UTF-8: the JSON
// reader checked it).
std::string Echo(std::string_view text) {
  size_t end = text.size();
  if (text.size() > kMaxEchoBytes) {
    end = 0;
    while (end < text.size()) {
      uint32_t cp = 0;
      const size_t length = base::DecodeUtf8(text, end, &cp);
      if (length == 0 || end + length > kMaxEchoBytes) break;
      end += length;
    }
  }
  std::string out;
  out.reserve(end + 5);
  out.push_back('\'');
  out.append(text.data(), end);
  if (end < text.size()) out.append("...");
  out.push_back('\'');
  return out;
}

std::string FeatureNames(const forest::FeatureSchema& schema) {
  std::vector<std::string> names;
  for (const forest::Feature& f : schema.features()) names.push_back(f.name);
  return base::Join(names, ", ");
}

// A JSON number as a model input: what a float can hold, as `raincheck predict` reads a CSV
// cell (forest::ParseNumericCell).
bool ToFeature(double v, float* out) {
  if (!std::isfinite(v) || std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
    return false;
  }
  *out = static_cast<float>(v);
  return true;
}

Status NotJson(size_t position) {
  return Status::InvalidArgument("body: not valid JSON (at byte " + std::to_string(position) +
                                 "); send {\"rows\": [{FEATURE: VALUE, ...}, ...]}");
}

// SAX events, reduced to what the readers below need.
enum class Token { kNull, kBool, kNumber, kString, kObject, kArray };

// Adapts nlohmann's SAX interface to a reader with Value / Key / EndObject / EndArray /
// Error (parse error at a byte position; `overflow` for a number no double can hold).
template <typename Reader>
class Sax {
 public:
  explicit Sax(Reader* reader) : r_(reader) {}
  bool null() { return r_->Value(Token::kNull, 0, nullptr); }
  bool boolean(bool) { return r_->Value(Token::kBool, 0, nullptr); }
  bool number_integer(json::number_integer_t v) {
    return r_->Value(Token::kNumber, static_cast<double>(v), nullptr);
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return r_->Value(Token::kNumber, static_cast<double>(v), nullptr);
  }
  bool number_float(json::number_float_t v, const json::string_t&) {
    return r_->Value(Token::kNumber, v, nullptr);
  }
  bool string(json::string_t& v) { return r_->Value(Token::kString, 0, &v); }
  bool binary(json::binary_t&) { return r_->Value(Token::kString, 0, nullptr); }
  bool start_object(std::size_t) { return r_->Value(Token::kObject, 0, nullptr); }
  bool key(json::string_t& k) { return r_->Key(k); }
  bool end_object() { return r_->EndObject(); }
  bool start_array(std::size_t) { return r_->Value(Token::kArray, 0, nullptr); }
  bool end_array() { return r_->EndArray(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    // 406: a number out of range (1e999, a 400-digit integer).
    r_->Error(position, e.id == 406);
    return false;
  }

 private:
  Reader* r_;
};

// Runs `reader` over `body`. The reader keeps its own status; this returns false when the
// reading stopped early (an error or the reader had all it wanted).
template <typename Reader>
bool Read(std::string_view body, Reader* reader) {
  Sax<Reader> sax(reader);
  try {
    return json::sax_parse(body.data(), body.data() + body.size(), &sax);
  } catch (const json::exception&) {
    reader->Error(0, false);
    return false;
  }
}

// The first pass: the top-level "model" only, stopping as soon as it is read.
class ModelNameReader {
 public:
  bool Value(Token t, double, const std::string* text) {
    if (depth_ == 0) {
      if (t != Token::kObject) {
        status_ = Status::InvalidArgument(
            "body: must be a JSON object: {\"model\": NAME, \"rows\": [{FEATURE: VALUE, ...}]}");
        return false;
      }
    } else if (depth_ == 1 && at_model_) {
      at_model_ = false;
      if (t == Token::kString && text != nullptr) {
        name_ = *text;
        return false;  // all this pass wants
      }
      if (t != Token::kNull) {
        status_ = Status::InvalidArgument("model: must be a string (a name from GET /models)");
        return false;
      }
    }
    if (t == Token::kObject || t == Token::kArray) ++depth_;
    return true;
  }
  bool Key(const std::string& key) {
    at_model_ = depth_ == 1 && key == "model";
    return true;
  }
  bool EndObject() { return End(); }
  bool EndArray() { return End(); }
  // A number out of range is left to the second pass, which names its field.
  void Error(size_t position, bool overflow) {
    if (!overflow) status_ = NotJson(position);
  }

  const Status& status() const { return status_; }
  const std::optional<std::string>& name() const { return name_; }

 private:
  bool End() {
    --depth_;
    return true;
  }
  size_t depth_ = 0;
  bool at_model_ = false;
  Status status_;
  std::optional<std::string> name_;
};

// The second pass: the rows, into the model's schema order.
class RowsReader {
 public:
  RowsReader(const forest::FeatureSchema& schema, size_t max_rows, std::vector<float>* rows)
      : schema_(schema), n_(schema.size()), max_rows_(max_rows), rows_(rows), given_(n_, false) {}

  bool Value(Token t, double number, const std::string* text) {
    switch (at_) {
      case At::kStart:
        if (t != Token::kObject) return Fail("body: must be a JSON object");
        at_ = At::kTop;
        return true;
      case At::kModel:
        // Read by the first pass; here only its type matters.
        if (t != Token::kString && t != Token::kNull) return Fail("model: must be a string");
        at_ = At::kTop;
        return true;
      case At::kRowsValue:
        if (t != Token::kArray) return Fail("rows: must be an array of objects");
        at_ = At::kRows;
        return true;
      case At::kRows:
        if (t != Token::kObject)
          return Fail(RowPath() + ": must be an object {FEATURE: VALUE, ...}");
        if (n_rows_ == max_rows_) return TooMany("rows");
        ++n_rows_;
        rows_->resize(rows_->size() + n_, kMissing);
        given_.assign(n_, false);
        at_ = At::kRow;
        return true;
      case At::kRowValue: {
        float v = kMissing;
        if (!FeatureValue(t, number, &v)) return false;
        (*rows_)[(n_rows_ - 1) * n_ + feature_] = v;
        at_ = At::kRow;
        return true;
      }
      case At::kColumnsValue:
        if (t != Token::kArray) return Fail("columns: must be an array of feature names");
        at_ = At::kColumns;
        return true;
      case At::kColumns: {
        const std::string path = "columns[" + std::to_string(columns_.size()) + "]";
        if (t != Token::kString || text == nullptr) return Fail(path + ": must be a string");
        const std::optional<size_t> i = Lookup(*text, columns_.size());
        if (!i) return Fail(path + ": unknown feature " + Echo(*text) + KnownFeatures());
        for (size_t c : columns_) {
          if (c == *i) return Fail(path + ": " + Echo(*text) + " given twice");
        }
        columns_.push_back(*i);
        return true;
      }
      case At::kDataValue:
        if (t != Token::kArray) return Fail("data: must be an array of arrays of values");
        at_ = At::kData;
        return true;
      case At::kData:
        if (t != Token::kArray) return Fail(RowPath() + ": must be an array of values");
        if (n_rows_ == max_rows_) return TooMany("data");
        ++n_rows_;
        row_length_ = 0;
        at_ = At::kDataRow;
        return true;
      case At::kDataRow: {
        float v = kMissing;
        if (!FeatureValue(t, number, &v)) return false;
        data_.push_back(v);
        ++row_length_;
        return true;
      }
      case At::kTop:
      case At::kRow:
      case At::kDone:
        break;
    }
    return Fail("body: unexpected value");
  }

  bool Key(const std::string& key) {
    if (at_ == At::kRow) {
      const std::optional<size_t> i = Lookup(key, next_in_row_);
      key_.assign(key);
      if (!i) return Fail(FieldPath() + ": unknown feature" + KnownFeatures());
      if (given_[*i]) return Fail(FieldPath() + ": given twice");
      given_[*i] = true;
      feature_ = *i;
      next_in_row_ = *i + 1;
      at_ = At::kRowValue;
      return true;
    }
    // The top level.
    At next = At::kTop;
    bool* seen = nullptr;
    if (key == "model") {
      next = At::kModel;
      seen = &seen_model_;
    } else if (key == "rows") {
      next = At::kRowsValue;
      seen = &seen_rows_;
    } else if (key == "columns") {
      next = At::kColumnsValue;
      seen = &seen_columns_;
    } else if (key == "data") {
      next = At::kDataValue;
      seen = &seen_data_;
    } else {
      return Fail(Echo(key) + ": unknown field; a request has model, and rows or columns and data");
    }
    if (*seen) return Fail(key + ": given twice");
    *seen = true;
    at_ = next;
    return true;
  }

  bool EndObject() {
    if (at_ == At::kRow) {
      for (size_t i = 0; i < n_; ++i) {
        if (!given_[i]) {
          return Fail(RowPathOf(n_rows_ - 1) + "." + schema_[i].name +
                      ": missing; give a number, or null for a missing value");
        }
      }
      next_in_row_ = 0;
      at_ = At::kRows;
      return true;
    }
    at_ = At::kDone;  // the top level
    return true;
  }

  bool EndArray() {
    switch (at_) {
      case At::kRows:
      case At::kData:
        at_ = At::kTop;
        return true;
      case At::kColumns:
        for (size_t i = 0; i < n_; ++i) {
          bool found = false;
          for (size_t c : columns_) found = found || c == i;
          if (!found) return Fail("columns: missing feature '" + schema_[i].name + "'");
        }
        at_ = At::kTop;
        return true;
      case At::kDataRow:
        if (!data_lengths_checked_against_.has_value()) data_lengths_checked_against_ = row_length_;
        if (row_length_ != *data_lengths_checked_against_) {
          return Fail(RowPath() + ": " + std::to_string(row_length_) + " values, but data[0] has " +
                      std::to_string(*data_lengths_checked_against_));
        }
        at_ = At::kData;
        return true;
      default:
        return Fail("body: unexpected end of an array");
    }
  }

  void Error(size_t position, bool overflow) {
    if (overflow && (at_ == At::kRowValue || at_ == At::kDataRow)) {
      status_ = Status::InvalidArgument(ValuePath() + kNotAFloat);
    } else {
      status_ = NotJson(position);
    }
  }

  // After a complete read: the whole request's checks, and the data in schema order.
  Status Finish() {
    if (!status_.ok()) return status_;
    if (seen_rows_ && (seen_columns_ || seen_data_)) {
      return Status::InvalidArgument("body: give rows, or columns and data, not both");
    }
    if (seen_data_ && !seen_columns_) {
      return Status::InvalidArgument("columns: missing; data needs the names of its columns");
    }
    if (seen_columns_ && !seen_data_) return Status::InvalidArgument("data: missing");
    if (!seen_rows_ && !seen_data_) {
      return Status::InvalidArgument(
          "rows: missing; give rows [{FEATURE: VALUE, ...}], or columns and data");
    }
    if (seen_data_) {
      if (n_rows_ > 0 && row_length_ != columns_.size()) {
        return Status::InvalidArgument("data[0]: " + std::to_string(row_length_) + " values for " +
                                       std::to_string(columns_.size()) + " columns");
      }
      rows_->assign(n_rows_ * n_, kMissing);
      for (size_t r = 0; r < n_rows_; ++r) {
        for (size_t c = 0; c < columns_.size(); ++c) {
          (*rows_)[r * n_ + columns_[c]] = data_[r * columns_.size() + c];
        }
      }
    }
    return Status::Ok();
  }

  size_t n_rows() const { return n_rows_; }

 private:
  enum class At {
    kStart,
    kTop,
    kModel,
    kRowsValue,
    kRows,
    kRow,
    kRowValue,
    kColumnsValue,
    kColumns,
    kDataValue,
    kData,
    kDataRow,
    kDone
  };

  // The feature called `name`: `hint` first (rows usually list the features in schema order).
  std::optional<size_t> Lookup(std::string_view name, size_t hint) const {
    if (hint < n_ && schema_[hint].name == name) return hint;
    return schema_.IndexOf(name);
  }

  static constexpr const char* kNotAFloat = ": not a finite number a float can hold";

  // A row's value (an object row's field or an array row's cell) as a model input: a number a
  // float can hold, or null for missing (`*v` left as it is). False after Fail naming it.
  bool FeatureValue(Token t, double number, float* v) {
    if (t == Token::kNumber) {
      if (!ToFeature(number, v)) return Fail(ValuePath() + kNotAFloat);
    } else if (t != Token::kNull) {
      return Fail(ValuePath() + ": not a number");
    }
    return true;
  }
  // Where the value being read is: FieldPath in an object row, CellPath in an array row.
  std::string ValuePath() const { return at_ == At::kRowValue ? FieldPath() : CellPath(); }

  bool Fail(std::string message) {
    if (status_.ok()) status_ = Status::InvalidArgument(std::move(message));
    return false;
  }
  bool TooMany(const std::string& field) {
    return Fail(field + ": more than " + std::to_string(max_rows_) +
                " rows; send at most that many per request");
  }
  std::string KnownFeatures() const {
    return " (the model's features: " + FeatureNames(schema_) + ")";
  }
  std::string RowPathOf(size_t row) const {
    const bool data = at_ == At::kData || at_ == At::kDataRow;
    std::string path = data ? "data[" : "rows[";
    path.append(std::to_string(row));
    path.push_back(']');
    return path;
  }
  // The row being read (or the next one, before it starts).
  std::string RowPath() const {
    const bool inside = at_ == At::kRow || at_ == At::kRowValue || at_ == At::kDataRow;
    return RowPathOf(inside ? n_rows_ - 1 : n_rows_);
  }
  std::string FieldPath() const {
    const std::string& name = key_;
    const bool plain = !name.empty() && name.size() <= kMaxEchoBytes &&
                       name.find_first_of(".[]'\" ") == std::string::npos &&
                       !base::HasControlCharacters(name);
    std::string path = RowPath();
    if (plain) {
      path.push_back('.');
      path.append(name);
    } else {
      path.push_back('[');
      path.append(Echo(name));
      path.push_back(']');
    }
    return path;
  }
  std::string CellPath() const {
    std::string path = RowPath();
    path.push_back('[');
    path.append(std::to_string(row_length_));
    path.push_back(']');
    if (seen_columns_ && row_length_ < columns_.size()) {
      path.append(" (");
      path.append(schema_[columns_[row_length_]].name);
      path.push_back(')');
    }
    return path;
  }

  const forest::FeatureSchema& schema_;
  const size_t n_;
  const size_t max_rows_;
  std::vector<float>* rows_;
  std::vector<bool> given_;
  At at_ = At::kStart;
  Status status_;
  bool seen_model_ = false, seen_rows_ = false, seen_columns_ = false, seen_data_ = false;
  size_t n_rows_ = 0;
  size_t feature_ = 0;
  size_t next_in_row_ = 0;
  std::string key_;              // the row key being read
  std::vector<size_t> columns_;  // schema index of each column
  std::vector<float> data_;      // data values in column order
  size_t row_length_ = 0;
  std::optional<size_t> data_lengths_checked_against_;
};

void JsonHeaders(lambda::HttpResponse* r) {
  r->SetHeader("Content-Type", "application/json; charset=utf-8");
  r->SetHeader("Cache-Control", "no-store");
  r->SetHeader("X-Content-Type-Options", "nosniff");
}

lambda::HttpResponse Error(int status, const Status& error, const std::string& request_id) {
  lambda::HttpResponse r = RenderError(error, request_id, Format::kJson);
  if (status != 0) {
    r.status = status;
    json body = json::parse(r.body);
    body["error"]["status"] = status;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return r;
}

lambda::HttpResponse MethodNotAllowed(const std::string& allow, const std::string& request_id) {
  lambda::HttpResponse r =
      Error(405, Status::InvalidArgument("method not allowed; use " + allow), request_id);
  r.SetHeader("Allow", allow);
  return r;
}

// Content-Type absent, application/json or a +json type.
bool IsJsonContentType(const std::optional<std::string>& header) {
  if (!header) return true;
  std::string type =
      base::AsciiLower(base::Trim(std::string_view(*header).substr(0, header->find(';'))));
  return type.empty() || type == "application/json" || type.ends_with("+json");
}

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec == std::errc() && std::isfinite(v)) {
    out->append(buf, end);
  } else {
    out->append("null");
  }
}

}  // namespace

Route RouteFor(const lambda::HttpRequest& request) {
  std::string_view path = request.path;
  // An HTTP API's rawPath starts with a named stage; a REST API's path never holds it.
  if (request.version == lambda::PayloadVersion::kV2 && !request.stage.empty() &&
      request.stage != "$default") {
    const std::string prefix = "/" + request.stage;
    if (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/') {
      path.remove_prefix(prefix.size());
    }
  }
  if (path == kPredictPath) return Route::kPredict;
  if (path == kModelsPath) return Route::kModels;
  return Route::kForecast;
}

Result<PredictInput> ParsePredictBody(std::string_view body, const ModelCatalog& models,
                                      const PredictLimits& limits) {
  if (base::Trim(body).empty()) {
    return Status::InvalidArgument("body: empty; send {\"rows\": [{FEATURE: VALUE, ...}, ...]}");
  }
  ModelNameReader first;
  Read(body, &first);
  if (!first.status().ok()) return first.status();

  PredictInput input;
  if (first.name()) {
    input.model = models.Find(*first.name());
    if (input.model == nullptr) {
      return Status::NotFound("model: no model called " + Echo(*first.name()) +
                              "; the models are " + ModelNames(models));
    }
  } else if (models.size() == 1) {
    input.model = &models.models().front();
  } else {
    return Status::InvalidArgument("model: missing; this function serves several models: " +
                                   ModelNames(models));
  }

  RowsReader reader(input.model->schema(), limits.max_rows, &input.rows);
  Read(body, &reader);
  RC_RETURN_IF_ERROR(reader.Finish());
  input.n_rows = reader.n_rows();
  return input;
}

json ModelDescription(const ModelCatalog& models, size_t index) {
  const forest::Model& m = models.models()[index];
  json features = json::array();
  for (const forest::Feature& f : m.schema().features()) {
    features.push_back({{"name", f.name}, {"unit", f.unit}});
  }
  json out = {{"name", ApiName(models, index)},
              {"version", m.version()},
              {"file", models.FileName(index)},
              {"kind", m.is_regression() ? "regression" : "classifier"},
              {"ensemble", m.combination().is_forest() ? "random_forest" : "boosted_trees"},
              {"output", m.is_regression() ? "value" : "probability of the positive class"},
              {"classes", m.class_labels()},
              {"trees", m.n_trees()},
              {"features", std::move(features)}};
  if (m.info().home) out["home"] = forest::HomeToJson(*m.info().home);
  return out;
}

lambda::HttpResponse HandlePredict(const lambda::HttpRequest& request,
                                   const lambda::InvocationContext& context,
                                   const ModelCatalog& models, const PredictLimits& limits,
                                   const base::Logger& log) {
  const std::string& id = context.request_id;
  auto refused = [&](lambda::HttpResponse r) {
    log.Info("predict refused", {{"status", r.status}});
    return r;
  };
  if (request.method != "POST") return refused(MethodNotAllowed("POST", id));
  if (!IsJsonContentType(request.Header("content-type"))) {
    return refused(
        Error(415, Status::InvalidArgument("Content-Type: must be application/json"), id));
  }
  if (request.body.size() > limits.max_body_bytes) {
    return refused(
        Error(413,
              Status::InvalidArgument("body: larger than " + std::to_string(limits.max_body_bytes) +
                                      " bytes; send fewer rows per request"),
              id));
  }
  Result<PredictInput> input = ParsePredictBody(request.body, models, limits);
  if (!input.ok()) return refused(Error(0, input.status(), id));

  const forest::Model& model = *input->model;
  std::vector<double> p(input->n_rows);
  if (input->n_rows == 1) {
    p[0] = model.PredictProba(input->rows);
  } else if (Status s = model.PredictProbaBatch(input->rows, p); !s.ok()) {
    return refused(Error(0, s, id));
  }
  // A boosted classifier's raw score (log-odds) too, as XGBoost's output_margin.
  const bool regression = model.is_regression();
  const bool margins = !regression && !model.combination().is_forest();
  std::vector<double> margin(margins ? input->n_rows : 0);
  if (margins) {
    if (Status s = model.PredictMarginBatch(input->rows, margin); !s.ok()) {
      return refused(Error(0, s, id));
    }
  }

  // Written by hand: 10,000 predictions are a large JSON tree to build only to print it.
  const std::vector<std::string>& labels = model.class_labels();
  std::vector<std::string> quoted;
  quoted.reserve(labels.size());
  for (const std::string& label : labels) {
    quoted.push_back(json(label).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  std::string body = "{\"model\":";
  body += ModelDescription(models, IndexOf(models, &model))
              .dump(-1, ' ', false, json::error_handler_t::replace);
  body += ",\"predictions\":[";
  body.reserve(body.size() + p.size() * 48 + 64);
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0) body += ',';
    if (regression) {
      body += "{\"value\":";
      AppendNumber(p[i], &body);
      body += '}';
      continue;
    }
    const int cls = p[i] > 0.5 ? 1 : 0;  // as `raincheck predict`
    body += "{\"class\":";
    body += cls == 1 ? '1' : '0';
    if (static_cast<size_t>(cls) < quoted.size()) {
      body += ",\"label\":";
      body += quoted[static_cast<size_t>(cls)];
    }
    body += ",\"probability\":";
    AppendNumber(p[i], &body);
    if (margins) {
      body += ",\"margin\":";
      AppendNumber(margin[i], &body);
    }
    body += '}';
  }
  body += "],\"request_id\":";
  body += json(id).dump(-1, ' ', false, json::error_handler_t::replace);
  body += '}';

  lambda::HttpResponse r;
  JsonHeaders(&r);
  r.body = std::move(body);
  log.Info("predict answered", {{"status", r.status},
                                {"model", ApiName(models, IndexOf(models, &model))},
                                {"rows", input->n_rows}});
  return r;
}

lambda::HttpResponse HandleModels(const lambda::HttpRequest& request,
                                  const lambda::InvocationContext& context,
                                  const ModelCatalog& models, const base::Logger& log) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    lambda::HttpResponse r = MethodNotAllowed("GET, HEAD", context.request_id);
    log.Info("models refused", {{"status", r.status}});
    return r;
  }
  json list = json::array();
  for (size_t i = 0; i < models.size(); ++i) list.push_back(ModelDescription(models, i));
  json body = {{"models", std::move(list)},
               {"default", models.size() == 1 ? json(ApiName(models, 0)) : json(nullptr)},
               {"request_id", context.request_id}};
  lambda::HttpResponse r;
  JsonHeaders(&r);
  if (!head) r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  log.Info("models answered", {{"status", r.status}});
  return r;
}

}  // namespace raincheck::app
