#include "store/record.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "base/strings.h"

namespace raincheck::store {

namespace {

constexpr size_t kMaxSlug = 40;
constexpr size_t kMaxRequestId = 64;

// Lowercase ASCII for U+00C0..U+00FF ("" drops the character: U+00D7 and U+00F7).
constexpr std::array<const char*, 64> kLatin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
// Lowercase ASCII for U+0100..U+017F, one letter each; '?' marks the two-letter ligatures.
constexpr std::string_view kLatinExtendedA =
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    "gggghhhhiiiiiiii"
    "ii??jjkkklllllll"
    "lllnnnnnnnnnoooo"
    "oo??rrrrrrssssss"
    "sstttttt"
    "uuuuuuuu"
    "uuuuwwyyyzzzzzzs";
static_assert(kLatinExtendedA.size() == 0x80);

// Decodes one UTF-8 code point at `i`; returns its length (0 when malformed).
size_t NextCodePoint(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  const size_t len = (b0 & 0xE0) == 0xC0   ? 2
                     : (b0 & 0xF0) == 0xE0 ? 3
                     : (b0 & 0xF8) == 0xF0 ? 4
                                           : 0;
  if (len == 0 || i + len > s.size() || !base::IsValidUtf8(s.substr(i, len))) return 0;
  *cp = len == 2 ? b0 & 0x1Fu : len == 3 ? b0 & 0x0Fu : b0 & 0x07u;
  for (size_t k = 1; k < len; ++k)
    *cp = (*cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  return len;
}

// ASCII for one code point: the transliteration, "" to drop it, "-" when unknown.
std::string Transliterate(uint32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') return std::string(1, static_cast<char>(c - 'A' + 'a'));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return std::string(1, c);
    return "-";
  }
  if (cp >= 0x300 && cp <= 0x36F) return "";  // combining accents of decomposed text
  if (cp >= 0xC0 && cp <= 0xFF) {
    const std::string t = kLatin1[cp - 0xC0];
    return t.empty() ? "-" : t;
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x132 || cp == 0x133) return "ij";
    if (cp == 0x152 || cp == 0x153) return "oe";
    return std::string(1, kLatinExtendedA[cp - 0x100]);
  }
  return "-";
}

// Keeps [a-z0-9], collapses runs of '-', trims '-' at both ends, cuts to `max`.
std::string Tidy(std::string_view raw, size_t max) {
  std::string out;
  for (char c : raw) {
    if (c == '-') {
      if (!out.empty() && out.back() != '-') out += '-';
    } else {
      out += c;
    }
  }
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// Replaces ill-formed UTF-8 with U+FFFD.
std::string ValidUtf8(const std::string& s) {
  if (base::IsValidUtf8(s)) return s;
  const nlohmann::json j = s;
  return nlohmann::json::parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .get<std::string>();
}

Result<std::string> CsvField(const nlohmann::json& v) {
  std::string text;
  if (v.is_null()) return std::string();
  if (v.is_string()) {
    text = ValidUtf8(v.get<std::string>());
  } else if (v.is_boolean()) {
    text = v.get<bool>() ? "true" : "false";
  } else if (v.is_number()) {
    text = v.dump();
    if (text == "null") text.clear();  // NaN / infinity
  } else {
    return Status::InvalidArgument("record values must be scalars (string, number, bool, null)");
  }
  const bool quote = text.find_first_of(",\"\r\n") != std::string::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::tm UtcTm(base::TimePoint t) {
  const std::time_t secs =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '=';
}

}  // namespace

void Record::Set(std::string_view name, nlohmann::json value) {
  for (auto& [n, v] : fields) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::string(name), std::move(value));
}

const nlohmann::json* Record::Find(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (n == name) return &v;
  }
  return nullptr;
}

Result<RecordFormat> ParseRecordFormat(std::string_view text) {
  const std::string t = base::AsciiLower(base::Trim(text));
  if (t == "csv") return RecordFormat::kCsv;
  if (t == "jsonl" || t == "ndjson") return RecordFormat::kJsonLines;
  return Status::InvalidArgument("RAINCHECK_RECORDS_FORMAT must be csv or jsonl");
}

std::string_view FileExtension(RecordFormat format) {
  return format == RecordFormat::kCsv ? "csv" : "jsonl";
}

std::string_view ContentType(RecordFormat format) {
  return format == RecordFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

Result<std::string> EncodeCsv(const Record& record) {
  std::string header;
  std::string row;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const auto& [name, value] = record.fields[i];
    RC_ASSIGN_OR_RETURN(std::string name_field, CsvField(name));
    RC_ASSIGN_OR_RETURN(std::string value_field, CsvField(value));
    if (i > 0) {
      header += ',';
      row += ',';
    }
    header += name_field;
    row += value_field;
  }
  return header + "\r\n" + row + "\r\n";
}

Result<std::string> EncodeJsonLine(const Record& record) {
  nlohmann::ordered_json obj = nlohmann::ordered_json::object();
  for (const auto& [name, value] : record.fields) {
    if (value.is_structured()) {
      return Status::InvalidArgument("record values must be scalars (string, number, bool, null)");
    }
    obj[ValidUtf8(name)] = nlohmann::ordered_json::parse(
        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string CitySlug(std::string_view city) {
  std::string raw;
  for (size_t i = 0; i < city.size();) {
    uint32_t cp = 0;
    const size_t len = NextCodePoint(city, i, &cp);
    if (len == 0) {
      raw += '-';
      ++i;
      continue;
    }
    raw += Transliterate(cp);
    i += len;
  }
  std::string slug = Tidy(raw, kMaxSlug);
  return slug.empty() ? "unknown" : slug;
}

std::string SanitizeRequestId(std::string_view request_id) {
  std::string raw;
  for (char c : request_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    raw += ok ? c : '-';
  }
  std::string id = Tidy(raw, kMaxRequestId);
  return id.empty() ? "none" : id;
}

std::string RecordKey(const Record& record, RecordFormat format) {
  const std::tm tm = UtcTm(record.timestamp);
  const auto ms = base::ToUnixMillis(record.timestamp) % 1000;
  char date[32];
  char stamp[40];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms < 0 ? ms + 1000 : ms));
  return std::string("dt=") + date + "/" + stamp + "_" + CitySlug(record.city) + "_" +
         SanitizeRequestId(record.request_id) + "." + std::string(FileExtension(format));
}

Result<EncodedRecord> EncodeRecord(const Record& record, RecordFormat format) {
  EncodedRecord out;
  if (format == RecordFormat::kCsv) {
    RC_ASSIGN_OR_RETURN(out.body, EncodeCsv(record));
  } else {
    RC_ASSIGN_OR_RETURN(out.body, EncodeJsonLine(record));
  }
  out.key = RecordKey(record, format);
  out.content_type = std::string(ContentType(format));
  return out;
}

bool IsSafeKey(std::string_view key) {
  if (key.empty() || key.size() > 512) return false;
  for (const std::string& seg : base::Split(key, '/')) {
    if (seg.empty() || seg == "." || seg == "..") return false;
    for (char c : seg) {
      if (!IsKeyChar(c)) return false;
    }
  }
  return true;
}

}  // namespace raincheck::store
