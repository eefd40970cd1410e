// `raincheck predict`: batch predictions for CSV rows, streamed in blocks on every core.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "base/env.h"
#include "base/file.h"
#include "cli/commands.h"
#include "forest/batch_predict.h"
#include "forest/model.h"

namespace raincheck::cli {
namespace {

struct PredictFlags {
  std::string model, data, out = "-";
  int jobs = 0;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "raincheck predict: %s\n", message.c_str());
  return kExitFailure;
}

int Run(const PredictFlags& f) {
  auto model = forest::Model::Load(f.model);
  if (!model.ok()) return Fail(model.status().message());
  auto options = forest::MakeStreamOptions(f.jobs, base::ProcessEnv());
  if (!options.ok()) {
    std::fprintf(stderr, "raincheck predict: %s\n", options.status().message().c_str());
    return kExitUsage;
  }
  auto input = forest::CsvInput::Open(f.data);
  if (!input.ok()) return Fail(input.status().message());

  // A file appears under its name only once every row was predicted (base::AtomicFileWriter),
  // so a failed run leaves no file; stdout gets the rows as they come.
  const bool to_stdout = f.out == "-";
  base::AtomicFileWriter file;
  if (!to_stdout) {
    if (Status s = file.Open(f.out); !s.ok()) return Fail(s.message());
  }
  Status s = forest::PredictCsvStream(
      *model, input->fd(),
      [&](std::string_view bytes) {
        return to_stdout ? base::WriteAll(STDOUT_FILENO, bytes, "stdout") : file.Append(bytes);
      },
      *options);
  if (s.ok() && !to_stdout) s = file.Commit();
  if (!s.ok()) return Fail(input->name() + ": " + s.message());
  return kExitOk;
}

}  // namespace

void RegisterPredict(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = root.add_subcommand(
      "predict",
      "Predict every row of a CSV file, in row order: 'prediction,probability' lines for a "
      "classifier, 'value' lines for a regression model");
  cmd->add_option("--model", flags->model, "Model file")->required();
  cmd->add_option("--data", flags->data,
                  "CSV with the model's feature columns (others ignored); - reads stdin")
      ->required();
  cmd->add_option("--out", flags->out, "Where the predictions go (default: - for stdout)");
  cmd->add_option("--jobs", flags->jobs,
                  "Threads (default: all cores); the output does not depend on it");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
