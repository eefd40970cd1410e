// One record per query, its encodings (CSV, JSON lines) and its storage key.
#ifndef RAINCHECK_STORE_RECORD_H_
#define RAINCHECK_STORE_RECORD_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace raincheck::store {

// A record is generic: the handler decides the columns (see docs/records.md for the standard
// set) and their order. Values are JSON scalars (string, number, bool, null).
struct Record {
  // Metadata used for the key (and usually also present as columns).
  base::TimePoint timestamp;  // when the query was answered
  std::string city;           // as asked (any UTF-8)
  std::string request_id;     // the invocation's request id
  // Ordered columns.
  std::vector<std::pair<std::string, nlohmann::json>> fields;

  // Replaces the value of `name` if present, else appends a column.
  void Set(std::string_view name, nlohmann::json value);
  // The value of `name`, or nullptr when absent.
  const nlohmann::json* Find(std::string_view name) const;
};

enum class RecordFormat { kCsv, kJsonLines };

// "csv" or "jsonl" (any case); anything else is InvalidArgument.
Result<RecordFormat> ParseRecordFormat(std::string_view text);
std::string_view FileExtension(RecordFormat format);  // "csv" / "jsonl"
std::string_view ContentType(RecordFormat format);    // "text/csv" / "application/x-ndjson"

// A header line and one row (RFC 4180: fields holding , " CR LF or edge spaces are quoted,
// quotes doubled; lines end with CRLF as the RFC says). Null is an empty field, booleans are
// true/false, numbers use the shortest form that reads back to the same double.
// InvalidArgument when a value is an object or an array. Invalid UTF-8 becomes U+FFFD.
Result<std::string> EncodeCsv(const Record& record);
// One JSON object with the columns in order, then '\n'.
Result<std::string> EncodeJsonLine(const Record& record);

// The city as a key-safe slug: ASCII letters (accents transliterated: "São Paulo" ->
// "sao-paulo"), digits and '-', lowercase, at most 40 characters, never empty ("unknown").
std::string CitySlug(std::string_view city);
// The request id with anything but [A-Za-z0-9-] replaced by '-', at most 64 characters,
// never empty ("none").
std::string SanitizeRequestId(std::string_view request_id);

// "dt=2026-11-28/20261128T021605.123Z_cape-town_<request id>.csv": a UTC date partition, a
// UTC timestamp with milliseconds, the city slug, the request id. Sortable by time, unique
// per request, ASCII-safe (letters, digits, "-_.=/" only).
std::string RecordKey(const Record& record, RecordFormat format);

// A record ready to write: its key, its bytes, its content type.
struct EncodedRecord {
  std::string key;
  std::string body;
  std::string content_type;
};
Result<EncodedRecord> EncodeRecord(const Record& record, RecordFormat format);

// True when `key` is something RecordKey could produce, optionally with a "-N" collision
// suffix, or any key made only of [A-Za-z0-9._=-] segments joined by '/': no "..", no empty
// segment, no leading '/'. Stores refuse other keys.
bool IsSafeKey(std::string_view key);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_RECORD_H_
