// `raincheck predict`: batch predictions for a CSV file, as CSV on stdout.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "forest/csv.h"
#include "forest/model.h"
#include "forest/pipeline.h"

namespace raincheck::cli {
namespace {

struct PredictFlags {
  std::string model, data;
};

int Run(const PredictFlags& f) {
  auto model = forest::Model::Load(f.model);
  if (!model.ok()) {
    std::fprintf(stderr, "raincheck predict: %s\n", model.status().message().c_str());
    return kExitFailure;
  }
  auto table = forest::ReadCsvFile(f.data);
  if (!table.ok()) {
    std::fprintf(stderr, "raincheck predict: %s\n", table.status().message().c_str());
    return kExitFailure;
  }
  auto p = forest::PredictTable(*model, *table);
  if (!p.ok()) {
    std::fprintf(stderr, "raincheck predict: %s: %s\n", f.data.c_str(), p.status().message().c_str());
    return kExitFailure;
  }
  std::string out = "prediction,probability\n";
  char line[64];
  for (double v : *p) {
    std::snprintf(line, sizeof line, "%d,%.6f\n", v > 0.5 ? 1 : 0, v);
    out += line;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void RegisterPredict(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = root.add_subcommand(
      "predict", "Predict every row of a CSV file; prints 'prediction,probability' lines");
  cmd->add_option("--model", flags->model, "Model file")->required();
  cmd->add_option("--data", flags->data, "CSV with the model's feature columns (others ignored)")->required();
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
