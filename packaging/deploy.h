// `raincheck deploy`: the aws CLI commands that put the packaged function on Lambda
// (CloudFormation package + deploy of template.yaml). See docs/packaging.md.
#ifndef RAINCHECK_PACKAGING_DEPLOY_H_
#define RAINCHECK_PACKAGING_DEPLOY_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::packaging {

struct DeployOptions {
  std::string aws = "aws";        // the aws CLI
  std::string dist_dir = "dist";  // where `raincheck package` wrote its artefacts
  std::string stack_name = "raincheck";
  std::string region;          // empty: the aws CLI's own default
  std::string s3_bucket;       // where `aws cloudformation package` uploads the zips
  std::string records_bucket;  // empty: no records bucket
  std::string geocoder;        // empty: the template's default
  std::string weather;
  std::string locationiq_key_ssm_parameter;  // names / ids, never the keys themselves
  std::string darksky_key_secret_id;
  std::string secrets_extension_layer_arn;
};

// The commands, in order. InvalidArgument when a required option is missing.
Result<std::vector<std::vector<std::string>>> DeployCommands(const DeployOptions& options);

// Runs them one after the other, stopping at the first failure (FailedPrecondition naming the
// command, with a hint about credentials).
Status RunDeploy(const DeployOptions& options);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_DEPLOY_H_
