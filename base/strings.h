// Small string utilities shared by every module.
#ifndef RAINCHECK_BASE_STRINGS_H_
#define RAINCHECK_BASE_STRINGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace raincheck::base {

// Removes ASCII whitespace and Unicode whitespace U+00A0 / U+3000 from both ends.
std::string_view Trim(std::string_view s);
// Trim(), then every run of spaces and tabs inside becomes one space.
std::string CollapseWhitespace(std::string_view s);
std::string AsciiLower(std::string_view s);
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);
std::vector<std::string> Split(std::string_view s, char sep);
bool StartsWith(std::string_view s, std::string_view prefix);

// Joins `values` with `sep` between them.
std::string Join(const std::vector<std::string>& values, std::string_view sep);

// Decodes the UTF-8 code point starting at s[i] (i < s.size()) into *cp; returns its length in
// bytes, or 0 when the bytes there are malformed (overlong, surrogate, > U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// True when `s` contains a C0 control (U+0000..U+001F), DEL, or a C1 control (U+0080..U+009F).
bool HasControlCharacters(std::string_view s);
// Number of Unicode code points in valid UTF-8.
size_t Utf8Length(std::string_view s);

// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(std::string_view bytes);
// Accepts padded or unpadded input; whitespace and invalid characters are an error.
Result<std::string> Base64Decode(std::string_view text);

// Percent-decoding; '+' becomes a space when `plus_is_space` (form/query encoding).
// Malformed escapes are kept literally, as API Gateway does.
std::string UrlDecode(std::string_view s, bool plus_is_space);
// Encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view s);

// Escapes & < > " ' for use in HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_STRINGS_H_
