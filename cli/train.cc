// `raincheck train`: cross-validated grid search, fit, model file and model card.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "base/strings.h"
#include "cli/commands.h"
#include "forest/card.h"
#include "forest/pipeline.h"

namespace raincheck::cli {
namespace {

struct TrainFlags {
  std::string data, features, label, grid, cv_kind = "random", metric = "accuracy", units, out;
  std::string name, model_version, card_extra;
  int label_ahead = 0, cv = 5, jobs = 0;
  double test_fraction = 0.2;
  uint64_t seed = 42;
};

// A progress bar on a terminal, one plain line per fit otherwise.
forest::ProgressFn MakeProgress() {
  const bool tty = isatty(fileno(stderr)) != 0;
  return [tty](size_t done, size_t total, const std::string& what) {
    if (tty) {
      const size_t width = 30, filled = total ? done * width / total : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu %-40.40s", std::string(filled, '#').c_str(),
                   std::string(width - filled, '.').c_str(), done, total, what.c_str());
      if (done == total) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "train: cross-validation fit %zu/%zu (%s)\n", done, total, what.c_str());
    }
  };
}

int Run(const TrainFlags& f) {
  forest::TrainOptions o;
  o.data_path = f.data;
  for (const std::string& name : base::Split(f.features, ',')) {
    const std::string_view n = base::Trim(name);
    if (!n.empty()) o.features.emplace_back(n);
  }
  auto label = forest::LabelSpec::Parse(f.label, f.label_ahead);
  // --units @FILE reads NAME=UNIT entries from a file, one per line or comma-separated;
  // lines starting with '#' are comments.
  std::string units_text = f.units;
  if (!units_text.empty() && units_text[0] == '@') {
    auto text = forest::ReadFileToString(units_text.substr(1));
    if (!text.ok()) {
      std::fprintf(stderr, "raincheck train: --units: %s\n", text.status().message().c_str());
      return kExitFailure;
    }
    units_text.clear();
    for (const std::string& line : base::Split(*text, '\n')) {
      const std::string_view l = base::Trim(line);
      if (l.empty() || l[0] == '#') continue;
      units_text += (units_text.empty() ? "" : ",") + std::string(l);
    }
  }
  auto units = forest::ParseUnits(units_text);
  auto kind = forest::ParseCvKind(f.cv_kind);
  auto metric = forest::ParseMetric(f.metric);
  for (const Status& s : {label.status(), units.status(), kind.status(), metric.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "raincheck train: %s\n", s.message().c_str());
      return kExitUsage;
    }
  }
  o.label = *label;
  o.units = *units;
  o.cv_kind = *kind;
  o.metric = *metric;
  o.grid = f.grid;
  o.cv = f.cv;
  o.test_fraction = f.test_fraction;
  o.seed = f.seed;
  o.jobs = f.jobs > 0 ? f.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.name = f.name;
  o.model_version = f.model_version;
  if (!f.card_extra.empty()) {
    auto text = forest::ReadFileToString(f.card_extra);
    if (!text.ok()) {
      std::fprintf(stderr, "raincheck train: %s\n", text.status().message().c_str());
      return kExitFailure;
    }
    o.card_extra = nlohmann::json::parse(*text, nullptr, false);
    if (o.card_extra.is_discarded() || !o.card_extra.is_object()) {
      std::fprintf(stderr, "raincheck train: %s is not a JSON object\n", f.card_extra.c_str());
      return kExitFailure;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto model = forest::Train(o, MakeProgress());
  if (!model.ok()) {
    std::fprintf(stderr, "raincheck train: %s\n", model.status().message().c_str());
    return model.status().code() == StatusCode::kInvalidArgument && model.status().message().find("--") != std::string::npos
               ? kExitUsage
               : kExitFailure;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Status saved = model->Save(f.out);
  if (saved.ok()) saved = forest::WriteCardFiles(model->card(), f.out);
  if (!saved.ok()) {
    std::fprintf(stderr, "raincheck train: %s\n", saved.message().c_str());
    return kExitFailure;
  }
  const nlohmann::json& card = model->card();
  std::printf("model: %s (%s %s), %zu trees, trained in %.2f s\n", f.out.c_str(),
              model->name().c_str(), model->version().c_str(), model->n_trees(), seconds);
  std::printf("parameters: %s\n", card["params"].dump().c_str());
  if (card["selection"].is_object()) {
    const auto& sel = card["selection"];
    const auto& best = sel["grid"][sel["best_index"].get<size_t>()];
    std::printf("cross-validation (%s, %d folds): %s %s = %.4f +- %.4f\n",
                sel["cv_kind"].get<std::string>().c_str(), sel["cv_folds"].get<int>(),
                sel["metric"].get<std::string>().c_str(), best["params"].dump().c_str(),
                best["mean"].is_number() ? best["mean"].get<double>() : 0.0,
                best["std"].is_number() ? best["std"].get<double>() : 0.0);
  }
  if (card["evaluation"].is_object()) {
    const auto& t = card["evaluation"]["test"];
    const auto& b = card["evaluation"]["baselines"];
    auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : -1.0; };
    std::printf("held-out (%zu rows): accuracy %.4f, ROC AUC %.4f, Brier %.4f, log loss %.4f\n",
                card["evaluation"]["test_rows"].get<size_t>(), num(t["accuracy"]),
                num(t["roc_auc"]), num(t["brier"]), num(t["log_loss"]));
    std::printf("baselines: majority-class accuracy %.4f; climatology Brier %.4f, log loss %.4f\n",
                num(b["majority_class"]["accuracy"]), num(b["climatology"]["brier"]),
                num(b["climatology"]["log_loss"]));
  }
  std::printf("card: %s\n", forest::CardPathsFor(f.out).markdown.c_str());
  return kExitOk;
}

}  // namespace

void RegisterTrain(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = root.add_subcommand("train", "Train a random forest from a CSV file; writes the model and its card");
  cmd->add_option("--data", flags->data, "Training CSV (header row; empty cells are missing)")->required();
  cmd->add_option("--features", flags->features, "Comma-separated feature columns, in model order")->required();
  cmd->add_option("--label", flags->label, "COLUMN (0/1) or COLUMN=VALUE (1 where equal)")->required();
  cmd->add_option("--label-ahead", flags->label_ahead, "Row i takes the label of row i+N")->capture_default_str();
  cmd->add_option("--grid", flags->grid, "Parameter grid, e.g. 'n_estimators=10,50;max_depth=8,9' (';' or spaces between parameters)");
  cmd->add_option("--cv", flags->cv, "Cross-validation folds (< 2: none)")->capture_default_str();
  cmd->add_option("--cv-kind", flags->cv_kind, "random (stratified) or time (forward-chaining)")->capture_default_str();
  cmd->add_option("--test-fraction", flags->test_fraction, "Held-out fraction")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Random seed")->capture_default_str();
  cmd->add_option("--metric", flags->metric, "accuracy, roc_auc, brier or log_loss")->capture_default_str();
  cmd->add_option("--jobs", flags->jobs, "Threads (default: all cores); the model does not depend on it");
  cmd->add_option("--units", flags->units, "Units per feature, e.g. 'temp=degF,wind=mph', or @FILE with NAME=UNIT lines");
  cmd->add_option("--out", flags->out, "Model file to write (cards go beside it)")->required();
  cmd->add_option("--name", flags->name, "Model name for the card");
  cmd->add_option("--model-version", flags->model_version, "Model version for the card (default: a hash of the trees)");
  cmd->add_option("--card-extra", flags->card_extra, "JSON object merged into the card (provenance, licence, notes)");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
