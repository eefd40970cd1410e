#include "packaging/deploy.h"

#include <gtest/gtest.h>

#include "packaging/subprocess.h"

namespace raincheck::packaging {
namespace {

TEST(ShellQuoteTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(ShellQuote("dist/template.yaml"), "dist/template.yaml");
  EXPECT_EQ(ShellQuote("RecordsBucketName=my-bucket"), "RecordsBucketName=my-bucket");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(rm -rf /)"), "'$(rm -rf /)'");
}

TEST(DeployCommandsTest, PackageThenDeploy) {
  DeployOptions o;
  o.dist_dir = "out dir";
  o.s3_bucket = "artefacts";
  o.region = "eu-west-1";
  o.records_bucket = "rain-records";
  o.locationiq_key_ssm_parameter = "raincheck/locationiq";
  auto c = DeployCommands(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(
      ShellJoin((*c)[0]),
      "aws cloudformation package --template-file 'out dir/template.yaml' --s3-bucket artefacts "
      "--output-template-file 'out dir/packaged.yaml' --region eu-west-1");
  EXPECT_EQ(
      ShellJoin((*c)[1]),
      "aws cloudformation deploy --template-file 'out dir/packaged.yaml' --stack-name raincheck "
      "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --region eu-west-1 "
      "--parameter-overrides RecordsBucketName=rain-records "
      "LocationIqKeySsmParameter=raincheck/locationiq");
}

TEST(DeployCommandsTest, NeedsAnArtefactBucket) {
  EXPECT_EQ(DeployCommands({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(RunDeployTest, WithoutAPackageSaysSo) {
  DeployOptions o;
  o.dist_dir = ::testing::TempDir() + "no-such-dist";
  o.s3_bucket = "artefacts";
  const Status s = RunDeploy(o);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("raincheck package"), std::string::npos);
}

TEST(RunCaptureTest, CapturesOutputAndExitCode) {
  auto r = RunCapture({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(RunCapture({"/nonexistent/tool"}).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace raincheck::packaging
