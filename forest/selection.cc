#include "forest/selection.h"

#include <algorithm>
#include <cmath>

#include "base/strings.h"
#include "forest/random.h"

namespace raincheck::forest {

Result<CvKind> ParseCvKind(std::string_view name) {
  if (name == "random") return CvKind::kRandom;
  if (name == "time") return CvKind::kTime;
  return Status::InvalidArgument("--cv-kind must be random or time");
}

std::string CvKindName(CvKind k) { return k == CvKind::kRandom ? "random" : "time"; }

Split TrainTestSplit(size_t n, double test_fraction, CvKind kind, uint32_t seed) {
  const size_t n_test =
      std::min(n, static_cast<size_t>(std::ceil(test_fraction * static_cast<double>(n))));
  Split s;
  if (kind == CvKind::kTime) {
    for (uint32_t i = 0; i < n; ++i) (i + n_test < n ? s.train : s.test).push_back(i);
    return s;
  }
  const std::vector<uint32_t> perm = NumpyPermutation(static_cast<uint32_t>(n), seed);
  s.test.assign(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
  s.train.assign(perm.begin() + static_cast<std::ptrdiff_t>(n_test), perm.end());
  return s;
}

Result<std::vector<Split>> MakeFolds(const std::vector<uint8_t>& y, int k, CvKind kind) {
  const size_t n = y.size();
  const size_t folds = static_cast<size_t>(k);
  if (k < 2) return Status::InvalidArgument("--cv must be at least 2");
  std::vector<Split> out(folds);
  if (kind == CvKind::kTime) {
    const size_t block = n / (folds + 1);
    if (block == 0)
      return Status::InvalidArgument("too few rows for " + std::to_string(k) +
                                     " time-ordered folds");
    for (size_t f = 0; f < folds; ++f) {
      const size_t start = n - (folds - f) * block;
      for (uint32_t i = 0; i < start; ++i) out[f].train.push_back(i);
      for (size_t i = start; i < start + block; ++i)
        out[f].test.push_back(static_cast<uint32_t>(i));
    }
    return out;
  }
  if (n < folds) return Status::InvalidArgument("too few rows for " + std::to_string(k) + " folds");
  // StratifiedKFold (scikit-learn >= 0.22, shuffle=False): classes numbered by first
  // appearance; class c's rows go, in order, to folds by the allocation of sorted labels.
  int first_class = y.empty() ? 0 : y[0];
  std::vector<size_t> encoded(n);
  for (size_t i = 0; i < n; ++i) encoded[i] = (y[i] == first_class) ? 0 : 1;
  std::vector<size_t> sorted = encoded;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<size_t>> allocation(folds, std::vector<size_t>(2, 0));
  for (size_t f = 0; f < folds; ++f) {
    for (size_t i = f; i < n; i += folds) ++allocation[f][sorted[i]];
  }
  std::vector<size_t> test_fold(n);
  for (size_t c = 0; c < 2; ++c) {
    std::vector<size_t> fold_for_class;
    for (size_t f = 0; f < folds; ++f)
      fold_for_class.insert(fold_for_class.end(), allocation[f][c], f);
    size_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      if (encoded[i] == c) test_fold[i] = fold_for_class[next++];
    }
  }
  for (size_t f = 0; f < folds; ++f) {
    for (uint32_t i = 0; i < n; ++i) (test_fold[i] == f ? out[f].test : out[f].train).push_back(i);
  }
  return out;
}

Result<Grid> ParseGrid(std::string_view text) {
  Grid grid;
  // Parameters are separated by ';' or whitespace (values never contain either).
  std::string normalised(text);
  for (char& c : normalised) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = ';';
  }
  for (const std::string& part : base::Split(normalised, ';')) {
    const std::string_view p = base::Trim(part);
    if (p.empty()) continue;
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("--grid entry '" + std::string(p) + "' is not NAME=V1,V2,...");
    }
    std::string name(base::Trim(p.substr(0, eq)));
    std::vector<std::string> values;
    for (const std::string& v : base::Split(p.substr(eq + 1), ',')) {
      const std::string_view t = base::Trim(v);
      if (t.empty())
        return Status::InvalidArgument("--grid parameter '" + name + "' has an empty value");
      ForestParams probe;
      RC_RETURN_IF_ERROR(probe.Set(name, t).WithContext("--grid"));
      values.emplace_back(t);
    }
    if (values.empty())
      return Status::InvalidArgument("--grid parameter '" + name + "' has no values");
    for (const auto& [n, v] : grid) {
      if (n == name) return Status::InvalidArgument("--grid names '" + name + "' twice");
    }
    grid.emplace_back(std::move(name), std::move(values));
  }
  std::sort(grid.begin(), grid.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return grid;
}

std::vector<std::vector<std::pair<std::string, std::string>>> ExpandGrid(const Grid& grid) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out{{}};
  for (const auto& [name, values] : grid) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& prefix : out) {
      for (const std::string& v : values) {
        auto point = prefix;
        point.emplace_back(name, v);
        next.push_back(std::move(point));
      }
    }
    out = std::move(next);
  }
  return out;
}

Result<GridSearchResult> GridSearch(const Dataset& data, const std::vector<uint32_t>& rows,
                                    const ForestParams& base, const Grid& grid, int folds,
                                    CvKind kind, MetricKind metric, int jobs,
                                    const ProgressFn& progress) {
  std::vector<uint8_t> y(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) y[i] = data.y[rows[i]];
  RC_ASSIGN_OR_RETURN(std::vector<Split> splits, MakeFolds(y, folds, kind));
  GridSearchResult result;
  const auto points = ExpandGrid(grid);
  const size_t total = points.size() * splits.size();
  size_t done = 0;
  for (const auto& point : points) {
    ForestParams params = base;
    std::string what;
    for (const auto& [name, value] : point) {
      RC_RETURN_IF_ERROR(params.Set(name, value));
      if (!what.empty()) what += ' ';
      what.append(name).append("=").append(value);
    }
    GridPoint gp;
    gp.params = point;
    for (const Split& s : splits) {
      std::vector<uint32_t> fit_rows, val_rows;
      for (uint32_t i : s.train) fit_rows.push_back(rows[i]);
      for (uint32_t i : s.test) val_rows.push_back(rows[i]);
      RC_ASSIGN_OR_RETURN(TrainedForest forest, TrainForest(data, fit_rows, params, jobs));
      std::vector<double> p(val_rows.size());
      std::vector<uint8_t> vy(val_rows.size());
      for (size_t i = 0; i < val_rows.size(); ++i) {
        double sum = 0.0;
        for (const TreeArrays& t : forest.trees) sum += TreeProba(t, data.row(val_rows[i]));
        p[i] = sum / static_cast<double>(forest.trees.size());
        vy[i] = data.y[val_rows[i]];
      }
      gp.fold_scores.push_back(Score(metric, vy, p));
      ++done;
      if (progress) progress(done, total, what);
    }
    double sum = 0.0;
    for (double v : gp.fold_scores) sum += v;
    gp.mean = sum / static_cast<double>(gp.fold_scores.size());
    double var = 0.0;
    for (double v : gp.fold_scores) var += (v - gp.mean) * (v - gp.mean);
    gp.std = std::sqrt(var / static_cast<double>(gp.fold_scores.size()));
    result.points.push_back(std::move(gp));
  }
  for (size_t i = 1; i < result.points.size(); ++i) {
    const double a = result.points[i].mean, b = result.points[result.best].mean;
    if (std::isnan(b) || (HigherIsBetter(metric) ? a > b : a < b)) result.best = i;
  }
  return result;
}

}  // namespace raincheck::forest
