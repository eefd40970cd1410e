#include "forest/pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <tuple>
#include <utility>

#include "base/strings.h"

#include "forest/checksum.h"
#include "forest/metrics.h"
#include "forest/random.h"
#include "forest/trainer.h"

namespace raincheck::forest {
namespace {

constexpr int kPermutationRepeats = 5;
constexpr int kReliabilityBins = 10;

nlohmann::json Num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::vector<double> ForestProba(const TrainedForest& f, const Dataset& d,
                                const std::vector<uint32_t>& rows) {
  std::vector<double> p(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    double sum = 0.0;
    for (const TreeArrays& t : f.trees) sum += TreeProba(t, d.row(rows[i]));
    p[i] = sum / static_cast<double>(f.trees.size());
  }
  return p;
}

// Baselines that know only the training labels: always the majority class, the training
// base rate as a constant probability (climatology), and the base rate per calendar month
// when the data has a "date" column (seasonal climatology).
nlohmann::json Baselines(const std::vector<uint8_t>& y, const std::vector<int>& month,
                         double base_rate, const std::vector<double>* monthly_rate) {
  nlohmann::json out;
  const uint8_t majority = base_rate > 0.5 ? 1 : 0;
  std::vector<double> p(y.size(), majority ? 1.0 : 0.0);
  const Metrics maj = ComputeMetrics(y, p);
  out["majority_class"] = {{"class", majority}, {"accuracy", maj.accuracy},
                           {"per_class", MetricsToJson(maj)["per_class"]}};
  p.assign(y.size(), base_rate);
  nlohmann::json clim = MetricsToJson(ComputeMetrics(y, p));
  clim["probability"] = base_rate;
  out["climatology"] = clim;
  if (monthly_rate) {
    for (size_t i = 0; i < y.size(); ++i) {
      p[i] = month[i] >= 1 ? (*monthly_rate)[static_cast<size_t>(month[i])] : base_rate;
    }
    out["monthly_climatology"] = MetricsToJson(ComputeMetrics(y, p));
  }
  return out;
}

nlohmann::json RocJson(const std::vector<uint8_t>& y, const std::vector<double>& p) {
  nlohmann::json roc = nlohmann::json::array();
  for (const RocPoint& r : RocCurve(y, p)) roc.push_back({r.fpr, r.tpr});
  return roc;
}

std::string TreeHash(const std::vector<TreeArrays>& trees) {
  std::string bytes;
  auto add = [&bytes](const auto& v) {
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
  };
  for (const TreeArrays& t : trees) {
    add(t.feature);
    add(t.threshold);
    add(t.left);
    add(t.right);
    add(t.missing_left);
    add(t.leaf_value);
  }
  return Hex64(Xxh64(bytes)).substr(0, 12);
}

// The first and last non-empty cells of the "date" column (empty strings without one).
std::pair<std::string, std::string> DateRange(const CsvTable& table) {
  std::pair<std::string, std::string> range;
  const auto col = table.ColumnIndex("date");
  if (!col) return range;
  for (const auto& row : table.rows) {
    const std::string_view cell = base::Trim(row[*col]);
    if (cell.empty()) continue;
    if (range.first.empty()) range.first = std::string(cell);
    range.second = std::string(cell);
  }
  return range;
}

// Card "home": the options' home with its unknowns filled from the data.
nlohmann::json HomeCard(const TrainOptions& o, const CsvTable& table) {
  if (!o.home) return nullptr;
  ModelHome home = *o.home;
  if (home.source.empty()) {
    home.source = "csv:" + std::filesystem::path(o.data_path).filename().string();
  }
  if (home.from.empty() && home.to.empty()) std::tie(home.from, home.to) = DateRange(table);
  return HomeToJson(home);
}

// Permutation importances on the evaluation rows, with the selection metric.
nlohmann::json PermutationImportances(const TrainOptions& o, const TrainedForest& forest,
                                      const Dataset& data, const std::vector<uint32_t>& rows,
                                      const std::vector<uint8_t>& y, double base_score) {
  const size_t nf = data.schema.size();
  nlohmann::json importances = nlohmann::json::array();
  Dataset shuffled = data;
  for (size_t f = 0; f < nf; ++f) {
    std::vector<double> drops;
    for (int r = 0; r < kPermutationRepeats; ++r) {
      Rng rng = Rng::ForStream(o.seed ^ 0x5EEDull, f * kPermutationRepeats + static_cast<size_t>(r));
      std::vector<float> column(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) column[i] = data.row(rows[i])[f];
      for (size_t i = column.size(); i > 1; --i) std::swap(column[i - 1], column[rng.Below(i)]);
      for (size_t i = 0; i < rows.size(); ++i) shuffled.x[rows[i] * nf + f] = column[i];
      const double s = Score(o.metric, y, ForestProba(forest, shuffled, rows));
      drops.push_back(HigherIsBetter(o.metric) ? base_score - s : s - base_score);
      for (size_t i = 0; i < rows.size(); ++i) shuffled.x[rows[i] * nf + f] = data.row(rows[i])[f];
    }
    double mean = 0.0, var = 0.0;
    for (double d : drops) mean += d;
    mean /= static_cast<double>(drops.size());
    for (double d : drops) var += (d - mean) * (d - mean);
    importances.push_back({{"feature", data.schema[f].name},
                           {"impurity", forest.impurity_importance[f]},
                           {"permutation_mean", Num(mean)},
                           {"permutation_std", Num(std::sqrt(var / static_cast<double>(drops.size())))}});
  }
  return importances;
}

// The training base rate overall and per calendar month (index 1..12; the base rate where a
// month has no row). `have_months` is false when some training row has no date.
struct TrainingRates {
  double base_rate = 0;
  std::vector<double> monthly;
  bool have_months = true;
};

TrainingRates Rates(const Dataset& data, const std::vector<uint32_t>& train) {
  size_t train_pos = 0;
  std::vector<double> month_pos(13, 0.0), month_n(13, 0.0);
  TrainingRates r;
  for (uint32_t i : train) {
    train_pos += data.y[i];
    const auto m = static_cast<size_t>(data.month[i]);
    r.have_months = r.have_months && m >= 1;
    month_pos[m] += data.y[i];
    month_n[m] += 1.0;
  }
  r.base_rate = static_cast<double>(train_pos) / static_cast<double>(train.size());
  r.monthly.assign(13, r.base_rate);
  for (size_t m = 1; m <= 12; ++m) {
    if (month_n[m] > 0.0) r.monthly[m] = month_pos[m] / month_n[m];
  }
  return r;
}

// Chooses the parameters: by cross-validated grid search (its table goes to *selection), or
// the grid's only point when cv < 2.
Result<ForestParams> SelectParams(const TrainOptions& o, const Dataset& data, const Split& split,
                                  const ProgressFn& progress, nlohmann::json* selection) {
  RC_ASSIGN_OR_RETURN(Grid grid, ParseGrid(o.grid));
  ForestParams params;
  params.seed = o.seed;
  *selection = nullptr;
  if (o.cv < 2) {
    const auto points = ExpandGrid(grid);
    for (const auto& [k, v] : points.front()) RC_RETURN_IF_ERROR(params.Set(k, v));
    return params;
  }
  RC_ASSIGN_OR_RETURN(GridSearchResult gs, GridSearch(data, split.train, params, grid, o.cv,
                                                      o.cv_kind, o.metric, o.jobs, progress));
  nlohmann::json rows = nlohmann::json::array();
  for (const GridPoint& gp : gs.points) {
    nlohmann::json p = nlohmann::json::object();
    for (const auto& [k, v] : gp.params) p[k] = v;
    rows.push_back({{"params", p}, {"mean", Num(gp.mean)}, {"std", Num(gp.std)},
                    {"fold_scores", gp.fold_scores}});
  }
  *selection = {{"metric", MetricName(o.metric)}, {"cv_folds", o.cv},
                {"cv_kind", CvKindName(o.cv_kind)}, {"grid", rows}, {"best_index", gs.best}};
  for (const auto& [k, v] : gs.points[gs.best].params) RC_RETURN_IF_ERROR(params.Set(k, v));
  return params;
}

// Held-out evaluation (card "evaluation", null without a test set) and the importances on the
// evaluation rows (the training rows' out-of-bag stand-in without a test set).
void EvaluateInto(const TrainOptions& o, const TrainedForest& forest, const Dataset& data,
                  const Split& split, const TrainingRates& rates, nlohmann::json* card) {
  const std::vector<uint32_t>& eval_rows = split.test.empty() ? split.train : split.test;
  std::vector<uint8_t> ey(eval_rows.size());
  std::vector<int> emonth(eval_rows.size());
  for (size_t i = 0; i < eval_rows.size(); ++i) {
    ey[i] = data.y[eval_rows[i]];
    emonth[i] = data.month[eval_rows[i]];
  }
  const std::vector<double> ep = ForestProba(forest, data, eval_rows);
  (*card)["evaluation"] = nullptr;
  if (!split.test.empty()) {
    (*card)["evaluation"] = {
        {"split", CvKindName(o.cv_kind)},
        {"test_fraction", o.test_fraction},
        {"test_rows", split.test.size()},
        {"test", MetricsToJson(ComputeMetrics(ey, ep))},
        {"baselines", Baselines(ey, emonth, rates.base_rate, rates.have_months ? &rates.monthly : nullptr)},
        {"reliability", ReliabilityToJson(Reliability(ey, ep, kReliabilityBins))},
        {"roc", RocJson(ey, ep)}};
  }
  (*card)["importances"] = {
      {"permutation_metric", MetricName(o.metric)},
      {"permutation_rows", split.test.empty() ? "training" : "held-out"},
      {"permutation_repeats", kPermutationRepeats},
      {"features", PermutationImportances(o, forest, data, eval_rows, ey, Score(o.metric, ey, ep))}};
}

}  // namespace

Status CheckTrainOptions(const TrainOptions& o) {
  if (o.features.empty()) return Status::InvalidArgument("--features names no feature");
  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0)) {
    return Status::InvalidArgument("--test-fraction must be in [0, 1)");
  }
  for (const auto& [name, unit] : o.units) {
    if (std::find(o.features.begin(), o.features.end(), name) == o.features.end()) {
      return Status::InvalidArgument("--units names '" + name + "', which is not a feature");
    }
  }
  auto grid = ParseGrid(o.grid);
  if (!grid.ok()) return grid.status().WithContext("--grid");
  if (o.cv < 2 && ExpandGrid(*grid).size() > 1) {
    return Status::InvalidArgument("a grid with several points needs --cv >= 2");
  }
  return Status::Ok();
}

Result<Model> Train(const TrainOptions& o, const ProgressFn& progress) {
  RC_RETURN_IF_ERROR(CheckTrainOptions(o));
  std::vector<Feature> features;
  for (const std::string& f : o.features) {
    auto u = o.units.find(f);
    features.push_back({f, u == o.units.end() ? "unspecified" : u->second});
  }
  RC_ASSIGN_OR_RETURN(std::string text, ReadFileToString(o.data_path));
  auto parsed = ParseCsv(text);
  if (!parsed.ok()) return parsed.status().WithContext(o.data_path);
  const CsvTable& table = *parsed;
  auto built = BuildDataset(table, FeatureSchema(features), &o.label);
  if (!built.ok()) return built.status().WithContext(o.data_path);
  const Dataset& data = *built;
  if (data.n_rows < 10) return Status::InvalidArgument("need at least 10 labelled rows");

  const uint32_t seed32 = static_cast<uint32_t>(o.seed & 0xFFFFFFFFu);
  const Split split = TrainTestSplit(data.n_rows, o.test_fraction, o.cv_kind, seed32);
  if (split.train.size() < 10) return Status::InvalidArgument("too few training rows");
  nlohmann::json selection;
  RC_ASSIGN_OR_RETURN(ForestParams params, SelectParams(o, data, split, progress, &selection));
  RC_ASSIGN_OR_RETURN(TrainedForest forest, TrainForest(data, split.train, params, o.jobs));
  const TrainingRates rates = Rates(data, split.train);

  nlohmann::json card = nlohmann::json::object();
  card["format"] = "raincheck-model-card/1";
  card["name"] = o.name.empty() ? "model" : o.name;
  card["version"] = o.model_version.empty() ? "sha-" + TreeHash(forest.trees) : o.model_version;
  card["created_by"] = std::string("raincheck ") + RAINCHECK_VERSION;
  card["data"] = {{"file", std::filesystem::path(o.data_path).filename().string()},
                  {"xxh64", Hex64(Xxh64(text))},
                  {"csv_rows", table.rows.size()},
                  {"labelled_rows", data.n_rows}};
  if (o.home) card["home"] = HomeCard(o, table);
  nlohmann::json feats = nlohmann::json::array();
  for (const Feature& f : features) feats.push_back({{"name", f.name}, {"unit", f.unit}});
  card["features"] = feats;
  card["label"] = {{"column", o.label.column},
                   {"value", o.label.value ? nlohmann::json(*o.label.value) : nlohmann::json(nullptr)},
                   {"ahead", o.label.ahead},
                   {"definition", o.label_definition.empty() ? o.label.Describe() : o.label_definition},
                   {"classes", o.label.ClassLabels()}};
  card["params"] = params.ToJson();
  card["selection"] = selection;
  card["training"] = {{"rows", split.train.size()}, {"positive_rate", rates.base_rate},
                      {"monthly_positive_rate", rates.have_months ? nlohmann::json(rates.monthly) : nlohmann::json(nullptr)},
                      {"oob_accuracy", Num(forest.oob_accuracy)}};
  EvaluateInto(o, forest, data, split, rates, &card);
  if (o.card_extra.is_object()) {
    for (auto it = o.card_extra.begin(); it != o.card_extra.end(); ++it) card[it.key()] = it.value();
  }

  ModelBuilder builder;
  builder.SetSchema(FeatureSchema(features)).SetClassLabels(o.label.ClassLabels()).SetCard(card);
  for (const TreeArrays& t : forest.trees) builder.AddTree(t);
  return builder.Build();
}

Result<nlohmann::json> Evaluate(const Model& model, const CsvTable& table, const LabelSpec& label) {
  RC_ASSIGN_OR_RETURN(Dataset data, BuildDataset(table, model.schema(), &label));
  if (data.n_rows == 0) return Status::InvalidArgument("the data has no labelled rows");
  std::vector<double> p(data.n_rows);
  RC_RETURN_IF_ERROR(model.PredictProbaBatch(data.x, p));
  return EvaluatePredictions(model, data.y, p, data.month, label);
}

nlohmann::json EvaluatePredictions(const Model& model, std::span<const uint8_t> y,
                                   std::span<const double> p, std::span<const int> month,
                                   const LabelSpec& label) {
  double base_rate = 0.5;
  const nlohmann::json& card = model.card();
  std::vector<double> monthly;
  if (card.contains("training") && card["training"].is_object()) {
    const nlohmann::json& t = card["training"];
    if (t.contains("positive_rate") && t["positive_rate"].is_number()) {
      base_rate = t["positive_rate"].get<double>();
    }
    if (t.contains("monthly_positive_rate") && t["monthly_positive_rate"].is_array() &&
        t["monthly_positive_rate"].size() == 13) {
      for (const auto& v : t["monthly_positive_rate"]) monthly.push_back(v.is_number() ? v.get<double>() : base_rate);
    }
  }
  bool have_months = !monthly.empty();
  for (int m : month) have_months = have_months && m >= 1;
  const std::vector<uint8_t> yv(y.begin(), y.end());
  const std::vector<int> mv(month.begin(), month.end());
  nlohmann::json out;
  out["n"] = y.size();
  out["label"] = label.Describe();
  out["metrics"] = MetricsToJson(ComputeMetrics(y, p));
  out["baselines"] = Baselines(yv, mv, base_rate, have_months ? &monthly : nullptr);
  out["reliability"] = ReliabilityToJson(Reliability(y, p, kReliabilityBins));
  return out;
}

Result<std::vector<double>> PredictTable(const Model& model, const CsvTable& table) {
  RC_ASSIGN_OR_RETURN(Dataset data, BuildDataset(table, model.schema(), nullptr));
  std::vector<double> p(data.n_rows);
  RC_RETURN_IF_ERROR(model.PredictProbaBatch(data.x, p));
  return p;
}

}  // namespace raincheck::forest
