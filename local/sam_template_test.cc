#include "local/sam_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "packaging/template.h"

namespace raincheck::local {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Env(const SamFunction& f, const std::string& name) {
  for (const auto& [k, v] : f.environment) {
    if (k == name) return v;
  }
  return "<absent>";
}

std::vector<std::string> RouteKeys(const SamFunction& f) {
  std::vector<std::string> keys;
  for (const SamRoute& r : f.routes) keys.push_back(r.RouteKey());
  return keys;
}

// The template `raincheck package` writes: its routes, settings and environment, with the
// short-form intrinsics resolved from the Parameters' defaults.
TEST(SamTemplateTest, ReadsTheTemplateRaincheckPackageWrites) {
  packaging::TemplateOptions options;
  options.architecture = "arm64";
  options.memory_mb = 512;
  options.timeout_s = 7;
  Result<SamTemplate> t = ParseSamTemplate(packaging::SamTemplate(options));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  Result<const SamFunction*> f = SelectFunction(*t, "");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->logical_id, "RaincheckFunction");
  EXPECT_EQ((*f)->timeout_s, 7);
  EXPECT_EQ((*f)->memory_mb, 512);
  EXPECT_EQ((*f)->architecture, "arm64");
  // Every route the template declares, whatever it is (not only /forecast).
  const std::vector<std::string> keys = RouteKeys(**f);
  EXPECT_THAT(keys, ::testing::Contains("GET /forecast"));
  EXPECT_THAT(keys, ::testing::Contains("GET /"));
  EXPECT_THAT(keys, ::testing::Contains("POST /predict"));
  EXPECT_THAT(keys, ::testing::Contains("GET /models"));
  for (const SamRoute& r : (*f)->routes) EXPECT_EQ(r.payload_format, "2.0") << r.event;
  // !Ref Geocoder -> its Default; !If on an empty bucket name -> "off"; !Ref AWS::NoValue
  // through !If -> absent; a plain value as is.
  EXPECT_EQ(Env(**f, "RAINCHECK_GEOCODER"), "offline");
  EXPECT_EQ(Env(**f, "RAINCHECK_WEATHER"), "openmeteo");
  EXPECT_EQ(Env(**f, "RAINCHECK_RECORDS"), "off");
  EXPECT_EQ(Env(**f, "RAINCHECK_LOG_LEVEL"), "info");
  EXPECT_EQ(Env(**f, "LOCATIONIQ_KEY_SSM_PARAMETER"), "<absent>");
  EXPECT_TRUE((*f)->unresolved.empty());

  // A parameter override flips the conditions, as `sam local --parameter-overrides` does.
  SamResolveOptions overrides;
  overrides.parameter_overrides = {{"RecordsBucketName", "my-bucket"},
                                   {"LocationIqKeySsmParameter", "/raincheck/liq"}};
  Result<SamTemplate> o = ParseSamTemplate(packaging::SamTemplate(options), overrides);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(Env(o->functions[0], "RAINCHECK_RECORDS"), "s3://my-bucket/records");
  EXPECT_EQ(Env(o->functions[0], "LOCATIONIQ_KEY_SSM_PARAMETER"), "/raincheck/liq");
}

// The shape of AWS's own samples (sam init's hello-world, an Api with a proxy route): Globals,
// long and short intrinsic forms, REST events, and what cannot be known before deploying.
TEST(SamTemplateTest, ReadsAwsStyleSamples) {
  const char* kTemplate = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

Parameters:
  Stage:
    Type: String
    Default: dev
  Secret:
    Type: String
    NoEcho: true

Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]

Globals:
  Function:
    Timeout: 3
    MemorySize: 256
    Architectures:
      - x86_64
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: globals

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.12
      Environment:
        Variables:
          OVERRIDDEN: function
          TABLE: !GetAtt Table.Arn
          QUEUE_URL: !Ref Queue
          SECRET: !Ref Secret
          STAGE_URL: !Sub "https://${AWS::Region}.example.com/${Stage}"
          LONG_FORM:
            Fn::Sub: "${AWS::StackName}-x"
          MODE: !If [IsDev, development, production]
          JOINED: !Join [":", [a, !Ref Stage, c]]
          PICKED: !Select [1, [zero, one, two]]
          LITERAL: !Sub "${!NotAVariable}"
          NUMBER: 42
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
        Proxy:
          Type: Api
          Properties:
            Path: /{proxy+}
            Method: any
        Schedule:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 30
      Events:
        Catch:
          Type: HttpApi
          Properties:
            PayloadFormatVersion: "1.0"
        Item:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: POST
  Table:
    Type: AWS::DynamoDB::Table
)";
  Result<SamTemplate> t = ParseSamTemplate(kTemplate);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->functions.size(), 2u);
  const SamFunction& hello = t->functions[0];
  EXPECT_EQ(hello.timeout_s, 3);
  EXPECT_EQ(hello.memory_mb, 256);
  EXPECT_EQ(hello.architecture, "x86_64");
  EXPECT_THAT(RouteKeys(hello), ElementsAre("GET /hello", "ANY /{proxy+}"));
  EXPECT_EQ(hello.routes[0].payload_format, "1.0");
  EXPECT_EQ(Env(hello, "SHARED"), "from-globals");
  EXPECT_EQ(Env(hello, "OVERRIDDEN"), "function");
  EXPECT_EQ(Env(hello, "STAGE_URL"), "https://us-east-1.example.com/dev");
  EXPECT_EQ(Env(hello, "LONG_FORM"), "local-x");
  EXPECT_EQ(Env(hello, "MODE"), "development");
  EXPECT_EQ(Env(hello, "JOINED"), "a:dev:c");
  EXPECT_EQ(Env(hello, "PICKED"), "one");
  EXPECT_EQ(Env(hello, "LITERAL"), "${NotAVariable}");
  EXPECT_EQ(Env(hello, "NUMBER"), "42");
  // Names only: what only the deployed stack knows, and a parameter without a Default.
  EXPECT_THAT(hello.unresolved, ElementsAre("TABLE", "QUEUE_URL", "SECRET"));

  const SamFunction& other = t->functions[1];
  EXPECT_EQ(other.timeout_s, 30);   // its own beats Globals
  EXPECT_EQ(other.memory_mb, 256);  // Globals
  EXPECT_THAT(RouteKeys(other), ElementsAre("$default", "POST /items/{id}"));
  EXPECT_EQ(other.routes[0].payload_format, "1.0");
  EXPECT_EQ(other.routes[1].payload_format, "2.0");

  // Choosing a function.
  EXPECT_FALSE(SelectFunction(*t, "").ok());
  EXPECT_THAT(SelectFunction(*t, "").status().message(), HasSubstr("HelloWorldFunction, Other"));
  ASSERT_TRUE(SelectFunction(*t, "Other").ok());
  EXPECT_EQ(SelectFunction(*t, "Nope").status().code(), StatusCode::kNotFound);

  // Parameter values from outside beat the defaults.
  SamResolveOptions o;
  o.parameter_overrides = {{"Stage", "prod"}, {"Secret", "s"}};
  Result<SamTemplate> prod = ParseSamTemplate(kTemplate, o);
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(Env(prod->functions[0], "MODE"), "production");
  EXPECT_THAT(prod->functions[0].unresolved, ElementsAre("TABLE", "QUEUE_URL"));
}

TEST(SamTemplateTest, JsonTemplatesToo) {
  Result<SamTemplate> t =
      ParseSamTemplate(R"({"Resources": {"Fn": {"Type": "AWS::Serverless::Function",
    "Properties": {"MemorySize": 1024, "Environment": {"Variables": {"A": {"Fn::Join": ["-", ["x", "y"]]}}},
    "Events": {"E": {"Type": "HttpApi", "Properties": {"Path": "/p", "Method": "put"}}}}}}})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->functions[0].memory_mb, 1024);
  EXPECT_THAT(t->functions[0].environment, ElementsAre(Pair("A", "x-y")));
  EXPECT_THAT(RouteKeys(t->functions[0]), ElementsAre("PUT /p"));
}

// Bad input: one clear error, never a crash.
TEST(SamTemplateTest, BadTemplatesAreClearErrors) {
  auto message = [](std::string_view text) {
    Result<SamTemplate> t = ParseSamTemplate(text);
    EXPECT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    return t.ok() ? std::string() : t.status().message();
  };
  EXPECT_THAT(message(""), HasSubstr("empty"));
  EXPECT_THAT(message("a: 1\nb: 2\nc: d: e\nf: 1\n"), HasSubstr("(line 3)"));
  EXPECT_THAT(message("a: b\n c: d\n"), HasSubstr("not valid YAML"));
  EXPECT_THAT(message("just text"), HasSubstr("not a mapping"));
  EXPECT_THAT(message("Resources:\n  B:\n    Type: AWS::S3::Bucket\n"), HasSubstr("no function"));
  EXPECT_THAT(message("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                      "      Timeout: ten\n"),
              HasSubstr("Timeout"));
  EXPECT_THAT(message("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                      "      Events:\n        E:\n          Type: Api\n          Properties:\n"
                      "            Path: /x\n"),
              HasSubstr("Method"));
  // Aliases that reference themselves or unknown anchors, deep nesting: errors, not crashes.
  EXPECT_FALSE(ParseSamTemplate("a: *nothing\n").ok());
  EXPECT_FALSE(ParseSamTemplate(std::string(500, '[') + std::string(500, ']')).ok());
}

TEST(SamTemplateTest, RoutePathsMatchAsApiGatewayDoes) {
  EXPECT_TRUE(RoutePathMatches("/forecast", "/forecast"));
  EXPECT_FALSE(RoutePathMatches("/forecast", "/forecast/"));
  EXPECT_FALSE(RoutePathMatches("/forecast", "/forecasts"));
  EXPECT_TRUE(RoutePathMatches("/", "/"));
  EXPECT_FALSE(RoutePathMatches("/", "/x"));
  EXPECT_TRUE(RoutePathMatches("/items/{id}", "/items/42"));
  EXPECT_FALSE(RoutePathMatches("/items/{id}", "/items/"));
  EXPECT_FALSE(RoutePathMatches("/items/{id}", "/items/4/2"));
  EXPECT_TRUE(RoutePathMatches("/{proxy+}", "/a/b/c"));
  EXPECT_FALSE(RoutePathMatches("/{proxy+}", "/"));
  EXPECT_TRUE(RoutePathMatches("/api/{proxy+}", "/api/x"));
  EXPECT_FALSE(RoutePathMatches("/api/{proxy+}", "/other/x"));
}

}  // namespace
}  // namespace raincheck::local
