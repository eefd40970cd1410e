#include "store/config.h"

#include <gtest/gtest.h>

#include <map>

namespace raincheck::store {
namespace {

base::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RecordsConfig, LocalDefaults) {
  const auto c = ParseRecordsConfig(Env({}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, RecordsConfig::Kind::kDirectory);
  EXPECT_EQ(c->directory, "./records");
  EXPECT_EQ(c->spool_dir, "./records-spool");
  EXPECT_EQ(c->format, RecordFormat::kCsv);
  EXPECT_FALSE(c->on_lambda);
}

TEST(RecordsConfig, LambdaDefaultsAndOnlyTmpIsWritable) {
  const auto c = ParseRecordsConfig(Env({{"AWS_LAMBDA_FUNCTION_NAME", "raincheck"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->directory, "/tmp/records");
  EXPECT_EQ(c->spool_dir, "/tmp/raincheck-spool");
  const auto bad = ParseRecordsConfig(
      Env({{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"}, {"RAINCHECK_RECORDS", "dir:/var/r"}}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("/tmp"), std::string::npos);
}

TEST(RecordsConfig, DirectoryOffAndFormat) {
  auto c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "dir:/data/r"},
                                   {"RAINCHECK_RECORDS_FORMAT", "jsonl"},
                                   {"RAINCHECK_SPOOL", "/data/spool"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->directory, "/data/r");
  EXPECT_EQ(c->format, RecordFormat::kJsonLines);
  EXPECT_EQ(c->spool_dir, "/data/spool");
  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "off"}}));
  EXPECT_EQ(c->kind, RecordsConfig::Kind::kOff);
  EXPECT_EQ(DescribeRecordsConfig(*c), "off");
}

TEST(RecordsConfig, S3FromTheAwsConventions) {
  const auto c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://rain-bucket/queries/v1/"},
                                         {"AWS_REGION", "eu-west-1"},
                                         {"AWS_DEFAULT_REGION", "us-west-2"},
                                         {"AWS_ENDPOINT_URL", "http://general:1"},
                                         {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000"},
                                         {"AWS_ACCESS_KEY_ID", "AKID"},
                                         {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                         {"AWS_SESSION_TOKEN", "TOKEN"},
                                         {"RAINCHECK_S3_ADDRESSING", "path"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, RecordsConfig::Kind::kS3);
  EXPECT_EQ(c->s3.bucket, "rain-bucket");
  EXPECT_EQ(c->s3.prefix, "queries/v1/");
  EXPECT_EQ(c->s3.region, "eu-west-1");
  EXPECT_EQ(c->s3.endpoint, "http://127.0.0.1:5000");
  EXPECT_EQ(c->s3.credentials.access_key_id, "AKID");
  EXPECT_EQ(c->s3.credentials.session_token, "TOKEN");
  EXPECT_EQ(c->s3.addressing, S3Addressing::kPathStyle);
  const std::string described = DescribeRecordsConfig(*c);
  EXPECT_EQ(described, "s3://rain-bucket/queries/v1/ (eu-west-1, endpoint http://127.0.0.1:5000)");
  EXPECT_EQ(described.find("SECRET"), std::string::npos);
}

TEST(RecordsConfig, S3FallbacksAndErrors) {
  auto c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://rain-bucket"},
                                   {"AWS_DEFAULT_REGION", "us-west-2"},
                                   {"AWS_ENDPOINT_URL", "http://localhost:4566"},
                                   {"AWS_ACCESS_KEY_ID", "AKID"},
                                   {"AWS_SECRET_ACCESS_KEY", "SECRET"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->s3.prefix, "");
  EXPECT_EQ(c->s3.region, "us-west-2");
  EXPECT_EQ(c->s3.endpoint, "http://localhost:4566");

  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://rain-bucket"}}));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);

  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://Bad_Bucket/x"},
                              {"AWS_ACCESS_KEY_ID", "AKID"},
                              {"AWS_SECRET_ACCESS_KEY", "SECRET"}}));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().find("SECRET"), std::string::npos);

  for (const char* bad : {"ftp://x", "dir:", "/plain/path", "s3:/x"}) {
    c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", bad}}));
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS_FORMAT", "xml"}}));
  EXPECT_NE(c.status().message().find("RAINCHECK_RECORDS_FORMAT"), std::string::npos);
  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://rain-bucket"},
                              {"AWS_ACCESS_KEY_ID", "AKID"},
                              {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                              {"RAINCHECK_S3_ADDRESSING", "sideways"}}));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

TEST(RecordsConfig, FactoryBuildsTheConfiguredStore) {
  base::ManualClock clock(base::FromUnixMillis(0));
  auto c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "off"}}));
  auto store = MakeRecordStore(*c, nullptr, clock);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->get(), nullptr);

  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "dir:/tmp/raincheck-config-test"}}));
  store = MakeRecordStore(*c, nullptr, clock);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Describe(), "dir:/tmp/raincheck-config-test (spool dir:./records-spool)");

  c = ParseRecordsConfig(Env({{"RAINCHECK_RECORDS", "s3://rain-bucket"},
                              {"AWS_ACCESS_KEY_ID", "AKID"},
                              {"AWS_SECRET_ACCESS_KEY", "SECRET"}}));
  EXPECT_EQ(MakeRecordStore(*c, nullptr, clock).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace raincheck::store
