#include "forest/pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "base/checksum.h"
#include "base/strings.h"
#include "forest/metrics.h"
#include "forest/parallel.h"
#include "forest/random.h"
#include "forest/trainer.h"

namespace raincheck::forest {
namespace {

constexpr int kPermutationRepeats = 5;
// Permutation importance shuffles at most this many rows (a seeded sample of larger sets):
// its cost is features x repeats x rows x trees, and the estimate is already stable here.
constexpr size_t kPermutationMaxRows = 10000;
constexpr int kReliabilityBins = 10;

// What `train` found, before it becomes the card's JSON (CardJson).
struct EvaluationReport {
  std::string rows;  // "held-out" or "out-of-bag"
  size_t n = 0;
  Metrics metrics;
  std::vector<RocPoint> roc;
  std::vector<ReliabilityBin> reliability;
  nlohmann::json baselines;
};

struct ImportanceReport {
  std::string rows;  // "held-out", "out-of-bag", or "" (no permutation importance)
  size_t available_rows = 0, sample_rows = 0;
  std::vector<double> permutation_mean, permutation_std;  // per feature; empty without `rows`
};

struct TrainReport {
  std::optional<EvaluationReport> evaluation;  // none: no test set and no out-of-bag rows
  ImportanceReport importances;
  size_t fit_rows = 0;  // rows the evaluated model was fit on
  bool refit = false;   // the shipped model was then fit again on every labelled row
};

nlohmann::json Num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

constexpr size_t kPredictBlockRows = 4096;  // rows per prediction task

std::vector<uint32_t> AllRows(size_t n) {
  std::vector<uint32_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
  return rows;
}

// The rows `rows` of `data`, row-major.
std::vector<float> Gather(const Dataset& data, std::span<const uint32_t> rows) {
  const size_t nf = data.schema.size();
  std::vector<float> x(rows.size() * nf);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy_n(data.row(rows[i]), nf, x.begin() + static_cast<std::ptrdiff_t>(i * nf));
  }
  return x;
}

// A model of `trees` (tree-local indices), validated and laid out for fast prediction.
Result<Model> ForestModel(const FeatureSchema& schema, const LabelSpec& label,
                          std::span<const TreeArrays> trees, nlohmann::json card) {
  ModelBuilder builder;
  builder.SetSchema(schema).SetClassLabels(label.ClassLabels()).SetCard(std::move(card));
  for (const TreeArrays& t : trees) builder.AddTree(t);
  return builder.Build();
}

// P(positive) of `model` for the row-major rows `x` (out.size() rows), in blocks on `jobs`
// threads. Each block writes only its own outputs, so the result does not depend on `jobs`.
Status PredictParallel(const Model& model, std::span<const float> x, std::span<double> out,
                       int jobs) {
  const size_t width = model.schema().size();
  const size_t n = out.size();
  const size_t blocks = (n + kPredictBlockRows - 1) / kPredictBlockRows;
  std::vector<Status> status(blocks);
  ParallelFor(jobs, blocks, [&](size_t b) {
    const size_t lo = b * kPredictBlockRows, hi = std::min(n, lo + kPredictBlockRows);
    status[b] =
        model.PredictProbaBatch(x.subspan(lo * width, (hi - lo) * width), out.subspan(lo, hi - lo));
  });
  for (const Status& s : status) RC_RETURN_IF_ERROR(s);
  return Status::Ok();
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
  out["majority_class"] = {{"class", majority},
                           {"accuracy", maj.accuracy},
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

// The card's ROC curve, to a thousandth: the full curve has a point per distinct score, up to
// one per evaluated row, and the card travels inside the model file, which every load parses (a
// million out-of-bag rows made a 43 MB curve and a 0.8 s load). The AUC is the full curve's.
constexpr double kCardRocResolution = 1e-3;

nlohmann::json RocJson(const std::vector<RocPoint>& curve) {
  nlohmann::json roc = nlohmann::json::array();
  for (const RocPoint& r : ThinRocCurve(curve, kCardRocResolution)) roc.push_back({r.fpr, r.tpr});
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
  return Hex64(base::Xxh64(bytes)).substr(0, 12);
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
    rows.push_back({{"params", p},
                    {"mean", Num(gp.mean)},
                    {"std", Num(gp.std)},
                    {"fold_scores", gp.fold_scores}});
  }
  *selection = {{"metric", MetricName(o.metric)},
                {"cv_folds", o.cv},
                {"cv_kind", CvKindName(o.cv_kind)},
                {"grid", rows},
                {"best_index", gs.best}};
  for (const auto& [k, v] : gs.points[gs.best].params) RC_RETURN_IF_ERROR(params.Set(k, v));
  return params;
}

// P(positive) for a row-major matrix of sample rows (n rows of the schema's width). Called
// from several threads at once.
using SamplePredictor = std::function<std::vector<double>(const std::vector<float>& x)>;

// Which of `n` evaluation rows permutation importance uses: all of them up to
// kPermutationMaxRows, else a seeded random sample of that many, in their original order.
std::vector<uint32_t> PermutationSample(size_t n, uint64_t seed) {
  std::vector<uint32_t> pos = AllRows(n);
  if (n <= kPermutationMaxRows) return pos;
  Rng rng = Rng::ForStream(seed ^ 0x5A3Dull, 0);
  for (size_t i = 0; i < kPermutationMaxRows; ++i) {
    std::swap(pos[i], pos[i + rng.Below(n - i)]);
  }
  pos.resize(kPermutationMaxRows);
  std::sort(pos.begin(), pos.end());
  return pos;
}

// Permutation importances (mean and standard deviation per feature of the drop in the
// selection metric when the feature's column of the sample `x` is shuffled). Each (feature,
// repeat) is one task on `jobs` threads with its own random stream, so the result does not
// depend on `jobs`.
void PermutationImportances(const TrainOptions& o, size_t nf, const std::vector<float>& x,
                            const std::vector<uint8_t>& y, const SamplePredictor& predict,
                            ImportanceReport* report) {
  const size_t n = y.size();
  const double base = Score(o.metric, y, predict(x));
  std::vector<double> drop(nf * kPermutationRepeats);
  ParallelFor(o.jobs, drop.size(), [&](size_t task) {
    const size_t f = task / kPermutationRepeats;
    Rng rng = Rng::ForStream(o.seed ^ 0x5EEDull, task);
    std::vector<float> shuffled = x;
    for (size_t i = n; i > 1; --i) {
      std::swap(shuffled[(i - 1) * nf + f], shuffled[rng.Below(i) * nf + f]);
    }
    const double s = Score(o.metric, y, predict(shuffled));
    drop[task] = HigherIsBetter(o.metric) ? base - s : s - base;
  });
  report->permutation_mean.assign(nf, 0.0);
  report->permutation_std.assign(nf, 0.0);
  for (size_t f = 0; f < nf; ++f) {
    const std::span<const double> d(drop.data() + f * kPermutationRepeats, kPermutationRepeats);
    double mean = 0.0, var = 0.0;
    for (double v : d) mean += v;
    mean /= static_cast<double>(d.size());
    for (double v : d) var += (v - mean) * (v - mean);
    report->permutation_mean[f] = mean;
    report->permutation_std[f] = std::sqrt(var / static_cast<double>(d.size()));
  }
}

// Out-of-bag predictions for sample rows of the training set: each row averaged over the
// trees whose bootstrap sample left it out (Breiman's out-of-bag estimate), every tree on the
// fast predictor as a one-tree model.
class OutOfBagPredictor {
 public:
  // `sample`: positions in the training rows (TrainForest's `rows`, `m` of them), each out of
  // the bag of at least one tree.
  static Result<OutOfBagPredictor> Make(const TrainedForest& forest, const ForestParams& params,
                                        const FeatureSchema& schema, const LabelSpec& label,
                                        std::span<const uint32_t> sample, size_t m, int jobs) {
    OutOfBagPredictor p;
    p.feature_count_ = schema.size();
    for (const TreeArrays& t : forest.trees) {
      RC_ASSIGN_OR_RETURN(Model one,
                          ForestModel(schema, label, std::span(&t, 1), nlohmann::json::object()));
      p.trees_.push_back(std::move(one));
    }
    p.out_of_bag_.resize(forest.trees.size());
    ParallelFor(jobs, forest.trees.size(), [&](size_t t) {
      const std::vector<uint32_t> count = InBagCounts(params, t, m);
      for (size_t i = 0; i < sample.size(); ++i) {
        if (count[sample[i]] == 0) p.out_of_bag_[t].push_back(static_cast<uint32_t>(i));
      }
    });
    return p;
  }

  // P(positive) for the sample's rows in `x` (their feature values, possibly shuffled).
  std::vector<double> operator()(const std::vector<float>& x) const {
    const size_t n = x.size() / feature_count_;
    std::vector<double> sum(n, 0.0), seen(n, 0.0), out;
    std::vector<float> rows;
    for (size_t t = 0; t < trees_.size(); ++t) {
      const std::vector<uint32_t>& oob = out_of_bag_[t];
      rows.resize(oob.size() * feature_count_);
      for (size_t i = 0; i < oob.size(); ++i) {
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(oob[i] * feature_count_),
                    feature_count_, rows.begin() + static_cast<std::ptrdiff_t>(i * feature_count_));
      }
      out.resize(oob.size());
      if (!trees_[t].PredictProbaBatch(rows, out).ok()) continue;  // sizes agree by design
      for (size_t i = 0; i < oob.size(); ++i) {
        sum[oob[i]] += out[i];
        seen[oob[i]] += 1.0;
      }
    }
    for (size_t i = 0; i < n; ++i) sum[i] /= seen[i];
    return sum;
  }

 private:
  size_t feature_count_ = 0;
  std::vector<Model> trees_;
  std::vector<std::vector<uint32_t>> out_of_bag_;  // per tree: sample positions out of its bag
};

// Metrics, ROC curve, reliability and baselines of predictions `p` for rows with labels `y`
// and months `month`; the baselines know only `rates` (the training labels').
EvaluationReport Assess(std::vector<uint8_t> y, const std::vector<double>& p,
                        const std::vector<int>& month, const TrainingRates& rates) {
  EvaluationReport r;
  r.n = y.size();
  r.metrics = ComputeMetrics(y, p, &r.roc);
  r.reliability = Reliability(y, p, kReliabilityBins);
  r.baselines = Baselines(y, month, rates.base_rate, rates.have_months ? &rates.monthly : nullptr);
  return r;
}

// Held-out evaluation and importances of `forest`, fit on split.train, on split.test.
Status EvaluateHeldOut(const TrainOptions& o, const Dataset& data, const Split& split,
                       const TrainedForest& forest, const TrainingRates& rates,
                       TrainReport* report) {
  RC_ASSIGN_OR_RETURN(Model model,
                      ForestModel(data.schema, o.label, forest.trees, nlohmann::json::object()));
  const std::vector<float> x = Gather(data, split.test);
  std::vector<double> p(split.test.size());
  RC_RETURN_IF_ERROR(PredictParallel(model, x, p, o.jobs));
  std::vector<uint8_t> y(split.test.size());
  std::vector<int> month(split.test.size());
  for (size_t i = 0; i < split.test.size(); ++i) {
    y[i] = data.y[split.test[i]];
    month[i] = data.month[split.test[i]];
  }
  report->evaluation = Assess(y, p, month, rates);
  report->evaluation->rows = "held-out";

  const std::vector<uint32_t> sample = PermutationSample(split.test.size(), o.seed);
  std::vector<uint32_t> sample_rows(sample.size());
  std::vector<uint8_t> sample_y(sample.size());
  for (size_t i = 0; i < sample.size(); ++i) {
    sample_rows[i] = split.test[sample[i]];
    sample_y[i] = y[sample[i]];
  }
  ImportanceReport& imp = report->importances;
  imp.rows = "held-out";
  imp.available_rows = split.test.size();
  imp.sample_rows = sample.size();
  PermutationImportances(
      o, data.schema.size(), Gather(data, sample_rows), sample_y,
      [&model](const std::vector<float>& rows) {
        std::vector<double> out(rows.size() / model.schema().size());
        (void)model.PredictProbaBatch(rows, out);  // sizes agree by design
        return out;
      },
      &imp);
  return Status::Ok();
}

// Out-of-bag evaluation and importances of `forest`, fit on `rows` with `params`: every row
// judged only by the trees that did not see it. Nothing without bootstrap (or when every row
// was in every bootstrap sample).
Status EvaluateOutOfBag(const TrainOptions& o, const Dataset& data, std::span<const uint32_t> rows,
                        const ForestParams& params, const TrainedForest& forest,
                        const TrainingRates& rates, TrainReport* report) {
  std::vector<uint32_t> oob_rows;  // positions in `rows` with an out-of-bag prediction
  for (size_t j = 0; j < forest.oob_proba.size(); ++j) {
    if (!std::isnan(forest.oob_proba[j])) oob_rows.push_back(static_cast<uint32_t>(j));
  }
  if (oob_rows.empty()) return Status::Ok();
  std::vector<uint8_t> y(oob_rows.size());
  std::vector<int> month(oob_rows.size());
  std::vector<double> p(oob_rows.size());
  for (size_t i = 0; i < oob_rows.size(); ++i) {
    y[i] = data.y[rows[oob_rows[i]]];
    month[i] = data.month[rows[oob_rows[i]]];
    p[i] = forest.oob_proba[oob_rows[i]];
  }
  report->evaluation = Assess(y, p, month, rates);
  report->evaluation->rows = "out-of-bag";

  const std::vector<uint32_t> sample = PermutationSample(oob_rows.size(), o.seed);
  std::vector<uint32_t> positions(sample.size()), sample_rows(sample.size());
  std::vector<uint8_t> sample_y(sample.size());
  for (size_t i = 0; i < sample.size(); ++i) {
    positions[i] = oob_rows[sample[i]];
    sample_rows[i] = rows[positions[i]];
    sample_y[i] = y[sample[i]];
  }
  RC_ASSIGN_OR_RETURN(OutOfBagPredictor predict,
                      OutOfBagPredictor::Make(forest, params, data.schema, o.label, positions,
                                              rows.size(), o.jobs));
  ImportanceReport& imp = report->importances;
  imp.rows = "out-of-bag";
  imp.available_rows = oob_rows.size();
  imp.sample_rows = sample.size();
  PermutationImportances(o, data.schema.size(), Gather(data, sample_rows), sample_y,
                         std::cref(predict), &imp);
  return Status::Ok();
}

// The training CSV, read and turned into a labelled matrix.
struct TrainingInput {
  std::string text;  // the file's bytes (the card holds their hash)
  CsvTable table;
  std::vector<Feature> features;
  Dataset data;
};

Result<TrainingInput> ReadTrainingData(const TrainOptions& o) {
  TrainingInput in;
  for (const std::string& f : o.features) {
    auto u = o.units.find(f);
    in.features.push_back({f, u == o.units.end() ? "unspecified" : u->second});
  }
  RC_ASSIGN_OR_RETURN(in.text, ReadFileToString(o.data_path));
  if (base::Trim(in.text).empty())
    return Status::InvalidArgument(o.data_path + ": the file is empty");
  auto parsed = ParseCsv(in.text);
  if (!parsed.ok()) return parsed.status().WithContext(o.data_path);
  in.table = std::move(parsed).value();
  auto built = BuildDataset(in.table, FeatureSchema(in.features), &o.label);
  if (!built.ok()) return built.status().WithContext(o.data_path);
  in.data = std::move(built).value();
  if (in.data.n_rows < 10) {
    return Status::InvalidArgument(o.data_path + ": need at least 10 labelled rows, found " +
                                   std::to_string(in.data.n_rows));
  }
  return in;
}

// InvalidArgument naming the label column when `rows` of `data` hold one class only.
Status CheckBothClasses(const TrainOptions& o, const Dataset& data, std::span<const uint32_t> rows,
                        std::string_view which) {
  size_t positives = 0;
  for (uint32_t i : rows) positives += data.y[i];
  if (positives != 0 && positives != rows.size()) return Status::Ok();
  const std::vector<std::string> classes = o.label.ClassLabels();
  return Status::InvalidArgument(o.data_path + ": label column '" + o.label.column +
                                 "' has one class: all " + std::to_string(rows.size()) + " " +
                                 std::string(which) + " are '" + classes[positives == 0 ? 0 : 1] +
                                 "'; training needs rows of both classes");
}

nlohmann::json EvaluationJson(const TrainOptions& o, const TrainReport& r, size_t shipped_rows) {
  if (!r.evaluation) return nullptr;
  const EvaluationReport& e = *r.evaluation;
  nlohmann::json j = {{"rows", e.rows}};
  if (e.rows == "held-out") {
    j["describes"] =
        r.refit ? "a model of the chosen parameters fit on the " + std::to_string(r.fit_rows) +
                      " training rows; the shipped model was refit on all " +
                      std::to_string(shipped_rows) + " rows"
                : "the shipped model, fit on the " + std::to_string(r.fit_rows) + " training rows";
    j["split"] = CvKindName(o.cv_kind);
    j["test_fraction"] = o.test_fraction;
  } else {
    j["describes"] = "the shipped model: each of its " + std::to_string(r.fit_rows) +
                     " training rows predicted by the trees whose bootstrap sample left it out";
  }
  j["test_rows"] = e.n;
  j["test"] = MetricsToJson(e.metrics);
  j["baselines"] = e.baselines;
  j["reliability"] = ReliabilityToJson(e.reliability);
  j["roc"] = RocJson(e.roc);
  return j;
}

nlohmann::json ImportancesJson(const TrainOptions& o, const ImportanceReport& r,
                               const FeatureSchema& schema, const std::vector<double>& impurity) {
  nlohmann::json features = nlohmann::json::array();
  for (size_t f = 0; f < schema.size(); ++f) {
    const bool perm = f < r.permutation_mean.size();
    features.push_back({{"feature", schema[f].name},
                        {"impurity", impurity[f]},
                        {"permutation_mean", perm ? Num(r.permutation_mean[f]) : nullptr},
                        {"permutation_std", perm ? Num(r.permutation_std[f]) : nullptr}});
  }
  return {{"permutation_metric", MetricName(o.metric)},
          {"permutation_rows", r.rows.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.rows)},
          {"permutation_repeats", kPermutationRepeats},
          {"permutation_sample_rows", r.sample_rows},
          {"permutation_available_rows", r.available_rows},
          {"features", features}};
}

// The model card: the options, the data and everything the report says, as JSON.
nlohmann::json CardJson(const TrainOptions& o, const TrainingInput& in, const ForestParams& params,
                        const nlohmann::json& selection, const TrainedForest& shipped,
                        size_t shipped_rows, const TrainingRates& rates, const TrainReport& r) {
  nlohmann::json card = nlohmann::json::object();
  card["format"] = "raincheck-model-card/1";
  card["name"] = o.name.empty() ? "model" : o.name;
  card["version"] = o.model_version.empty() ? "sha-" + TreeHash(shipped.trees) : o.model_version;
  card["created_by"] = std::string("raincheck ") + RAINCHECK_VERSION;
  card["data"] = {{"file", std::filesystem::path(o.data_path).filename().string()},
                  {"xxh64", Hex64(base::Xxh64(in.text))},
                  {"csv_rows", in.table.rows.size()},
                  {"labelled_rows", in.data.n_rows}};
  if (o.home) card["home"] = HomeCard(o, in.table);
  nlohmann::json feats = nlohmann::json::array();
  for (const Feature& f : in.features) feats.push_back({{"name", f.name}, {"unit", f.unit}});
  card["features"] = feats;
  card["label"] = {
      {"column", o.label.column},
      {"value", o.label.value ? nlohmann::json(*o.label.value) : nlohmann::json(nullptr)},
      {"ahead", o.label.ahead},
      {"definition", o.label_definition.empty() ? o.label.Describe() : o.label_definition},
      {"classes", o.label.ClassLabels()}};
  card["params"] = params.ToJson();
  card["selection"] = selection;
  card["training"] = {{"rows", shipped_rows},
                      {"refit", r.refit},
                      {"positive_rate", rates.base_rate},
                      {"monthly_positive_rate",
                       rates.have_months ? nlohmann::json(rates.monthly) : nlohmann::json(nullptr)},
                      {"oob_accuracy", Num(shipped.oob_accuracy)}};
  card["evaluation"] = EvaluationJson(o, r, shipped_rows);
  card["importances"] =
      ImportancesJson(o, r.importances, in.data.schema, shipped.impurity_importance);
  if (o.card_extra.is_object()) {
    for (auto it = o.card_extra.begin(); it != o.card_extra.end(); ++it)
      card[it.key()] = it.value();
  }
  return card;
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
  RC_ASSIGN_OR_RETURN(const TrainingInput in, ReadTrainingData(o));
  const Dataset& data = in.data;
  const std::vector<uint32_t> all = AllRows(data.n_rows);
  RC_RETURN_IF_ERROR(CheckBothClasses(o, data, all, "labelled rows"));
  const uint32_t seed32 = static_cast<uint32_t>(o.seed & 0xFFFFFFFFu);
  const Split split = TrainTestSplit(data.n_rows, o.test_fraction, o.cv_kind, seed32);
  if (split.train.size() < 10) return Status::InvalidArgument("too few training rows");
  RC_RETURN_IF_ERROR(
      CheckBothClasses(o, data, split.train, "training rows (after --test-fraction)"));

  nlohmann::json selection;
  RC_ASSIGN_OR_RETURN(const ForestParams params,
                      SelectParams(o, data, split, progress, &selection));
  RC_ASSIGN_OR_RETURN(TrainedForest forest, TrainForest(data, split.train, params, o.jobs));
  TrainReport report;
  report.fit_rows = split.train.size();
  const TrainingRates fit_rates = Rates(data, split.train);
  if (!split.test.empty()) {
    RC_RETURN_IF_ERROR(EvaluateHeldOut(o, data, split, forest, fit_rates, &report));
  } else {
    RC_RETURN_IF_ERROR(EvaluateOutOfBag(o, data, split.train, params, forest, fit_rates, &report));
  }
  report.refit = o.refit && !split.test.empty();
  if (report.refit) {
    RC_ASSIGN_OR_RETURN(forest, TrainForest(data, all, params, o.jobs));
  }
  const std::vector<uint32_t>& shipped_rows = report.refit ? all : split.train;
  const nlohmann::json card = CardJson(o, in, params, selection, forest, shipped_rows.size(),
                                       Rates(data, shipped_rows), report);
  return ForestModel(data.schema, o.label, forest.trees, card);
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
      for (const auto& v : t["monthly_positive_rate"])
        monthly.push_back(v.is_number() ? v.get<double>() : base_rate);
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
