// Hashes and MACs used by the S3 signer and for object integrity (OpenSSL EVP / HMAC).
#ifndef RAINCHECK_STORE_DIGEST_H_
#define RAINCHECK_STORE_DIGEST_H_

#include <string>
#include <string_view>

namespace raincheck::store {

// Raw 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
// Lowercase hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
// Base64 of the raw MD5 of `data`: the value of a Content-MD5 header.
std::string Md5Base64(std::string_view data);
// Lowercase hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_DIGEST_H_
