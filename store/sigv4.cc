#include "store/sigv4.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "base/strings.h"
#include "store/digest.h"

namespace raincheck::store {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Trims and collapses runs of spaces, as the canonical header form requires.
std::string CanonicalHeaderValue(std::string_view v) { return base::CollapseWhitespace(v); }

// Resolves "." and ".." segments and drops empty ones; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string> out;
  for (const std::string& seg : base::Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string joined = "/";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) joined += '/';
    joined += out[i];
  }
  const bool trailing = path.size() > 1 && path.back() == '/';
  if (trailing && !out.empty()) joined += '/';
  return joined;
}

bool HasHeader(const http::Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return base::EqualsIgnoreAsciiCase(h.first, name); });
}

}  // namespace

std::string FormatAmzDate(base::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string EncodePath(std::string_view path) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    out += base::UrlEncode(
        path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += base::UrlEncode(name);
    out += '=';
    out += base::UrlEncode(value);
  }
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string key = HmacSha256(std::string("AWS4").append(secret), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

SignedRequest SignV4(const SigningInput& input, const Credentials& credentials,
                     std::string_view amz_date) {
  SignedRequest out;
  out.headers = input.headers;
  if (!HasHeader(out.headers, "host")) out.headers.emplace_back("Host", input.host);
  out.headers.emplace_back("X-Amz-Date", std::string(amz_date));
  if (input.add_content_sha256 && !HasHeader(out.headers, "x-amz-content-sha256")) {
    out.headers.emplace_back("X-Amz-Content-Sha256", input.payload_hash);
  }
  if (!credentials.session_token.empty()) {
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  // Canonical headers: lowercase names, sorted; duplicate values joined with ','.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : out.headers) {
    std::string& slot = canonical[base::AsciiLower(name)];
    if (!slot.empty()) slot += ',';
    slot += CanonicalHeaderValue(value);
  }
  std::string header_block;
  std::string signed_headers;
  for (const auto& [name, value] : canonical) {
    header_block.append(name).append(1, ':').append(value).append(1, '\n');
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  // Canonical query: encoded pairs sorted by name, then value.
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : input.query) {
    query.emplace_back(base::UrlEncode(name), base::UrlEncode(value));
  }
  std::sort(query.begin(), query.end());
  std::string query_string;
  for (const auto& [name, value] : query) {
    if (!query_string.empty()) query_string += '&';
    query_string.append(name).append(1, '=').append(value);
  }

  const std::string path = input.normalize_path ? NormalizePath(input.path) : input.path;
  out.canonical_request = input.method + '\n' + EncodePath(path.empty() ? "/" : path) + '\n' +
                          query_string + '\n' + header_block + '\n' + signed_headers + '\n' +
                          input.payload_hash;

  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + '/' + input.region + '/' + input.service + "/aws4_request";
  out.string_to_sign = std::string(kAlgorithm) + '\n' + std::string(amz_date) + '\n' + scope +
                       '\n' + Sha256Hex(out.canonical_request);
  const std::string key =
      DeriveSigningKey(credentials.secret_access_key, date, input.region, input.service);
  out.signature = HexEncode(HmacSha256(key, out.string_to_sign));
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + '/' +
                      scope + ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature;
  out.headers.emplace_back("Authorization", out.authorization);
  return out;
}

}  // namespace raincheck::store
