// `raincheck package`: function.zip, model-layer.zip, runtime-layer.zip and template.yaml for
// AWS Lambda, with the whole models directory.
// The work is in packaging/package.h; see docs/packaging.md.
#include "packaging/package.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"

namespace raincheck::cli {
namespace {

std::string BesideSelf(const char* name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return name;
  return (self.parent_path() / name).string();
}

int Run(packaging::PackageOptions o) {
  if (o.bootstrap_path.empty()) o.bootstrap_path = BesideSelf("bootstrap");
  auto artefacts = packaging::Package(o);
  if (!artefacts.ok()) {
    std::fprintf(stderr, "raincheck package: %s\n", artefacts.status().message().c_str());
    return kExitFailure;
  }
  for (const auto& a : *artefacts) {
    std::printf("%-32s %10llu bytes (%.2f MB)\n", a.path.c_str(),
                static_cast<unsigned long long>(a.bytes),
                static_cast<double>(a.bytes) / (1024.0 * 1024.0));
  }
  return kExitOk;
}

}  // namespace

void RegisterPackage(CLI::App& root, int* exit_code) {
  auto o = std::make_shared<packaging::PackageOptions>();
  o->models_dir = RAINCHECK_DEFAULT_MODELS_DIR;
  o->gazetteer_path = RAINCHECK_GAZETTEER_INDEX_PATH;
  o->attribution_path = RAINCHECK_GAZETTEER_ATTRIBUTION_PATH;
  CLI::App* cmd = root.add_subcommand("package",
                                      "Write function.zip, model-layer.zip, runtime-layer.zip and "
                                      "template.yaml (AWS SAM) for Lambda");
  cmd->add_option("--out", o->out_dir, "Output directory")->capture_default_str();
  CLI::Option* models =
      cmd->add_option(
             "--models", o->models_dir,
             "Directory of models: every X.rcf (and its X.card.md/.card.json) ships in models/")
          ->capture_default_str();
  cmd->add_option("--model", o->model_path, "One model file instead: ships as a models/ of one")
      ->excludes(models);
  cmd->add_option("--bootstrap", o->bootstrap_path,
                  "The runtime executable (default: bootstrap beside this program)");
  cmd->add_option("--gazetteer", o->gazetteer_path, "Offline gazetteer index")
      ->capture_default_str();
  cmd->add_option("--architecture", o->architecture,
                  "x86_64 or arm64 (default: this machine's; must match bootstrap)");
  cmd->add_flag(
      "--no-size-budget", [o](int64_t) { o->size_budget = false; },
      "Allow function.zip over 10 MB (sanitizer builds)");
  cmd->callback([o, exit_code]() { *exit_code = Run(*o); });
}

}  // namespace raincheck::cli
