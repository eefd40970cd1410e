#include "packaging/template.h"

namespace raincheck::packaging {

std::string SamTemplate(const TemplateOptions& o) {
  std::string t = R"(AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: raincheck - will it rain tomorrow? (C++ custom runtime, model layer, HTTP API)

Parameters:
  RecordsBucketName:
    Type: String
    Default: ""
    Description: Name of a new S3 bucket for the CSV records; empty for no records.
  Geocoder:
    Type: String
    Default: offline
    AllowedValues: [offline, openmeteo, nominatim, locationiq]
  Weather:
    Type: String
    Default: openmeteo
    AllowedValues: [openmeteo, darksky]
  LocationIqKeySsmParameter:
    Type: String
    Default: ""
    AllowedPattern: "^$|^arn:[^:]+:ssm:[^:]+:[0-9]+:parameter/.+$|^[a-zA-Z0-9_.-]+$|^(/[a-zA-Z0-9_.-]+)+$"
    ConstraintDescription: >-
      a parameter name (my-key, or /a/hierarchical/name with its leading slash) or its full ARN
    Description: >-
      Name (plain, or hierarchical with its leading /) or ARN of the SSM SecureString parameter
      holding the LocationIQ key (never the key).
  DarkSkyKeySecretId:
    Type: String
    Default: ""
    AllowedPattern: "^$|^arn:[^:]+:secretsmanager:[^:]+:[0-9]+:secret:.+-[a-zA-Z0-9]{6}$|^[a-zA-Z0-9/_+=.@-]+$"
    ConstraintDescription: >-
      a secret name (my/secret) or its complete ARN, ending in the 6 characters Secrets Manager adds
    Description: >-
      Name or complete ARN of the Secrets Manager secret holding the DarkSky-compatible key
      (never the key).
  ParametersSecretsExtensionLayerArn:
    Type: String
    Default: ""
    Description: >-
      ARN of the AWS Parameters and Secrets Lambda Extension layer for this region and
      architecture (see the AWS documentation); needed when a key parameter is set.

Conditions:
  HasRecordsBucket: !Not [!Equals [!Ref RecordsBucketName, ""]]
  HasLocationIqKey: !Not [!Equals [!Ref LocationIqKeySsmParameter, ""]]
  HasDarkSkyKey: !Not [!Equals [!Ref DarkSkyKeySecretId, ""]]
  HasSecretsExtension: !Not [!Equals [!Ref ParametersSecretsExtensionLayerArn, ""]]
  # IAM resource of the key parameter and secret: an ARN as given; a hierarchical SSM name
  # ("/a/b") already starts with the "/" that follows "parameter" in its ARN.
  LocationIqKeyIsArn: !Equals [!Select [0, !Split [":", !Ref LocationIqKeySsmParameter]], "arn"]
  LocationIqKeyIsPath: !Equals [!Select [0, !Split ["/", !Ref LocationIqKeySsmParameter]], ""]
  DarkSkyKeyIsArn: !Equals [!Select [0, !Split [":", !Ref DarkSkyKeySecretId]], "arn"]

Resources:
  ModelLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      Description: raincheck forest models (land in /opt/raincheck/models/)
      ContentUri: @LAYER_ZIP@
      CompatibleRuntimes: [provided.al2023]
      CompatibleArchitectures: [@ARCH@]
      RetentionPolicy: Retain

  RuntimeLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      Description: glibc, libstdc++, libcurl and the rest of bootstrap's shared libraries (/opt/raincheck/lib)
      ContentUri: @RUNTIME_ZIP@
      CompatibleRuntimes: [provided.al2023]
      CompatibleArchitectures: [@ARCH@]
      RetentionPolicy: Retain

  RecordsBucket:
    Type: AWS::S3::Bucket
    Condition: HasRecordsBucket
    Properties:
      BucketName: !Ref RecordsBucketName
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256

  RaincheckFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: @FUNCTION_ZIP@
      Handler: bootstrap
      Runtime: provided.al2023
      Architectures: [@ARCH@]
      MemorySize: @MEMORY@
      Timeout: @TIMEOUT@
      Layers:
        - !Ref RuntimeLayer
        - !Ref ModelLayer
        - !If [HasSecretsExtension, !Ref ParametersSecretsExtensionLayerArn, !Ref AWS::NoValue]
      Environment:
        Variables:
          RAINCHECK_GEOCODER: !Ref Geocoder
          RAINCHECK_WEATHER: !Ref Weather
          RAINCHECK_RECORDS: !If [HasRecordsBucket, !Sub "s3://${RecordsBucketName}/records", "off"]
          RAINCHECK_LOG_LEVEL: info
          LOCATIONIQ_KEY_SSM_PARAMETER: !If [HasLocationIqKey, !Ref LocationIqKeySsmParameter, !Ref AWS::NoValue]
          DARKSKY_KEY_SECRET_ID: !If [HasDarkSkyKey, !Ref DarkSkyKeySecretId, !Ref AWS::NoValue]
      Policies:
        # Records (store/s3_store.cc): PutObject writes each record with If-None-Match: *;
        # GetObject reads back a key that PUT found taken (412), to tell a retried write that
        # had landed (same bytes: done) from another record (next key). Both on records/*
        # only, and no listing of the bucket (`raincheck records` lists and reads with the
        # operator's own credentials). docs/packaging.md, "IAM".
        - !If
          - HasRecordsBucket
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action:
                  - s3:PutObject
                  - s3:GetObject
                Resource: !Sub "arn:${AWS::Partition}:s3:::${RecordsBucketName}/records/*"
          - !Ref AWS::NoValue
        - !If
          - HasLocationIqKey
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: ssm:GetParameter
                Resource: !If
                  - LocationIqKeyIsArn
                  - !Ref LocationIqKeySsmParameter
                  - !If
                    - LocationIqKeyIsPath
                    - !Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${LocationIqKeySsmParameter}"
                    - !Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${LocationIqKeySsmParameter}"
          - !Ref AWS::NoValue
        - !If
          - HasDarkSkyKey
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !If
                  - DarkSkyKeyIsArn
                  - !Ref DarkSkyKeySecretId
                  - !Sub "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${DarkSkyKeySecretId}-??????"
          - !Ref AWS::NoValue
      Events:
        Forecast:
          Type: HttpApi
          Properties:
            Path: /forecast
            Method: GET
        Page:
          Type: HttpApi
          Properties:
            Path: /
            Method: GET
        Predict:
          Type: HttpApi
          Properties:
            Path: /predict
            Method: POST
        Models:
          Type: HttpApi
          Properties:
            Path: /models
            Method: GET

Outputs:
  ApiUrl:
    Description: >-
      The page (GET /?city=...), the forecast (GET /forecast?city=...), the predict API
      (POST /predict) and its models (GET /models)
    Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
  FunctionName:
    Value: !Ref RaincheckFunction
  RecordsBucket:
    Condition: HasRecordsBucket
    Value: !Ref RecordsBucket
)";
  auto replace = [&t](const std::string& key, const std::string& value) {
    for (size_t p = t.find(key); p != std::string::npos; p = t.find(key, p + value.size())) {
      t.replace(p, key.size(), value);
    }
  };
  replace("@ARCH@", o.architecture);
  replace("@MEMORY@", std::to_string(o.memory_mb));
  replace("@TIMEOUT@", std::to_string(o.timeout_s));
  replace("@FUNCTION_ZIP@", o.function_zip);
  replace("@LAYER_ZIP@", o.layer_zip);
  replace("@RUNTIME_ZIP@", o.runtime_zip);
  return t;
}

}  // namespace raincheck::packaging
