// `raincheck deploy`: CloudFormation package + deploy of dist/template.yaml with the aws CLI.
// The work is in packaging/deploy.h; see docs/packaging.md.
#include "packaging/deploy.h"

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "packaging/subprocess.h"

namespace raincheck::cli {
namespace {

struct DeployFlags {
  packaging::DeployOptions options;
  bool dry_run = false;
};

int Run(const DeployFlags& f) {
  if (f.dry_run) {
    auto commands = packaging::DeployCommands(f.options);
    if (!commands.ok()) {
      std::fprintf(stderr, "raincheck deploy: %s\n", commands.status().message().c_str());
      return kExitUsage;
    }
    for (const auto& argv : *commands) std::printf("%s\n", packaging::ShellJoin(argv).c_str());
    return kExitOk;
  }
  const Status s = packaging::RunDeploy(f.options);
  if (!s.ok()) {
    std::fprintf(stderr, "raincheck deploy: %s\n", s.message().c_str());
    return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void RegisterDeploy(CLI::App& root, int* exit_code) {
  auto f = std::make_shared<DeployFlags>();
  auto& o = f->options;
  CLI::App* cmd = root.add_subcommand(
      "deploy",
      "Deploy the packaged function with the aws CLI (aws cloudformation package/deploy)");
  cmd->add_flag("--dry-run", f->dry_run, "Print the commands, one per line, without running them");
  cmd->add_option("--dist", o.dist_dir, "Where `raincheck package` wrote its artefacts")
      ->capture_default_str();
  cmd->add_option("--stack-name", o.stack_name, "CloudFormation stack")->capture_default_str();
  cmd->add_option("--region", o.region, "AWS region (default: the aws CLI's)");
  cmd->add_option("--s3-bucket", o.s3_bucket, "Existing bucket the zips are uploaded to")
      ->required();
  cmd->add_option("--records-bucket", o.records_bucket, "Create this bucket for the records");
  cmd->add_option("--geocoder", o.geocoder, "offline, openmeteo, nominatim or locationiq");
  cmd->add_option("--weather", o.weather, "openmeteo or darksky");
  cmd->add_option("--locationiq-key-ssm-parameter", o.locationiq_key_ssm_parameter,
                  "Name of the SSM SecureString parameter holding the LocationIQ key");
  cmd->add_option("--darksky-key-secret-id", o.darksky_key_secret_id,
                  "Secrets Manager secret holding the DarkSky-compatible key");
  cmd->add_option("--secrets-extension-layer-arn", o.secrets_extension_layer_arn,
                  "ARN of the AWS Parameters and Secrets Lambda Extension layer");
  cmd->add_option("--aws", o.aws, "The aws CLI executable")->capture_default_str();
  cmd->callback([f, exit_code]() { *exit_code = Run(*f); });
}

}  // namespace raincheck::cli
