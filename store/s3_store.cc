#include "store/s3_store.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "base/strings.h"
#include "store/digest.h"

namespace raincheck::store {

namespace {

constexpr int kMaxCollisions = 1000;
constexpr int kMaxListPages = 1000;

struct Endpoint {
  std::string scheme;  // "http" / "https"
  std::string host;    // host[:port]
};

Result<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint e;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Status::InvalidArgument("S3 endpoint must look like http(s)://host[:port]");
  }
  e.scheme = base::AsciiLower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if ((e.scheme != "http" && e.scheme != "https") || rest.empty() ||
      rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return Status::InvalidArgument("S3 endpoint must look like http(s)://host[:port]");
  }
  e.host = base::AsciiLower(rest);
  return e;
}

bool IsValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(b.front()) && alnum(b.back()) && b.find("..") == std::string_view::npos;
}

std::string XmlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t end = s.find(';', i);
    if (end == std::string_view::npos) {
      out += s.substr(i);
      break;
    }
    const std::string_view ent = s.substr(i + 1, end - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      const bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      unsigned long cp = 0;
      try {
        cp = std::stoul(std::string(ent.substr(hex ? 2 : 1)), nullptr, hex ? 16 : 10);
      } catch (...) {
        cp = 0xFFFD;
      }
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else {
        out += "\xEF\xBF\xBD";  // not expected in S3 keys we write
      }
    } else {
      out += s.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

// Texts of every <tag>...</tag> element (S3's XML carries no attributes on these).
std::vector<std::string> XmlTexts(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  for (;;) {
    const size_t a = xml.find(open, pos);
    if (a == std::string_view::npos) break;
    const size_t b = xml.find(close, a + open.size());
    if (b == std::string_view::npos) break;
    out.push_back(XmlDecode(xml.substr(a + open.size(), b - a - open.size())));
    pos = b + close.size();
  }
  return out;
}

std::string XmlText(std::string_view xml, std::string_view tag) {
  auto all = XmlTexts(xml, tag);
  return all.empty() ? "" : all.front();
}

// "2026-11-28T03:16:05Z" or "2026-11-28T03:16:05.000Z" (UTC). A year outside 1970-2200 is
// not a time S3 answers with, and past 2262 not one the clock holds: none.
std::optional<base::TimePoint> ParseIso8601(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed < 19 || tm.tm_year < 1970 || tm.tm_year > 2200) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs);
}

// Printable ASCII only, bounded: S3 messages go into logs and pages.
std::string Clean(std::string_view s, size_t max = 200) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

}  // namespace

struct S3Store::Target {
  std::string scheme;
  std::string host;
  std::string path;  // decoded
};

Status S3Store::Validate(const S3Options& o) {
  if (!IsValidBucket(o.bucket)) {
    return Status::InvalidArgument(
        "S3 bucket name must be 3-63 characters of a-z, 0-9, '.', '-' (got '" +
        Clean(o.bucket, 80) + "')");
  }
  if (!o.prefix.empty() && (o.prefix.back() != '/' || o.prefix.front() == '/' ||
                            !IsSafeKey(o.prefix.substr(0, o.prefix.size() - 1)))) {
    return Status::InvalidArgument(
        "S3 prefix must be segments of [A-Za-z0-9._=-] joined by '/' (got '" + Clean(o.prefix, 80) +
        "')");
  }
  if (!o.endpoint.empty()) RC_RETURN_IF_ERROR(ParseEndpoint(o.endpoint).status());
  if (o.region.empty()) return Status::InvalidArgument("AWS region is empty");
  if (o.credentials.access_key_id.empty() || o.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument(
        "S3 records need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (on Lambda the execution "
        "role provides them)");
  }
  return Status::Ok();
}

S3Store::S3Store(S3Options options, http::Client& client, const base::Clock& clock)
    : options_(std::move(options)), client_(client), clock_(clock) {}

std::string S3Store::Describe() const { return "s3://" + options_.bucket + "/" + options_.prefix; }

S3Store::Target S3Store::Locate(std::string_view object_key) const {
  Target t;
  bool virtual_hosted;
  if (options_.endpoint.empty()) {
    t.scheme = "https";
    t.host = "s3." + options_.region + ".amazonaws.com";
    virtual_hosted = options_.addressing == S3Addressing::kVirtualHosted ||
                     (options_.addressing == S3Addressing::kAuto &&
                      options_.bucket.find('.') == std::string::npos);
  } else {
    const Result<Endpoint> e = ParseEndpoint(options_.endpoint);  // validated by the factory
    t.scheme = e.ok() ? e->scheme : "https";
    t.host = e.ok() ? e->host : options_.endpoint;
    virtual_hosted = options_.addressing == S3Addressing::kVirtualHosted;
  }
  if (virtual_hosted) {
    t.host = options_.bucket + "." + t.host;
    t.path = "/" + std::string(object_key);
  } else {
    t.path = "/" + options_.bucket + (object_key.empty() ? "" : "/" + std::string(object_key));
  }
  return t;
}

Result<http::Response> S3Store::Send(const std::string& method, std::string_view object_key,
                                     std::vector<std::pair<std::string, std::string>> query,
                                     http::Headers headers, const std::string& body,
                                     base::TimePoint deadline) {
  const Target t = Locate(object_key);
  SigningInput in;
  in.method = method;
  in.host = t.host;
  in.path = t.path;
  in.query = std::move(query);
  in.headers = std::move(headers);
  in.payload_hash = Sha256Hex(body);
  in.region = options_.region;
  in.service = "s3";
  in.add_content_sha256 = true;
  http::Request req;
  req.method = method;
  req.url = t.scheme + "://" + t.host + EncodePath(t.path);
  if (!in.query.empty()) req.url += "?" + EncodeQuery(in.query);
  req.body = body;
  req.deadline = deadline;
  req.attempt_timeout = options_.attempt_timeout;
  req.max_retries = options_.max_retries;
  for (int attempt = 0;; ++attempt) {
    const base::TimePoint signing_time = clock_.Now() + std::chrono::milliseconds(skew_ms_.load());
    req.headers = SignV4(in, options_.credentials, FormatAmzDate(signing_time)).headers;
    RC_ASSIGN_OR_RETURN(http::Response resp, client_.Send(req));
    // Like the AWS SDKs: a clock more than 15 minutes off is corrected from S3's own time
    // (once per request; the offset is kept for later requests).
    if (attempt > 0 || resp.status != 403 || XmlText(resp.body, "Code") != "RequestTimeTooSkewed") {
      return resp;
    }
    const std::optional<base::TimePoint> server = ParseIso8601(XmlText(resp.body, "ServerTime"));
    if (!server) return resp;
    skew_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(*server - clock_.Now()).count();
  }
}

Status S3Error(std::string_view operation, const http::Response& response,
               std::string_view bucket) {
  const std::string code = Clean(XmlText(response.body, "Code"), 64);
  const std::string message = Clean(XmlText(response.body, "Message"));
  std::string what = "S3 " + std::string(operation) + " refused: HTTP " +
                     std::to_string(response.status) + (code.empty() ? "" : " " + code);
  if (!message.empty()) what += ": " + message;
  if (code == "SignatureDoesNotMatch") {
    return Status::PermissionDenied(what + " (check AWS_SECRET_ACCESS_KEY)");
  }
  if (code == "InvalidAccessKeyId") {
    return Status::PermissionDenied(what + " (check AWS_ACCESS_KEY_ID)");
  }
  if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired") {
    return Status::PermissionDenied(what + " (refresh AWS_SESSION_TOKEN)");
  }
  if (code == "AccessDenied" || code == "AllAccessDisabled") {
    return Status::PermissionDenied(what +
                                    " (the credentials lack s3:PutObject / s3:GetObject / "
                                    "s3:ListBucket on this bucket)");
  }
  if (code == "RequestTimeTooSkewed") {
    const std::string req = Clean(XmlText(response.body, "RequestTime"), 40);
    const std::string srv = Clean(XmlText(response.body, "ServerTime"), 40);
    return Status::FailedPrecondition(what + " (the local clock is more than 15 minutes off" +
                                      (srv.empty() ? "" : "; server time " + srv) +
                                      (req.empty() ? "" : ", request time " + req) + ")");
  }
  if (code == "NoSuchBucket") {
    return Status::NotFound("S3 bucket '" + Clean(bucket, 63) + "' does not exist (NoSuchBucket)");
  }
  if (code == "NoSuchKey" || response.status == 404) return Status::NotFound(what);
  if (response.status == 429 || code == "SlowDown") return Status::ResourceExhausted(what);
  return Status::Unavailable(what);
}

Result<std::string> S3Store::Put(const Record& record, base::TimePoint deadline) {
  RC_ASSIGN_OR_RETURN(EncodedRecord object, EncodeRecord(record, options_.format));
  return Write(object, deadline);
}

Result<std::string> S3Store::Write(const EncodedRecord& object, base::TimePoint deadline) {
  if (!IsSafeKey(object.key)) return Status::InvalidArgument("unsafe record key");
  int requests = 0;  // bounds the loop whatever the server answers
  for (int n = 0; n < kMaxCollisions && requests < kMaxCollisions + 8; ++n, ++requests) {
    const std::string key = n == 0 ? object.key : CollisionKey(object.key, n);
    const std::string full = options_.prefix + key;
    http::Headers headers = {{"Content-Type", object.content_type},
                             {"Content-MD5", Md5Base64(object.body)}};
    const bool conditional = conditional_put_supported_.load();
    if (conditional) headers.emplace_back("If-None-Match", "*");
    RC_ASSIGN_OR_RETURN(http::Response resp,
                        Send("PUT", full, {}, std::move(headers), object.body, deadline));
    if (resp.status >= 200 && resp.status < 300) return key;
    if (resp.status == 501 && conditional) {
      // The server does not do conditional writes: plain PUTs from now on (keys carry the
      // request id, so a collision needs two records of the same request in one millisecond).
      conditional_put_supported_ = false;
      --n;
      continue;
    }
    if (resp.status == 412 || resp.status == 409) {
      // The key is taken. The same bytes mean an earlier attempt of this very write landed.
      Result<std::string> existing = GetObject(full, deadline);
      if (existing.ok() && *existing == object.body) return key;
      if (!existing.ok() && existing.status().code() == StatusCode::kPermissionDenied) {
        // Typically a role granted s3:PutObject alone: a retried write cannot be checked.
        return existing.status().WithContext(
            "S3 PutObject found the record's key taken (HTTP " + std::to_string(resp.status) +
            ") and reading it back to compare needs s3:GetObject on s3://" + options_.bucket + "/" +
            options_.prefix + "*");
      }
      if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
        return existing.status();
      }
      if (!existing.ok()) --n;  // vanished (409 race): try the same key again
      continue;
    }
    return S3Error("PutObject", resp, options_.bucket);
  }
  // Not the key: it holds the city asked about, and this message reaches the function's log.
  return Status::ResourceExhausted("more than 1000 records share one key in " + Describe());
}

Result<std::string> S3Store::GetObject(std::string_view full_key, base::TimePoint deadline) {
  RC_ASSIGN_OR_RETURN(http::Response resp, Send("GET", full_key, {}, {}, "", deadline));
  if (resp.status == 200) return std::move(resp.body);
  return S3Error("GetObject", resp, options_.bucket);
}

Result<std::string> S3Store::Get(std::string_view key) {
  if (!IsSafeKey(key)) return Status::InvalidArgument("unsafe record key");
  return GetObject(options_.prefix + std::string(key), clock_.Now() + options_.read_timeout);
}

Result<std::vector<std::string>> S3Store::List(std::string_view prefix) {
  const base::TimePoint deadline = clock_.Now() + options_.read_timeout;
  std::vector<std::string> keys;
  std::string token;
  for (int page = 0; page < kMaxListPages; ++page) {
    std::vector<std::pair<std::string, std::string>> query = {
        {"list-type", "2"}, {"prefix", options_.prefix + std::string(prefix)}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    RC_ASSIGN_OR_RETURN(http::Response resp, Send("GET", "", std::move(query), {}, "", deadline));
    if (resp.status != 200) return S3Error("ListObjectsV2", resp, options_.bucket);
    for (std::string& key : XmlTexts(resp.body, "Key")) {
      if (base::StartsWith(key, options_.prefix))
        keys.push_back(key.substr(options_.prefix.size()));
    }
    if (XmlText(resp.body, "IsTruncated") != "true") break;
    token = XmlText(resp.body, "NextContinuationToken");
    if (token.empty()) return Status::Corruption("S3 ListObjectsV2: truncated page without token");
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace raincheck::store
