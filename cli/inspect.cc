// `raincheck inspect`: print a model's card.
#include <cstdio>
#include <memory>
#include <string>

#include "base/file.h"
#include "cli/commands.h"
#include "forest/card.h"
#include "forest/model.h"

namespace raincheck::cli {
namespace {

struct InspectFlags {
  std::string model;
  bool json = false;
};

// How the model's trees combine, in words (forest::Combination).
std::string KindOf(const forest::Model& m) {
  const forest::Combination& c = m.combination();
  if (c.is_forest()) return "random forest (mean of the leaves' class frequencies)";
  char base[64];
  std::snprintf(base, sizeof base, "%.9g", c.base_score);
  return std::string(m.is_regression() ? "boosted regression trees" : "boosted classifier") +
         " (base score " + base + " + the sum of the leaf values in " +
         (c.float32_sum ? "float32" : "double") + (m.is_regression() ? ")" : ", logistic link)");
}

int Run(const InspectFlags& f) {
  // "-": the model file on stdin (`curl .../model.rcf | raincheck inspect -`).
  auto load = [&]() -> Result<forest::Model> {
    if (f.model != "-") return forest::Model::Load(f.model);
    RC_ASSIGN_OR_RETURN(std::string bytes, base::ReadFile("-"));
    return forest::Model::FromBytes(bytes);
  };
  Result<forest::Model> model = load();
  if (!model.ok()) {
    std::fprintf(stderr, "raincheck inspect: %s\n", model.status().message().c_str());
    return kExitFailure;
  }
  if (f.json) {
    std::printf("%s\n", model->card().dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s", forest::CardMarkdown(model->card(), "").c_str());
  std::printf("\n## File\n\n%s: ", KindOf(*model).c_str());
  std::printf("%zu trees, %zu nodes, %zu features:", model->n_trees(), model->forest().n_nodes(),
              model->schema().size());
  for (const auto& feature : model->schema().features()) {
    std::printf(" %s [%s]", feature.name.c_str(), feature.unit.c_str());
  }
  std::printf("\n");
  return kExitOk;
}

}  // namespace

void RegisterInspect(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* cmd =
      root.add_subcommand("inspect", "Print a model's card (Markdown, or JSON with --json)");
  cmd->add_option("model", flags->model, "Model file ('-' reads stdin)")->required();
  cmd->add_flag("--json", flags->json, "Print the card's JSON");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
