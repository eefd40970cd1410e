// Fuzz target: S3's XML answers as S3Store reads them: a ListObjectsV2 page (keys, IsTruncated,
// NextContinuationToken), the error document of a refused PutObject (RequestTimeTooSkewed's
// ServerTime re-signs the request once) and the error of any status (S3Error).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "fuzz/fake_http.h"
#include "store/s3_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const std::string_view body = fuzz::AsText(data, size);
  const base::ManualClock clock(std::chrono::sys_days(std::chrono::year(2026) / 11 / 28));
  store::S3Options options;
  options.bucket = "records";
  options.prefix = "rain/";
  options.endpoint = "http://127.0.0.1:9";
  options.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

  {  // A listing: this page, then a last one.
    fuzz::CannedClient client(
        fuzz::Answer(body, "application/xml"),
        fuzz::Answer("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
                     "application/xml"));
    store::S3Store s3(options, client, clock);
    const auto keys = s3.List("2026/");
    if (keys.ok()) {
      for (size_t i = 1; i < keys->size(); ++i) {
        if ((*keys)[i - 1] > (*keys)[i]) __builtin_trap();
      }
    } else if (keys.status().message().empty()) {
      __builtin_trap();
    }
  }
  {  // A refused write, then a successful one.
    http::Response refused = fuzz::Answer(body, "application/xml");
    refused.status = 403;
    fuzz::CannedClient client(refused, fuzz::Answer(""));
    store::S3Store s3(options, client, clock);
    const store::EncodedRecord object{"2026/11/28/record.csv", "a,b\n1,2\n", "text/csv"};
    const auto key = s3.Write(object, clock.Now() + std::chrono::seconds(10));
    if (client.calls() > 2) __builtin_trap();  // one re-signed attempt at most
    // The secret is never part of a message (unless S3's own answer quoted it).
    const std::string& secret = options.credentials.secret_access_key;
    if (!key.ok() && key.status().message().find(secret) != std::string::npos &&
        body.find(secret) == std::string_view::npos) {
      __builtin_trap();
    }
  }
  for (int status : {400, 404, 409, 429, 503}) {
    http::Response response = fuzz::Answer(body, "application/xml");
    response.status = status;
    if (store::S3Error("GetObject", response, options.bucket).ok()) __builtin_trap();
  }
  return 0;
}
