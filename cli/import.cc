// `raincheck import`: an XGBoost or scikit-learn tree ensemble -> a raincheck model file
// (docs/import.md).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "base/file.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "forest/import_sklearn.h"
#include "forest/import_xgboost.h"
#include "forest/model.h"

namespace raincheck::cli {
namespace {

struct ImportFlags {
  std::string from, input, out, name, features;
};

const char* ImportedKind(const forest::Model& m) {
  if (m.combination().is_forest()) return "random forest";
  return m.is_regression() ? "boosted regression trees" : "boosted classifier";
}

int Run(const ImportFlags& f) {
  auto fail = [&f](const std::string& message) {
    std::fprintf(stderr, "raincheck import: %s: %s\n", f.input.c_str(), message.c_str());
    return kExitFailure;
  };
  auto text = base::ReadFile(f.input);
  if (!text.ok()) {
    std::fprintf(stderr, "raincheck import: %s\n", text.status().message().c_str());
    return kExitFailure;
  }
  forest::ImportOptions options;
  if (!f.features.empty()) options.features = base::Split(f.features, ',');
  for (std::string& name : options.features) name = std::string(base::Trim(name));
  options.name = f.name.empty() ? std::filesystem::path(f.out).stem().string() : f.name;
  options.source_file = std::filesystem::path(f.input).filename().string();
  auto model = f.from == "xgboost" ? forest::ImportXgboost(*text, options)
                                   : forest::ImportSklearn(*text, options);
  if (!model.ok()) return fail(model.status().message());
  if (Status saved = model->Save(f.out); !saved.ok()) {
    std::fprintf(stderr, "raincheck import: %s\n", saved.message().c_str());
    return kExitFailure;
  }
  std::printf("%s: %s, %zu trees, %zu features -> %s\n", f.input.c_str(), ImportedKind(*model),
              model->n_trees(), model->schema().size(), f.out.c_str());
  return kExitOk;
}

}  // namespace

void RegisterImport(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* cmd = root.add_subcommand(
      "import", "Convert an XGBoost JSON model or an exported scikit-learn model to a model file");
  cmd->add_option("--from", flags->from,
                  "Source library: xgboost (save_model .json) or sklearn "
                  "(scripts/export_sklearn.py output)")
      ->required()
      ->check(CLI::IsMember({"xgboost", "sklearn"}));
  cmd->add_option("model", flags->input, "The model file to import")->required();
  cmd->add_option("--out", flags->out, "Model file to write (.rcf)")->required();
  cmd->add_option("--name", flags->name, "Model name in the card (default: the --out file's stem)");
  cmd->add_option("--features", flags->features,
                  "Comma-separated feature names, for a model that does not name its features");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
