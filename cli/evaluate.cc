// `raincheck evaluate`: a model's metrics on labelled CSV data, streamed in blocks on every
// core (only each row's label, probability and month are kept).
#include <cstdio>
#include <memory>

#include "base/env.h"
#include "cli/commands.h"
#include "forest/batch_predict.h"
#include "forest/card.h"
#include "forest/model.h"
#include "forest/pipeline.h"

namespace raincheck::cli {
namespace {

struct EvaluateFlags {
  std::string model, data, label;
  int label_ahead = -1;
  int jobs = 0;
  bool json = false;
};

int Run(const EvaluateFlags& f) {
  auto model = forest::Model::Load(f.model);
  if (!model.ok()) {
    std::fprintf(stderr, "raincheck evaluate: %s\n", model.status().message().c_str());
    return kExitFailure;
  }
  // The metrics (accuracy, Brier score, reliability, baselines) are a classifier's.
  if (model->is_regression()) {
    std::fprintf(stderr,
                 "raincheck evaluate: evaluate supports classifiers; %s is a regression model\n",
                 f.model.c_str());
    return kExitFailure;
  }
  // The label defaults to the one the model was trained with.
  const nlohmann::json& card_label = model->card().value("label", nlohmann::json::object());
  std::string label = f.label;
  if (label.empty() && card_label.is_object() &&
      card_label.value("column", nlohmann::json()).is_string()) {
    label = card_label["column"].get<std::string>();
    if (card_label.value("value", nlohmann::json()).is_string())
      label += "=" + card_label["value"].get<std::string>();
  }
  int ahead = f.label_ahead;
  if (ahead < 0) {
    const nlohmann::json a =
        card_label.is_object() ? card_label.value("ahead", nlohmann::json()) : nlohmann::json();
    ahead = a.is_number_integer() ? a.get<int>() : 0;
  }
  if (label.empty()) {
    std::fprintf(stderr, "raincheck evaluate: the model card names no label; pass --label\n");
    return kExitUsage;
  }
  auto spec = forest::LabelSpec::Parse(label, ahead);
  if (!spec.ok()) {
    std::fprintf(stderr, "raincheck evaluate: %s\n", spec.status().message().c_str());
    return kExitUsage;
  }
  auto options = forest::MakeStreamOptions(f.jobs, base::ProcessEnv());
  if (!options.ok()) {
    std::fprintf(stderr, "raincheck evaluate: %s\n", options.status().message().c_str());
    return kExitUsage;
  }
  auto input = forest::CsvInput::Open(f.data);
  if (!input.ok()) {
    std::fprintf(stderr, "raincheck evaluate: %s\n", input.status().message().c_str());
    return kExitFailure;
  }
  auto result = forest::EvaluateCsvStream(*model, input->fd(), *spec, *options);
  if (!result.ok()) {
    std::fprintf(stderr, "raincheck evaluate: %s: %s\n", input->name().c_str(),
                 result.status().message().c_str());
    return kExitFailure;
  }
  if (f.json) {
    std::printf("%s\n", result->dump(2).c_str());
  } else {
    std::printf("# %s %s on %s\n\n%zu rows; label: %s\n\n%s", model->name().c_str(),
                model->version().c_str(), input->name().c_str(), (*result)["n"].get<size_t>(),
                (*result)["label"].get<std::string>().c_str(),
                forest::EvaluationMarkdown(
                    (*result)["metrics"], (*result)["baselines"], (*result)["reliability"],
                    card_label.is_object() ? card_label.value("classes", nlohmann::json())
                                           : nlohmann::json())
                    .c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterEvaluate(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<EvaluateFlags>();
  CLI::App* cmd =
      root.add_subcommand("evaluate", "Metrics of a model on labelled CSV data, beside baselines");
  cmd->add_option("--model", flags->model, "Model file")->required();
  cmd->add_option("--data", flags->data, "Labelled CSV; - reads stdin")->required();
  cmd->add_option("--label", flags->label, "COLUMN or COLUMN=VALUE (default: the model's own)");
  cmd->add_option("--label-ahead", flags->label_ahead, "Label shift (default: the model's own)");
  cmd->add_option("--jobs", flags->jobs,
                  "Threads (default: all cores); the metrics do not depend on it");
  cmd->add_flag("--json", flags->json, "Print JSON");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
