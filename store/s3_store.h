// Records as S3 objects: PutObject / ListObjectsV2 / GetObject over http::Client, signed
// with SigV4 (store/sigv4.h).
#ifndef RAINCHECK_STORE_S3_STORE_H_
#define RAINCHECK_STORE_S3_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "http/client.h"
#include "store/record_store.h"
#include "store/sigv4.h"

namespace raincheck::store {

enum class S3Addressing {
  kAuto,           // virtual-hosted on AWS (path-style for bucket names with dots);
                   // path-style on a custom endpoint (moto, MinIO, LocalStack)
  kVirtualHosted,  // https://bucket.s3.region.amazonaws.com/key, http://bucket.host:port/key
  kPathStyle,      // https://s3.region.amazonaws.com/bucket/key
};

struct S3Options {
  std::string bucket;
  std::string prefix;  // "" or ends with '/'
  std::string region = "us-east-1";
  // "" for AWS, else "http(s)://host[:port]" (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
  std::string endpoint;
  S3Addressing addressing = S3Addressing::kAuto;
  Credentials credentials;
  RecordFormat format = RecordFormat::kCsv;
  // Per attempt; the client also stops at the Put deadline. Retries (5xx, timeouts,
  // connection errors) come from the http::Client.
  std::chrono::milliseconds attempt_timeout{3000};
  int max_retries = 2;
  // Budget of List and Get (they take no deadline).
  std::chrono::milliseconds read_timeout{30000};
};

// Thread-safe. Objects are written with Content-MD5 and a signed x-amz-content-sha256 (S3
// rejects a body that does not match either) and If-None-Match: * so an existing object is
// never replaced (servers that answer 501 to the condition get plain PUTs afterwards). S3's
// XML errors are reported by code without echoing anything secret (a RequestTimeTooSkewed is
// first corrected from S3's ServerTime and the request re-signed once, as the AWS SDKs do):
//   SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied, ExpiredToken -> PermissionDenied
//   RequestTimeTooSkewed                                              -> FailedPrecondition
//   NoSuchBucket, NoSuchKey                                           -> NotFound
//   5xx after the client's retries                                    -> Unavailable
class S3Store final : public RecordStore {
 public:
  // `client` and `clock` must outlive the store.
  S3Store(S3Options options, http::Client& client, const base::Clock& clock);

  Result<std::string> Put(const Record& record, base::TimePoint deadline) override;
  Result<std::string> Write(const EncodedRecord& object, base::TimePoint deadline) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Result<std::string> Get(std::string_view key) override;
  std::string Describe() const override;

  // Checks the options (bucket name, endpoint form); the constructor does not.
  static Status Validate(const S3Options& options);

 private:
  struct Target;
  Target Locate(std::string_view object_key) const;
  Result<http::Response> Send(const std::string& method, std::string_view object_key,
                              std::vector<std::pair<std::string, std::string>> query,
                              http::Headers headers, const std::string& body,
                              base::TimePoint deadline);
  Result<std::string> GetObject(std::string_view key, base::TimePoint deadline);

  const S3Options options_;
  http::Client& client_;
  const base::Clock& clock_;
  std::atomic<bool> conditional_put_supported_{true};
  std::atomic<int64_t> skew_ms_{0};  // S3's clock minus ours, learnt from RequestTimeTooSkewed
};

// Maps an S3 error response to a Status (exposed for tests). `operation` is "PutObject", ...
Status S3Error(std::string_view operation, const http::Response& response, std::string_view bucket);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_S3_STORE_H_
