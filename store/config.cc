#include "store/config.h"

#include "base/strings.h"

namespace raincheck::store {

namespace {

std::optional<std::string> NonEmpty(const base::EnvLookup& env, std::string_view name) {
  std::optional<std::string> v = env(name);
  if (v && base::Trim(*v).empty()) return std::nullopt;
  if (v) return std::string(base::Trim(*v));
  return v;
}

bool UnderTmp(std::string_view path) { return path == "/tmp" || base::StartsWith(path, "/tmp/"); }

Status ParseS3Url(std::string_view url, S3Options* s3) {
  std::string_view rest = url.substr(5);  // after "s3://"
  const size_t slash = rest.find('/');
  s3->bucket = std::string(rest.substr(0, slash));
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  s3->prefix = prefix.empty() ? "" : prefix + "/";
  return Status::Ok();
}

}  // namespace

Result<RecordsConfig> ParseRecordsConfig(const base::EnvLookup& env) {
  RecordsConfig c;
  c.on_lambda = NonEmpty(env, "AWS_LAMBDA_FUNCTION_NAME").has_value() ||
                NonEmpty(env, "AWS_LAMBDA_RUNTIME_API").has_value();

  if (const auto format = NonEmpty(env, "RAINCHECK_RECORDS_FORMAT")) {
    RC_ASSIGN_OR_RETURN(c.format, ParseRecordFormat(*format));
  }
  c.s3.format = c.format;
  c.spool_dir = NonEmpty(env, "RAINCHECK_SPOOL")
                    .value_or(c.on_lambda ? "/tmp/raincheck-spool" : "./records-spool");

  const std::string records = NonEmpty(env, "RAINCHECK_RECORDS")
                                  .value_or(c.on_lambda ? "dir:/tmp/records" : "dir:./records");
  if (base::EqualsIgnoreAsciiCase(records, "off")) {
    c.kind = RecordsConfig::Kind::kOff;
  } else if (base::StartsWith(records, "dir:")) {
    c.kind = RecordsConfig::Kind::kDirectory;
    c.directory = records.substr(4);
    if (c.directory.empty()) {
      return Status::InvalidArgument("RAINCHECK_RECORDS=dir:PATH needs a path");
    }
  } else if (base::StartsWith(records, "s3://")) {
    c.kind = RecordsConfig::Kind::kS3;
    RC_RETURN_IF_ERROR(ParseS3Url(records, &c.s3));
  } else {
    return Status::InvalidArgument("RAINCHECK_RECORDS must be dir:PATH, s3://bucket/prefix or off");
  }

  // A local emulator (raincheck's, like SAM CLI's, sets AWS_SAM_LOCAL=true) writes where the
  // developer's records are; only the real Lambda is read-only outside /tmp.
  const bool emulated = NonEmpty(env, "AWS_SAM_LOCAL").value_or("") == "true";
  if (c.on_lambda && !emulated &&
      (!UnderTmp(c.spool_dir) ||
       (c.kind == RecordsConfig::Kind::kDirectory && !UnderTmp(c.directory)))) {
    return Status::InvalidArgument(
        "on Lambda only /tmp is writable: RAINCHECK_RECORDS=dir:... and RAINCHECK_SPOOL must be "
        "under /tmp");
  }

  if (c.kind == RecordsConfig::Kind::kS3) {
    c.s3.region = NonEmpty(env, "AWS_REGION")
                      .value_or(NonEmpty(env, "AWS_DEFAULT_REGION").value_or("us-east-1"));
    c.s3.endpoint = NonEmpty(env, "AWS_ENDPOINT_URL_S3")
                        .value_or(NonEmpty(env, "AWS_ENDPOINT_URL").value_or(""));
    c.s3.credentials.access_key_id = NonEmpty(env, "AWS_ACCESS_KEY_ID").value_or("");
    c.s3.credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY").value_or("");
    c.s3.credentials.session_token = env("AWS_SESSION_TOKEN").value_or("");
    if (const auto addressing = NonEmpty(env, "RAINCHECK_S3_ADDRESSING")) {
      const std::string a = base::AsciiLower(*addressing);
      if (a == "auto")
        c.s3.addressing = S3Addressing::kAuto;
      else if (a == "virtual")
        c.s3.addressing = S3Addressing::kVirtualHosted;
      else if (a == "path")
        c.s3.addressing = S3Addressing::kPathStyle;
      else
        return Status::InvalidArgument("RAINCHECK_S3_ADDRESSING must be auto, virtual or path");
    }
    const Status valid = S3Store::Validate(c.s3);
    if (!valid.ok()) return valid.WithContext("RAINCHECK_RECORDS");
  }
  return c;
}

std::string DescribeRecordsConfig(const RecordsConfig& c) {
  switch (c.kind) {
    case RecordsConfig::Kind::kOff:
      return "off";
    case RecordsConfig::Kind::kDirectory:
      return "dir:" + c.directory;
    case RecordsConfig::Kind::kS3:
      return "s3://" + c.s3.bucket + "/" + c.s3.prefix + " (" + c.s3.region +
             (c.s3.endpoint.empty() ? "" : ", endpoint " + c.s3.endpoint) + ")";
  }
  return "off";
}

Result<std::unique_ptr<SpoolingStore>> MakeRecordStore(const RecordsConfig& config,
                                                       http::Client* client,
                                                       const base::Clock& clock) {
  std::unique_ptr<RecordStore> inner;
  switch (config.kind) {
    case RecordsConfig::Kind::kOff:
      return std::unique_ptr<SpoolingStore>();
    case RecordsConfig::Kind::kDirectory:
      inner = std::make_unique<DirectoryStore>(config.directory, config.format);
      break;
    case RecordsConfig::Kind::kS3:
      if (client == nullptr) return Status::Internal("S3 records need an HTTP client");
      RC_RETURN_IF_ERROR(S3Store::Validate(config.s3));
      inner = std::make_unique<S3Store>(config.s3, *client, clock);
      break;
  }
  return std::make_unique<SpoolingStore>(std::move(inner), config.spool_dir, config.format, clock);
}

}  // namespace raincheck::store
