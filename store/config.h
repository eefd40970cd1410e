// Where records go, from environment variables, and the factory that builds the store.
//
//   RAINCHECK_RECORDS         dir:PATH | s3://bucket[/prefix] | off
//                             (default dir:./records, on Lambda dir:/tmp/records)
//   RAINCHECK_RECORDS_FORMAT  csv | jsonl (default csv)
//   RAINCHECK_SPOOL           spool directory (default ./records-spool, on Lambda
//                             /tmp/raincheck-spool)
//   AWS_REGION (then AWS_DEFAULT_REGION, else us-east-1)
//   AWS_ENDPOINT_URL_S3 (then AWS_ENDPOINT_URL): custom S3 endpoint, e.g. http://127.0.0.1:5000
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   RAINCHECK_S3_ADDRESSING   auto | virtual | path (default auto)
// "On Lambda" means AWS_LAMBDA_FUNCTION_NAME or AWS_LAMBDA_RUNTIME_API is set; there records
// and spool must be under /tmp, unless AWS_SAM_LOCAL=true (a local emulator).
#ifndef RAINCHECK_STORE_CONFIG_H_
#define RAINCHECK_STORE_CONFIG_H_

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/env.h"
#include "base/status.h"
#include "http/client.h"
#include "store/s3_store.h"
#include "store/spooling_store.h"

namespace raincheck::store {

struct RecordsConfig {
  enum class Kind { kOff, kDirectory, kS3 };
  Kind kind = Kind::kDirectory;
  std::string directory;  // kDirectory
  S3Options s3;           // kS3
  RecordFormat format = RecordFormat::kCsv;
  std::string spool_dir;
  bool on_lambda = false;
};

// InvalidArgument naming the variable when a value is unusable; never echoes a credential.
Result<RecordsConfig> ParseRecordsConfig(const base::EnvLookup& env);

// "dir:./records", "s3://bucket/prefix/ (eu-west-1, endpoint http://...)", "off".
std::string DescribeRecordsConfig(const RecordsConfig& config);

// The store for `config`: a SpoolingStore around a DirectoryStore or an S3Store; nullptr when
// records are off. `client` is needed for S3 only (may be null otherwise); `client` and
// `clock` must outlive the store.
Result<std::unique_ptr<SpoolingStore>> MakeRecordStore(const RecordsConfig& config,
                                                       http::Client* client,
                                                       const base::Clock& clock);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_CONFIG_H_
