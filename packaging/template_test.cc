#include "packaging/template.h"

#include <gtest/gtest.h>

#include <regex>

namespace raincheck::packaging {
namespace {

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(TemplateTest, DescribesTheFunctionLayerAndApi) {
  TemplateOptions o;
  o.architecture = "arm64";
  const std::string t = SamTemplate(o);
  EXPECT_TRUE(Has(t, "Transform: AWS::Serverless-2016-10-31"));
  EXPECT_TRUE(Has(t, "Type: AWS::Serverless::Function"));
  EXPECT_TRUE(Has(t, "Type: AWS::Serverless::LayerVersion"));
  EXPECT_TRUE(Has(t, "Runtime: provided.al2023"));
  EXPECT_TRUE(Has(t, "Handler: bootstrap"));
  EXPECT_TRUE(Has(t, "Architectures: [arm64]"));
  EXPECT_FALSE(Has(t, "x86_64"));
  EXPECT_TRUE(Has(t, "MemorySize: 128"));
  EXPECT_TRUE(Has(t, "Timeout: 10"));
  EXPECT_TRUE(Has(t, "CodeUri: function.zip"));
  EXPECT_TRUE(Has(t, "ContentUri: model-layer.zip"));
  EXPECT_TRUE(Has(t, "ContentUri: runtime-layer.zip"));
  EXPECT_TRUE(Has(t, "- !Ref RuntimeLayer"));
  EXPECT_TRUE(Has(t, "Path: /forecast"));
  EXPECT_TRUE(Has(t, "Type: HttpApi"));
  EXPECT_FALSE(std::regex_search(t, std::regex("@[A-Z_]+@")));  // every placeholder filled
}

// Every route the function answers reaches it: the page, the forecast and the predict API.
TEST(TemplateTest, RoutesThePredictApiToTheFunction) {
  const std::string t = SamTemplate({});
  EXPECT_TRUE(Has(t, "            Path: /predict\n            Method: POST\n"));
  EXPECT_TRUE(Has(t, "            Path: /models\n            Method: GET\n"));
  EXPECT_TRUE(Has(t, "            Path: /forecast\n            Method: GET\n"));
  // Each route is an event of the one function, not a function of its own.
  EXPECT_EQ(t.find("Type: AWS::Serverless::Function"), t.rfind("Type: AWS::Serverless::Function"));
  const size_t events = t.find("      Events:\n");
  ASSERT_NE(events, std::string::npos);
  EXPECT_GT(t.find("Path: /predict"), events);
  EXPECT_GT(t.find("Path: /models"), events);
  EXPECT_LT(t.find("Path: /models"), t.find("\nOutputs:"));
}

// PutObject, and GetObject for the retry path (a taken key is read back), on records/* only;
// tests/template_policy_test.cc resolves the policy and runs the store under it.
TEST(TemplateTest, RecordsPolicyIsPutAndGetObjectUnderRecordsOnly) {
  const std::string t = SamTemplate({});
  EXPECT_TRUE(Has(t,
                  "                Action:\n"
                  "                  - s3:PutObject\n"
                  "                  - s3:GetObject\n"
                  "                Resource: !Sub "
                  "\"arn:${AWS::Partition}:s3:::${RecordsBucketName}/records/*\"\n"));
  EXPECT_FALSE(Has(t, "s3:ListBucket"));
  EXPECT_FALSE(Has(t, "s3:DeleteObject"));
  EXPECT_FALSE(Has(t, "s3:*"));
  EXPECT_TRUE(Has(t, "Condition: HasRecordsBucket"));
}

// Key policies name one parameter or secret: no trailing '*' after a name.
TEST(TemplateTest, KeyPoliciesHaveNoTrailingWildcard) {
  const std::string t = SamTemplate({});
  EXPECT_FALSE(Has(t, "${DarkSkyKeySecretId}*"));
  EXPECT_TRUE(Has(t, "secret:${DarkSkyKeySecretId}-??????\""));
  EXPECT_FALSE(Has(t, "parameter/${LocationIqKeySsmParameter}*"));
  EXPECT_TRUE(Has(t, ":parameter${LocationIqKeySsmParameter}\""));   // "/a/b"
  EXPECT_TRUE(Has(t, ":parameter/${LocationIqKeySsmParameter}\""));  // "name"
}

TEST(TemplateTest, KeysAreReferencesNeverValues) {
  const std::string t = SamTemplate({});
  EXPECT_TRUE(Has(t, "LOCATIONIQ_KEY_SSM_PARAMETER:"));
  EXPECT_TRUE(Has(t, "DARKSKY_KEY_SECRET_ID:"));
  EXPECT_FALSE(Has(t, "LOCATIONIQ_KEY:"));
  EXPECT_FALSE(Has(t, "DARKSKY_KEY:"));
  EXPECT_FALSE(Has(t, "AWS_SECRET_ACCESS_KEY"));
  EXPECT_TRUE(Has(t, "ParametersSecretsExtensionLayerArn"));
}

}  // namespace
}  // namespace raincheck::packaging
