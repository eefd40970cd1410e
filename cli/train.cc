// `raincheck train`: cross-validated grid search, fit, model file and model card, from a CSV
// file (--data) or from a place's daily history (--history openmeteo, train_history.cc).
#include "cli/train.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "base/strings.h"
#include "cli/commands.h"
#include "forest/card.h"

namespace raincheck::cli {
namespace {

// --history's default grid: shallow, well-regularised trees suit a few thousand noisy days (the
// shipped models' grid; on ten synthetic years it beats the unlimited-depth default's held-out
// Brier score clearly).
constexpr const char* kHistoryGrid = "n_estimators=100 max_depth=4,6,8 min_samples_leaf=5,20";

struct TrainFlags {
  // --data: a CSV file.
  std::string data, features, label, units, home;
  int label_ahead = 0;
  // --history: a place's daily history.
  std::string history;
  HistoryFlags place;
  // Shared. "" for --cv-kind / --metric: the source's default.
  std::string grid, cv_kind, metric, out, name, model_version, card_extra;
  int cv = 5, jobs = 0;
  double test_fraction = 0.2;
  bool refit = true;
  uint64_t seed = 42;
  bool applies_within_km_given = false;
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

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "raincheck train: %s\n", status.message().c_str());
  return code;
}

// --units TEXT, or @FILE with NAME=UNIT entries one per line or comma-separated ('#' starts a
// comment line). IOError when the file cannot be read.
Result<std::string> UnitsText(const std::string& flag) {
  if (flag.empty() || flag[0] != '@') return flag;
  auto text = forest::ReadFileToString(flag.substr(1));
  if (!text.ok()) return text.status().WithContext("--units");
  std::string units;
  for (const std::string& line : base::Split(*text, '\n')) {
    const std::string_view l = base::Trim(line);
    if (l.empty() || l[0] == '#') continue;
    units += (units.empty() ? "" : ",") + std::string(l);
  }
  return units;
}

// --card-extra FILE: a JSON object. IOError / InvalidArgument naming the file.
Result<nlohmann::json> CardExtra(const std::string& path) {
  if (path.empty()) return nlohmann::json::object();
  RC_ASSIGN_OR_RETURN(std::string text, forest::ReadFileToString(path));
  nlohmann::json extra = nlohmann::json::parse(text, nullptr, false);
  if (extra.is_discarded() || !extra.is_object()) {
    return Status::InvalidArgument(path + " is not a JSON object");
  }
  return extra;
}

// The flags every source shares. InvalidArgument for a usage error.
Result<forest::TrainOptions> SharedOptions(const TrainFlags& f, bool history) {
  forest::TrainOptions o;
  RC_ASSIGN_OR_RETURN(
      o.cv_kind,
      forest::ParseCvKind(f.cv_kind.empty() ? (history ? "time" : "random") : f.cv_kind));
  RC_ASSIGN_OR_RETURN(
      o.metric,
      forest::ParseMetric(f.metric.empty() ? (history ? "brier" : "accuracy") : f.metric));
  o.grid = f.grid.empty() && history ? kHistoryGrid : f.grid;
  o.cv = f.cv;
  o.test_fraction = f.test_fraction;
  o.refit = f.refit;
  o.seed = f.seed;
  o.jobs =
      f.jobs > 0 ? f.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.name = f.name;
  o.model_version = f.model_version;
  return o;
}

// The CSV source's flags on top of the shared ones. InvalidArgument for a usage error.
Result<forest::TrainOptions> CsvOptions(const TrainFlags& f, forest::TrainOptions o) {
  if (f.features.empty() || f.label.empty()) {
    return Status::InvalidArgument("--data needs --features and --label");
  }
  if (f.applies_within_km_given && f.home.empty()) {
    return Status::InvalidArgument("--applies-within-km needs --home (or --history)");
  }
  o.data_path = f.data;
  for (const std::string& name : base::Split(f.features, ',')) {
    const std::string_view n = base::Trim(name);
    if (!n.empty()) o.features.emplace_back(n);
  }
  RC_ASSIGN_OR_RETURN(o.label, forest::LabelSpec::Parse(f.label, f.label_ahead));
  if (!f.home.empty()) {
    RC_ASSIGN_OR_RETURN(o.home, forest::ParseHomeFlag(f.home));
    if (f.applies_within_km_given) o.home->applies_within_km = f.place.applies_within_km;
    if (!(o.home->applies_within_km > 0.0)) {
      return Status::InvalidArgument("--applies-within-km must be a positive number");
    }
  }
  return o;
}

int RunCsv(const TrainFlags& f, forest::TrainOptions o) {
  auto units = UnitsText(f.units);
  if (!units.ok()) return Fail(kExitFailure, units.status());
  auto parsed_units = forest::ParseUnits(*units);
  if (!parsed_units.ok()) return Fail(kExitUsage, parsed_units.status());
  o.units = *parsed_units;
  auto csv = CsvOptions(f, std::move(o));
  if (!csv.ok()) return Fail(kExitUsage, csv.status());
  if (Status s = forest::CheckTrainOptions(*csv); !s.ok()) return Fail(kExitUsage, s);
  if (Status s = CheckOutputDirectory(f.out); !s.ok()) return Fail(kExitUsage, s);
  return FitAndSave(*csv, f.out);
}

int Run(const TrainFlags& f) {
  const bool history = !f.history.empty();
  if (!history && f.data.empty()) {
    return Fail(kExitUsage, Status::InvalidArgument("one of --data or --history is required"));
  }
  auto options = SharedOptions(f, history);
  if (!options.ok()) return Fail(kExitUsage, options.status());
  auto extra = CardExtra(f.card_extra);
  if (!extra.ok()) return Fail(kExitFailure, extra.status());
  options->card_extra = std::move(extra).value();
  return history ? RunHistoryTrain(f.place, std::move(options).value(), f.out)
                 : RunCsv(f, std::move(options).value());
}

void PrintSummary(const forest::Model& model, const std::string& out, double seconds) {
  const nlohmann::json& card = model.card();
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : -1.0; };
  std::printf("model: %s (%s %s), %zu trees, trained in %.2f s\n", out.c_str(),
              model.name().c_str(), model.version().c_str(), model.n_trees(), seconds);
  std::printf("parameters: %s\n", card["params"].dump().c_str());
  if (card["selection"].is_object()) {
    const auto& sel = card["selection"];
    const auto& best = sel["grid"][sel["best_index"].get<size_t>()];
    std::printf("cross-validation (%s, %d folds): %s %s = %.4f +- %.4f\n",
                sel["cv_kind"].get<std::string>().c_str(), sel["cv_folds"].get<int>(),
                sel["metric"].get<std::string>().c_str(), best["params"].dump().c_str(),
                num(best["mean"]), num(best["std"]));
  }
  if (card["evaluation"].is_object()) {
    const auto& e = card["evaluation"];
    const auto& t = e["test"];
    const auto& b = e["baselines"];
    std::printf("%s (%zu rows): accuracy %.4f, ROC AUC %.4f, Brier %.4f, log loss %.4f\n",
                e["rows"].get<std::string>().c_str(), e["test_rows"].get<size_t>(),
                num(t["accuracy"]), num(t["roc_auc"]), num(t["brier"]), num(t["log_loss"]));
    std::printf("these metrics describe %s\n", e["describes"].get<std::string>().c_str());
    std::printf("baselines: majority-class accuracy %.4f; climatology Brier %.4f, log loss %.4f\n",
                num(b["majority_class"]["accuracy"]), num(b["climatology"]["brier"]),
                num(b["climatology"]["log_loss"]));
  }
  if (model.info().home) {
    const forest::ModelHome& h = *model.info().home;
    std::printf("home: %s, within %.0f km, %s\n", forest::HomePlace(h).c_str(), h.applies_within_km,
                forest::HomeDates(h).c_str());
  }
  std::printf("card: %s\n", forest::CardPathsFor(out).markdown.c_str());
}

}  // namespace

Status CheckOutputDirectory(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(out).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  std::error_code ec;
  if (out.empty() || fs::path(out).filename().empty()) {
    return Status::InvalidArgument("--out must name a file, not '" + out + "'");
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::FailedPrecondition("--out: the directory " + dir + " does not exist");
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::FailedPrecondition("--out: the directory " + dir + " is not writable");
  }
  if (fs::is_directory(out, ec)) {
    return Status::FailedPrecondition("--out: " + out + " is a directory");
  }
  if (fs::exists(out, ec) && access(out.c_str(), W_OK) != 0) {
    return Status::FailedPrecondition("--out: " + out + " exists and is not writable");
  }
  return Status::Ok();
}

int FitAndSave(const forest::TrainOptions& options, const std::string& out) {
  const auto start = std::chrono::steady_clock::now();
  auto model = forest::Train(options, MakeProgress());
  if (!model.ok()) return Fail(kExitFailure, model.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Status saved = model->Save(out);
  if (saved.ok()) saved = forest::WriteCardFiles(model->card(), out);
  if (!saved.ok()) return Fail(kExitFailure, saved);
  PrintSummary(*model, out, seconds);
  return kExitOk;
}

void RegisterTrain(CLI::App& root, int* exit_code) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* cmd = root.add_subcommand("train",
                                      "Train a random forest from a CSV file or a place's weather "
                                      "history; writes the model and its card");
  CLI::Option* data =
      cmd->add_option("--data", f->data, "Training CSV (header row; empty cells are missing)");
  CLI::Option* history =
      cmd->add_option(
             "--history", f->history,
             "Train from a place's daily history instead: openmeteo (the Open-Meteo archive)")
          ->check(CLI::IsMember({"openmeteo"}))
          ->excludes(data);
  CLI::Option* csv_only[] = {
      cmd->add_option("--features", f->features,
                      "Comma-separated feature columns, in model order (--data)"),
      cmd->add_option("--label", f->label, "COLUMN (0/1) or COLUMN=VALUE (1 where equal) (--data)"),
      cmd->add_option("--label-ahead", f->label_ahead, "Row i takes the label of row i+N (--data)")
          ->capture_default_str(),
      cmd->add_option(
          "--units", f->units,
          "Units per feature, e.g. 'temp=degF,wind=mph', or @FILE with NAME=UNIT lines (--data)"),
      cmd->add_option("--home", f->home,
                      "Where the data comes from: NAME,LATITUDE,LONGITUDE (--data)")};
  for (CLI::Option* o : csv_only) o->excludes(history);
  CLI::Option* history_only[] = {
      cmd->add_option("--place", f->place.place,
                      "The place whose history to train on, e.g. 'Cape Town' (--history)"),
      cmd->add_option("--years", f->place.years,
                      "The last N complete calendar years (--history; default 10)"),
      cmd->add_option("--from", f->place.from, "First day, YYYY-MM-DD (--history, with --to)"),
      cmd->add_option("--to", f->place.to, "Last day, YYYY-MM-DD (--history, with --from)"),
      cmd->add_option("--rain-threshold-mm", f->place.rain_threshold_mm,
                      "A day is rainy from this much precipitation (--history)")
          ->capture_default_str(),
      cmd->add_option(
          "--cache-dir", f->place.cache_dir,
          "Downloaded years (--history; default $XDG_CACHE_HOME/raincheck or ~/.cache/raincheck)")};
  for (CLI::Option* o : history_only) o->needs(history);
  history_only[1]->excludes(history_only[2])->excludes(history_only[3]);
  history_only[2]->needs(history_only[3]);
  history_only[3]->needs(history_only[2]);
  CLI::Option* radius =
      cmd->add_option("--applies-within-km", f->place.applies_within_km,
                      "How far from its home the model claims to apply (with --home or --history)")
          ->capture_default_str();
  cmd->add_option(
      "--grid", f->grid,
      "Parameter grid, e.g. 'n_estimators=10,50;max_depth=8,9' (';' or spaces between parameters); "
      "with --history default 'n_estimators=100 max_depth=4,6,8 min_samples_leaf=5,20'");
  cmd->add_option("--cv", f->cv, "Cross-validation folds (< 2: none)")->capture_default_str();
  cmd->add_option(
      "--cv-kind", f->cv_kind,
      "random (stratified) or time (forward-chaining); default random, time with --history");
  cmd->add_option("--test-fraction", f->test_fraction,
                  "Held-out fraction (0: evaluate on out-of-bag predictions)")
      ->capture_default_str();
  cmd->add_flag("--refit,!--no-refit", f->refit,
                "After the held-out evaluation, fit the chosen parameters on all rows and ship "
                "that model (default; --no-refit ships the model the held-out metrics describe)");
  cmd->add_option("--seed", f->seed, "Random seed")->capture_default_str();
  cmd->add_option("--metric", f->metric,
                  "accuracy, roc_auc, brier or log_loss; default accuracy, brier with --history");
  cmd->add_option("--jobs", f->jobs,
                  "Threads (default: all cores); the model does not depend on it");
  cmd->add_option("--out", f->out, "Model file to write (cards go beside it)")->required();
  cmd->add_option("--name", f->name,
                  "Model name for the card (default with --history: the place, e.g. cape-town)");
  cmd->add_option("--model-version", f->model_version,
                  "Model version for the card (default: a hash of the trees)");
  cmd->add_option("--card-extra", f->card_extra,
                  "JSON object merged into the card (provenance, licence, notes)");
  cmd->callback([f, radius, exit_code]() {
    f->applies_within_km_given = radius->count() > 0;
    *exit_code = Run(*f);
  });
}

}  // namespace raincheck::cli
