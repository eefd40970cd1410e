#include "packaging/deploy.h"

#include <filesystem>

#include "packaging/subprocess.h"

namespace raincheck::packaging {

Result<std::vector<std::vector<std::string>>> DeployCommands(const DeployOptions& o) {
  if (o.s3_bucket.empty()) {
    return Status::InvalidArgument(
        "--s3-bucket is required (the bucket aws cloudformation package "
        "uploads function.zip and model-layer.zip to)");
  }
  if (o.stack_name.empty()) return Status::InvalidArgument("--stack-name must not be empty");
  namespace fs = std::filesystem;
  const std::string template_file = (fs::path(o.dist_dir) / "template.yaml").string();
  const std::string packaged = (fs::path(o.dist_dir) / "packaged.yaml").string();
  std::vector<std::string> region;
  if (!o.region.empty()) region = {"--region", o.region};

  std::vector<std::string> package = {
      o.aws,         "cloudformation", "package",   "--template-file",
      template_file, "--s3-bucket",    o.s3_bucket, "--output-template-file",
      packaged};
  package.insert(package.end(), region.begin(), region.end());

  std::vector<std::string> deploy = {o.aws,
                                     "cloudformation",
                                     "deploy",
                                     "--template-file",
                                     packaged,
                                     "--stack-name",
                                     o.stack_name,
                                     "--capabilities",
                                     "CAPABILITY_IAM",
                                     "CAPABILITY_AUTO_EXPAND"};
  deploy.insert(deploy.end(), region.begin(), region.end());
  std::vector<std::string> overrides;
  auto add = [&overrides](const char* key, const std::string& value) {
    if (!value.empty()) overrides.push_back(std::string(key) + "=" + value);
  };
  add("RecordsBucketName", o.records_bucket);
  add("Geocoder", o.geocoder);
  add("Weather", o.weather);
  add("LocationIqKeySsmParameter", o.locationiq_key_ssm_parameter);
  add("DarkSkyKeySecretId", o.darksky_key_secret_id);
  add("ParametersSecretsExtensionLayerArn", o.secrets_extension_layer_arn);
  if (!overrides.empty()) {
    deploy.emplace_back("--parameter-overrides");
    deploy.insert(deploy.end(), overrides.begin(), overrides.end());
  }
  return std::vector<std::vector<std::string>>{package, deploy};
}

Status RunDeploy(const DeployOptions& o) {
  std::error_code ec;
  const auto template_file = std::filesystem::path(o.dist_dir) / "template.yaml";
  if (!std::filesystem::is_regular_file(template_file, ec)) {
    return Status::NotFound(template_file.string() + " not found: run `raincheck package --out " +
                            o.dist_dir + "` first");
  }
  RC_ASSIGN_OR_RETURN(auto commands, DeployCommands(o));
  for (const auto& argv : commands) {
    auto rc = RunInherit(argv);
    if (!rc.ok()) {
      return Status::NotFound(rc.status().message() + " (install the aws CLI: Debian's awscli)");
    }
    if (*rc != 0) {
      // Built with += (GCC 12 reports a false -Wrestrict for "literal" + std::string&&).
      std::string message = "`";
      message += ShellJoin({argv[0], argv[1], argv[2]});
      message += "` failed with exit code ";
      message += std::to_string(*rc);
      message +=
          "; check the AWS credentials (aws configure, AWS_PROFILE or "
          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), the region and the messages above";
      return Status::FailedPrecondition(message);
    }
  }
  return Status::Ok();
}

}  // namespace raincheck::packaging
