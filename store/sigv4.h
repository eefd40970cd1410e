// AWS Signature Version 4 (header form) as a pure function: no clock, no environment, no I/O.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#ifndef RAINCHECK_STORE_SIGV4_H_
#define RAINCHECK_STORE_SIGV4_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "http/client.h"

namespace raincheck::store {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// What is signed. Paths and query parameters are given decoded; the signer applies the
// SigV4 URI encoding (RFC 3986 unreserved characters kept, everything else %XX), so the
// caller must put the same encoding on the wire (EncodePath / EncodeQuery below).
struct SigningInput {
  std::string method;  // "GET", "PUT", ...
  std::string host;  // the Host header value: "bucket.s3.eu-west-1.amazonaws.com", "127.0.0.1:5000"
  std::string path = "/";                                  // decoded, starts with '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value pairs
  // Further headers to send and sign (any case, duplicates allowed: values are joined with
  // ',' in order). Host, X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-Sha256 are added
  // by the signer.
  http::Headers headers;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string payload_hash;
  std::string region;   // "us-east-1"
  std::string service;  // "s3", "iam", ...
  // Remove "." / ".." segments and repeated slashes from the path before signing (every
  // service but S3). S3 signs the path exactly as given.
  bool normalize_path = false;
  // Send and sign X-Amz-Content-Sha256 (required by S3).
  bool add_content_sha256 = false;
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // 64 lowercase hex characters
  std::string authorization;  // the Authorization header value
  // Every header to send: the input headers, the ones the signer added, then Authorization.
  http::Headers headers;
};

// "20150830T123600Z" (UTC).
std::string FormatAmzDate(base::TimePoint t);

// Signs `input` at `amz_date` ("YYYYMMDDTHHMMSSZ"). Deterministic: the same arguments always
// give the same signature. The secret appears in no field of the result.
SignedRequest SignV4(const SigningInput& input, const Credentials& credentials,
                     std::string_view amz_date);

// The signing key: HMAC chain over "AWS4" + secret, date (YYYYMMDD), region, service.
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);

// SigV4 URI encoding of a decoded path: each segment encoded, '/' kept.
std::string EncodePath(std::string_view path);
// "a=1&b=2" with names and values encoded, in the order given (for the URL; the signer sorts
// its own copy).
std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_SIGV4_H_
