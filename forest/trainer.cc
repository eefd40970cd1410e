#include "forest/trainer.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "forest/binning.h"
#include "forest/parallel.h"
#include "forest/random.h"

namespace raincheck::forest {
namespace {

Result<int> ParseInt(std::string_view name, std::string_view v, int min) {
  int out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || out < min) {
    return Status::InvalidArgument(std::string(name) + " must be an integer >= " +
                                   std::to_string(min) + ", got '" + std::string(v) + "'");
  }
  return out;
}

double Impurity(Criterion c, double w0, double w1) {
  const double n = w0 + w1;
  if (n <= 0.0) return 0.0;
  const double p0 = w0 / n, p1 = w1 / n;
  if (c == Criterion::kGini) return 1.0 - p0 * p0 - p1 * p1;
  double e = 0.0;
  if (p0 > 0.0) e -= p0 * std::log2(p0);
  if (p1 > 0.0) e -= p1 * std::log2(p1);
  return e;
}

const char* SplitSearchName(SplitSearch s) {
  switch (s) {
    case SplitSearch::kExact:
      return "exact";
    case SplitSearch::kHistogram:
      return "histogram";
    case SplitSearch::kAuto:
      break;
  }
  return "auto";
}

struct Candidate {
  bool found = false;
  double cost = std::numeric_limits<double>::infinity();  // Nl * imp_l + Nr * imp_r
  int32_t feature = -1;
  float threshold = 0.0f;
  bool missing_left = false;
  int bin = -1;  // found on histograms: bins <= bin go left; -1: found by the exact search
};

struct Entry {
  float v;
  uint32_t s;
};

// One histogram bin: weights per class and the number of distinct rows.
struct Bin {
  double w[2];
  uint32_t n;
};
constexpr size_t kBinSlots = 256;  // value bins 0..254 and kMissingBin

// A node's rows, for one feature: how many have a value and how many miss it, and their
// weights per class. Fixed while the boundaries between the node's values are tried.
struct FeatureTotals {
  size_t present_n = 0, missing_n = 0;
  double present_w0 = 0.0, present_w1 = 0.0;
  double missing_w0 = 0.0, missing_w1 = 0.0;
};

// The node's present rows left of the boundary being tried: their count and weights per class,
// summed as the scan moves the boundary right.
struct LeftSums {
  size_t n = 0;
  double w0 = 0.0, w1 = 0.0;
};

// Grows one tree over the local rows (column-major `cols`, `n_rows` rows; `binned` when
// histogram search is enabled).
class TreeGrower {
 public:
  TreeGrower(const std::vector<float>& cols, const BinnedMatrix* binned,
             const std::vector<uint8_t>& y, size_t n_rows, size_t n_features,
             const ForestParams& params, size_t max_features)
      : cols_(cols),
        binned_(binned),
        labels_(y),
        n_rows_(n_rows),
        n_features_(n_features),
        params_(params),
        max_features_(max_features),
        record_bytes_(binned == nullptr ? 16 : 16 + (n_features + 7) / 8 * 8) {}

  TreeArrays Grow(const std::vector<double>& weight, Rng& rng, std::vector<double>& importance) {
    weights_ = &weight;
    rng_ = &rng;
    importance_ = &importance;
    size_t drawn = 0;  // rows of this tree's sample (weight > 0)
    for (uint32_t j = 0; j < n_rows_; ++j) drawn += weight[j] > 0.0 ? 1u : 0u;
    records_.resize(drawn * record_bytes_);
    right_.resize(records_.size());
    size_t at = 0;
    double w0 = 0.0, w1 = 0.0;  // the root's weight per class
    for (uint32_t j = 0; j < n_rows_; ++j) {
      if (weight[j] > 0.0) {
        uint8_t* r = Rec(at++);
        std::memcpy(r, &j, sizeof j);
        r[4] = labels_[j];
        std::memcpy(r + 8, &weight[j], sizeof(double));
        if (binned_ != nullptr) std::memcpy(r + 16, binned_->row(j), n_features_);
        (labels_[j] ? w1 : w0) += weight[j];
      }
    }
    tree_ = TreeArrays();
    features_.resize(n_features_);
    for (size_t f = 0; f < n_features_; ++f) features_[f] = static_cast<int32_t>(f);
    // w0, w1: the node's weight per class.
    struct Task {
      size_t begin, end;
      int depth;
      uint32_t node;
      double w0, w1;
    };
    std::vector<Task> stack;
    stack.push_back({0, drawn, 0, tree_.AddNode(), w0, w1});
    while (!stack.empty()) {
      const Task t = stack.back();
      stack.pop_back();
      const size_t n = t.end - t.begin;
      const bool stop = (params_.max_depth >= 0 && t.depth >= params_.max_depth) ||
                        n < static_cast<size_t>(params_.min_samples_split) ||
                        n < 2 * static_cast<size_t>(params_.min_samples_leaf) || t.w0 <= 0.0 ||
                        t.w1 <= 0.0;
      Candidate best;
      if (!stop) best = FindSplit(t.begin, t.end, t.w0, t.w1);
      if (!best.found) {
        MakeLeaf(t.node, t.w0, t.w1);
        continue;
      }
      const Sides sides = Partition(t.begin, t.end, best);
      (*importance_)[static_cast<size_t>(best.feature)] +=
          (t.w0 + t.w1) * Impurity(params_.criterion, t.w0, t.w1) -
          (sides.l0 + sides.l1) * Impurity(params_.criterion, sides.l0, sides.l1) -
          (sides.r0 + sides.r1) * Impurity(params_.criterion, sides.r0, sides.r1);
      const uint32_t left = tree_.AddNode();
      const uint32_t right = tree_.AddNode();
      tree_.feature[t.node] = best.feature;
      tree_.threshold[t.node] = best.threshold;
      tree_.left[t.node] = left;
      tree_.right[t.node] = right;
      tree_.missing_left[t.node] = best.missing_left ? 1 : 0;
      stack.push_back({sides.split, t.end, t.depth + 1, right, sides.r0, sides.r1});
      stack.push_back({t.begin, sides.split, t.depth + 1, left, sides.l0, sides.l1});
    }
    tree_.feature.shrink_to_fit();
    tree_.threshold.shrink_to_fit();
    tree_.left.shrink_to_fit();
    tree_.right.shrink_to_fit();
    tree_.missing_left.shrink_to_fit();
    tree_.leaf_value.shrink_to_fit();
    return std::move(tree_);
  }

 private:
  void MakeLeaf(uint32_t node, double w0, double w1) {
    const double n = w0 + w1;
    tree_.feature[node] = ForestArrays::kLeaf;
    tree_.left[node] = static_cast<uint32_t>(tree_.leaf_value.size() / 2);
    tree_.leaf_value.push_back(n > 0.0 ? static_cast<float>(w0 / n) : 0.5f);
    tree_.leaf_value.push_back(n > 0.0 ? static_cast<float>(w1 / n) : 0.5f);
  }

  // The node's rows are records in node order: row index, label, weight and (when binned)
  // the row's bins, so that the passes over a node read and write memory in order.
  uint8_t* Rec(size_t i) { return records_.data() + i * record_bytes_; }
  static uint32_t RowOf(const uint8_t* r) {
    uint32_t s;
    std::memcpy(&s, r, sizeof s);
    return s;
  }
  static size_t LabelOf(const uint8_t* r) { return r[4]; }
  static double WeightOf(const uint8_t* r) {
    double w;
    std::memcpy(&w, r + 8, sizeof w);
    return w;
  }
  static const uint8_t* BinsOf(const uint8_t* r) { return r + 16; }

  struct Sides {
    size_t split;   // records [begin, split) went left, [split, end) right
    double l0, l1;  // weight per class on the left
    double r0, r1;  // and on the right
  };

  // Stable: the rows going left first, each side in its former order. Splits found on
  // histograms are applied to the bins, exact ones to the values: the same rows either way.
  // Branch-free: every record is copied to both sides and only one side's end advances.
  Sides Partition(size_t begin, size_t end, const Candidate& c) {
    const size_t f = static_cast<size_t>(c.feature);
    const float* col = cols_.data() + f * n_rows_;
    double sum[2][2] = {{0.0, 0.0}, {0.0, 0.0}};  // [went left][label]
    size_t left_end = begin, right_n = 0;
    uint8_t* right = right_.data();
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* r = Rec(i);
      bool left;
      if (c.bin >= 0) {
        const uint8_t b = BinsOf(r)[f];
        left = b == kMissingBin ? c.missing_left : b <= c.bin;
      } else {
        const float v = col[RowOf(r)];
        left = std::isnan(v) ? c.missing_left : v <= c.threshold;
      }
      sum[left ? 1 : 0][LabelOf(r)] += WeightOf(r);
      CopyRecord(right + right_n * record_bytes_, r);
      CopyRecord(Rec(left_end), r);  // left_end <= i: never ahead of the reading
      left_end += left ? 1 : 0;
      right_n += left ? 0 : 1;
    }
    std::memcpy(Rec(left_end), right, right_n * record_bytes_);
    return {left_end, sum[1][0], sum[1][1], sum[0][0], sum[0][1]};
  }

  // Records are whole 8-byte words, and two records are either the same or disjoint.
  void CopyRecord(uint8_t* to, const uint8_t* from) const {
    for (size_t k = 0; k < record_bytes_; k += 8) {
      uint64_t word;
      std::memcpy(&word, from + k, sizeof word);
      std::memcpy(to + k, &word, sizeof word);
    }
  }

  // Draws features in a random order until max_features non-constant ones were seen. The
  // histogram search draws as many at a time as are still wanted and bins them in one pass;
  // it consumes the same random numbers as drawing them one by one.
  Candidate FindSplit(size_t begin, size_t end, double w0, double w1) {
    Candidate best;
    const bool histogram = binned_ != nullptr && UsesHistogram(params_.split_search, end - begin);
    size_t tried = 0;
    size_t k = 0;
    while (k < n_features_ && tried < max_features_) {
      const size_t want = histogram ? std::min(max_features_ - tried, n_features_ - k) : 1;
      batch_.clear();
      for (size_t i = 0; i < want; ++i, ++k) {
        const size_t j = k + static_cast<size_t>(rng_->Below(n_features_ - k));
        std::swap(features_[k], features_[j]);
        batch_.push_back(features_[k]);
      }
      if (histogram) {
        BuildHistograms(begin, end);
        for (size_t i = 0; i < batch_.size(); ++i) {
          if (EvaluateHistogram(i, w0, w1, best)) ++tried;
        }
      } else if (EvaluateExact(batch_[0], begin, end, w0, w1, best)) {
        ++tried;
      }
    }
    return best;
  }

  void Consider(Candidate& best, double lw0, double lw1, double rw0, double rw1, int32_t f,
                float threshold, bool missing_left, int bin) {
    const double cost = (lw0 + lw1) * Impurity(params_.criterion, lw0, lw1) +
                        (rw0 + rw1) * Impurity(params_.criterion, rw0, rw1);
    if (cost < best.cost) {
      best = {true, cost, f, threshold, missing_left, bin};
    }
  }

  // Considers the split "left: present values up to `threshold`" with `left` of the node's
  // present rows on the left, and the rows missing the feature sent to the lighter side or
  // tried on both.
  void ConsiderBoundary(Candidate& best, int32_t f, float threshold, int bin, const LeftSums& left,
                        const FeatureTotals& node) {
    const size_t min_leaf = static_cast<size_t>(params_.min_samples_leaf);
    const size_t right_n = node.present_n - left.n;
    const double lw0 = left.w0, lw1 = left.w1;
    const double nw0 = node.present_w0, nw1 = node.present_w1;
    const double mw0 = node.missing_w0, mw1 = node.missing_w1;
    if (node.missing_n == 0) {
      if (left.n < min_leaf || right_n < min_leaf) return;
      const double rw0 = nw0 - lw0, rw1 = nw1 - lw1;
      // Rows with a missing value at prediction go to the heavier side.
      const bool missing_left = lw0 + lw1 >= rw0 + rw1;
      Consider(best, lw0, lw1, rw0, rw1, f, threshold, missing_left, bin);
      return;
    }
    if (left.n >= min_leaf && right_n + node.missing_n >= min_leaf) {
      Consider(best, lw0, lw1, nw0 - lw0 + mw0, nw1 - lw1 + mw1, f, threshold, false, bin);
    }
    if (left.n + node.missing_n >= min_leaf && right_n >= min_leaf) {
      Consider(best, lw0 + mw0, lw1 + mw1, nw0 - lw0, nw1 - lw1, f, threshold, true, bin);
    }
  }

  // Present values left, missing values right (`bin`: the last value bin, or -1).
  void ConsiderMissingApart(Candidate& best, int32_t f, int bin, const FeatureTotals& node) {
    const size_t min_leaf = static_cast<size_t>(params_.min_samples_leaf);
    if (node.missing_n > 0 && node.present_n >= min_leaf && node.missing_n >= min_leaf) {
      Consider(best, node.present_w0, node.present_w1, node.missing_w0, node.missing_w1, f,
               std::numeric_limits<float>::infinity(), false, bin);
    }
  }

  // Every boundary between the node's distinct values. Returns false when the feature is
  // constant (or entirely missing) in this node.
  bool EvaluateExact(int32_t f, size_t begin, size_t end, double w0, double w1, Candidate& best) {
    const std::vector<double>& w = *weights_;
    const float* col = cols_.data() + static_cast<size_t>(f) * n_rows_;
    values_.clear();
    FeatureTotals node;
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* r = Rec(i);
      const uint32_t s = RowOf(r);
      const float v = col[s];
      if (std::isnan(v)) {
        (LabelOf(r) != 0 ? node.missing_w1 : node.missing_w0) += WeightOf(r);
        ++node.missing_n;
      } else {
        values_.push_back({v, s});
      }
    }
    node.present_n = values_.size();
    if (node.present_n == 0) return false;
    std::sort(values_.begin(), values_.end(), [](const Entry& a, const Entry& b) {
      return a.v < b.v || (a.v == b.v && a.s < b.s);
    });
    node.present_w0 = w0 - node.missing_w0;
    node.present_w1 = w1 - node.missing_w1;
    if (values_.front().v == values_.back().v && node.missing_n == 0) return false;
    LeftSums left;
    for (size_t p = 0; p + 1 < node.present_n; ++p) {
      const uint32_t s = values_[p].s;
      (labels_[s] ? left.w1 : left.w0) += w[s];
      left.n = p + 1;
      const float a = values_[p].v, b = values_[p + 1].v;
      if (a == b) continue;
      ConsiderBoundary(best, f, ThresholdBetween(a, b), -1, left, node);
    }
    ConsiderMissingApart(best, f, -1, node);
    return true;
  }

  // One pass over the node's rows fills the histograms of every feature in batch_.
  void BuildHistograms(size_t begin, size_t end) {
    const size_t nb = batch_.size();
    histogram_.assign(nb * kBinSlots, Bin{{0.0, 0.0}, 0});
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* r = Rec(i);
      const uint8_t* row = BinsOf(r);
      const double ws = WeightOf(r);
      const size_t c = LabelOf(r);
      for (size_t b = 0; b < nb; ++b) {
        Bin& h = histogram_[b * kBinSlots + row[batch_[b]]];
        h.w[c] += ws;
        ++h.n;
      }
    }
  }

  // The boundaries between the node's non-empty bins of batch_[i]; each is the cut in the
  // middle of the empty bins between them. Returns false when the node's present values all
  // fall in one bin and none is missing, or all are missing.
  bool EvaluateHistogram(size_t i, double w0, double w1, Candidate& best) {
    const Bin* h = histogram_.data() + i * kBinSlots;
    const int32_t f = batch_[i];
    const std::vector<float>& cuts = binned_->cuts[static_cast<size_t>(f)];
    const size_t n_bins = cuts.size() + 1;
    const Bin& missing = h[kMissingBin];
    FeatureTotals node;
    node.missing_w0 = missing.w[0];
    node.missing_w1 = missing.w[1];
    node.missing_n = missing.n;
    size_t occupied = 0;
    for (size_t b = 0; b < n_bins; ++b) {
      node.present_n += h[b].n;
      occupied += h[b].n > 0 ? 1 : 0;
    }
    if (node.present_n == 0 || (occupied == 1 && node.missing_n == 0)) return false;
    node.present_w0 = w0 - node.missing_w0;
    node.present_w1 = w1 - node.missing_w1;
    LeftSums left;
    size_t b = 0;
    while (h[b].n == 0) ++b;
    for (;;) {
      left.w0 += h[b].w[0];
      left.w1 += h[b].w[1];
      left.n += h[b].n;
      size_t next = b + 1;
      while (next < n_bins && h[next].n == 0) ++next;
      if (next == n_bins) break;
      ConsiderBoundary(best, f, cuts[(b + next - 1) / 2], static_cast<int>(b), left, node);
      b = next;
    }
    ConsiderMissingApart(best, f, static_cast<int>(n_bins) - 1, node);
    return true;
  }

  const std::vector<float>& cols_;
  const BinnedMatrix* binned_;
  const std::vector<uint8_t>& labels_;
  size_t n_rows_, n_features_;
  const ForestParams& params_;
  size_t max_features_;
  const std::vector<double>* weights_ = nullptr;
  Rng* rng_ = nullptr;
  std::vector<double>* importance_ = nullptr;
  size_t record_bytes_;  // bytes per record: 16, and the bins rounded up to 8 bytes
  std::vector<uint8_t> records_;
  std::vector<uint8_t> right_;
  std::vector<int32_t> features_;
  std::vector<int32_t> batch_;
  std::vector<Entry> values_;
  std::vector<Bin> histogram_;
  TreeArrays tree_;
};

}  // namespace

Status ForestParams::Set(std::string_view name, std::string_view value) {
  if (name == "n_estimators") {
    RC_ASSIGN_OR_RETURN(n_estimators, ParseInt(name, value, 1));
  } else if (name == "max_depth") {
    if (value == "none" || value == "None") {
      max_depth = -1;
    } else {
      RC_ASSIGN_OR_RETURN(max_depth, ParseInt(name, value, 1));
    }
  } else if (name == "min_samples_split") {
    RC_ASSIGN_OR_RETURN(min_samples_split, ParseInt(name, value, 2));
  } else if (name == "min_samples_leaf") {
    RC_ASSIGN_OR_RETURN(min_samples_leaf, ParseInt(name, value, 1));
  } else if (name == "max_features") {
    const std::string old = max_features;
    max_features = std::string(value);
    auto ok = MaxFeatures(1000);
    if (!ok.ok()) {
      max_features = old;
      return ok.status();
    }
  } else if (name == "criterion") {
    if (value == "gini") {
      criterion = Criterion::kGini;
    } else if (value == "entropy") {
      criterion = Criterion::kEntropy;
    } else {
      return Status::InvalidArgument("criterion must be gini or entropy");
    }
  } else if (name == "class_weight") {
    if (value == "balanced") {
      class_weight_balanced = true;
    } else if (value == "none" || value == "None") {
      class_weight_balanced = false;
    } else {
      return Status::InvalidArgument("class_weight must be balanced or none");
    }
  } else if (name == "bootstrap") {
    if (value == "true" || value == "True") {
      bootstrap = true;
    } else if (value == "false" || value == "False") {
      bootstrap = false;
    } else {
      return Status::InvalidArgument("bootstrap must be true or false");
    }
  } else if (name == "split_search") {
    if (value == "auto") {
      split_search = SplitSearch::kAuto;
    } else if (value == "exact") {
      split_search = SplitSearch::kExact;
    } else if (value == "histogram") {
      split_search = SplitSearch::kHistogram;
    } else {
      return Status::InvalidArgument("split_search must be auto, exact or histogram");
    }
  } else if (name == "max_bins") {
    RC_ASSIGN_OR_RETURN(int bins, ParseInt(name, value, 2));
    if (bins > kMaxBins) {
      return Status::InvalidArgument("max_bins must be at most " + std::to_string(kMaxBins));
    }
    max_bins = bins;
  } else {
    return Status::InvalidArgument("unknown forest parameter '" + std::string(name) + "'");
  }
  return Status::Ok();
}

nlohmann::json ForestParams::ToJson() const {
  return {{"n_estimators", n_estimators},
          {"max_depth", max_depth < 0 ? nlohmann::json(nullptr) : nlohmann::json(max_depth)},
          {"min_samples_split", min_samples_split},
          {"min_samples_leaf", min_samples_leaf},
          {"max_features", max_features},
          {"criterion", criterion == Criterion::kGini ? "gini" : "entropy"},
          {"class_weight",
           class_weight_balanced ? nlohmann::json("balanced") : nlohmann::json(nullptr)},
          {"bootstrap", bootstrap},
          {"split_search", SplitSearchName(split_search)},
          {"max_bins", max_bins},
          {"seed", seed}};
}

Result<size_t> ForestParams::MaxFeatures(size_t n_features) const {
  const double nf = static_cast<double>(n_features);
  size_t k = 0;
  if (max_features == "sqrt") {
    k = static_cast<size_t>(std::sqrt(nf));
  } else if (max_features == "log2") {
    k = static_cast<size_t>(std::log2(nf));
  } else if (max_features == "all" || max_features == "none" || max_features == "None") {
    k = n_features;
  } else if (max_features.find('.') != std::string::npos) {
    double f = 0.0;
    const auto [end, ec] =
        std::from_chars(max_features.data(), max_features.data() + max_features.size(), f);
    if (ec != std::errc() || end != max_features.data() + max_features.size() || !(f > 0.0) ||
        f > 1.0) {
      return Status::InvalidArgument("max_features fraction must be in (0, 1], got '" +
                                     max_features + "'");
    }
    k = static_cast<size_t>(f * nf);
  } else {
    RC_ASSIGN_OR_RETURN(int v, ParseInt("max_features", max_features, 1));
    k = static_cast<size_t>(v);
  }
  return std::clamp<size_t>(k, 1, std::max<size_t>(n_features, 1));
}

namespace {

// kExact: never; kHistogram: always; kAuto: from `auto_min` rows on.
bool HistogramFor(SplitSearch search, size_t rows, size_t auto_min) {
  switch (search) {
    case SplitSearch::kExact:
      return false;
    case SplitSearch::kHistogram:
      return true;
    case SplitSearch::kAuto:
      break;
  }
  return rows >= auto_min;
}

}  // namespace

bool BinsTrainingSet(SplitSearch search, size_t rows) {
  return HistogramFor(search, rows, kHistogramMinRows);
}

bool UsesHistogram(SplitSearch search, size_t rows) {
  return HistogramFor(search, rows, kHistogramMinNodeRows);
}

namespace {

// Tree `tree`'s bootstrap draws into `count` (m rows), taken from its stream `rng`, which
// then goes on to grow the tree.
void DrawBootstrap(const ForestParams& params, size_t m, Rng& rng, std::vector<uint32_t>& count) {
  count.assign(m, params.bootstrap ? 0u : 1u);
  if (params.bootstrap) {
    for (size_t k = 0; k < m; ++k) ++count[rng.Below(m)];
  }
}

}  // namespace

std::vector<uint32_t> InBagCounts(const ForestParams& params, size_t tree, size_t m) {
  Rng rng = Rng::ForStream(params.seed, tree);
  std::vector<uint32_t> count;
  DrawBootstrap(params, m, rng, count);
  return count;
}

double TreeProba(const TreeArrays& tree, const float* row) {
  uint32_t node = 0;
  while (tree.feature[node] != ForestArrays::kLeaf) {
    const float x = row[tree.feature[node]];
    const bool left = std::isnan(x) ? tree.missing_left[node] != 0 : x <= tree.threshold[node];
    node = left ? tree.left[node] : tree.right[node];
  }
  return static_cast<double>(tree.leaf_value[2 * static_cast<size_t>(tree.left[node]) + 1]);
}

namespace {

// The training rows as columns (column-major, feature f's values at [f * n_rows, ...)) and
// their labels, with the number of positive labels.
struct TrainingColumns {
  std::vector<float> cols;
  std::vector<uint8_t> y;
  size_t positives = 0;
};

Result<TrainingColumns> ColumnsOf(const Dataset& data, std::span<const uint32_t> rows) {
  const size_t m = rows.size();
  const size_t nf = data.schema.size();
  TrainingColumns out;
  out.cols.resize(m * nf);
  out.y.resize(m);
  for (size_t j = 0; j < m; ++j) {
    if (rows[j] >= data.n_rows) return Status::InvalidArgument("training row out of range");
    const float* r = data.row(rows[j]);
    for (size_t f = 0; f < nf; ++f) out.cols[f * m + j] = r[f];
    out.y[j] = data.y[rows[j]];
    out.positives += out.y[j];
  }
  return out;
}

// Each class's row weight: 1, or with class_weight=balanced n / (2 * the class's count).
std::array<double, 2> ClassWeights(const ForestParams& params, size_t m, size_t positives) {
  std::array<double, 2> class_weight = {1.0, 1.0};
  if (params.class_weight_balanced) {
    const double counts[2] = {static_cast<double>(m - positives), static_cast<double>(positives)};
    for (size_t c = 0; c < 2; ++c) {
      class_weight[c] = counts[c] > 0.0 ? static_cast<double>(m) / (2.0 * counts[c]) : 0.0;
    }
  }
  return class_weight;
}

// Out-of-bag predictions: each tree predicts the rows it did not draw right after it is grown,
// while it is in cache. The probabilities are added as fixed-point integers (kScale units), so
// each row's sum is exact and does not depend on which thread grew which tree; each thread
// keeps its own sums, added up afterwards (Finish).
class OutOfBag {
 public:
  OutOfBag(bool enabled, size_t threads, size_t m)
      : sum_(enabled ? threads : 0), seen_(enabled ? threads : 0), rows_(m) {}

  // Thread `worker`'s sums, zeroed; called by that thread before its first Add.
  void Start(size_t worker) {
    sum_[worker].assign(rows_, 0);
    seen_[worker].assign(rows_, 0);
  }
  void Add(size_t worker, size_t row, double p) {
    sum_[worker][row] += static_cast<int64_t>(std::ldexp(p, kScale));
    ++seen_[worker][row];
  }

  // Each row's mean out-of-bag probability (NaN for a row every tree drew) into `out`, and the
  // accuracy at 0.5 over the rows that have one (NaN when none has).
  void Finish(const std::vector<uint8_t>& y, TrainedForest& out) const {
    out.oob_proba.assign(rows_, std::numeric_limits<double>::quiet_NaN());
    for (size_t j = 0; j < rows_; ++j) {
      int64_t sum = 0;
      uint32_t seen = 0;
      for (size_t w = 0; w < sum_.size(); ++w) {
        sum += sum_[w][j];
        seen += seen_[w][j];
      }
      if (seen > 0) out.oob_proba[j] = std::ldexp(static_cast<double>(sum), -kScale) / seen;
    }
    size_t n = 0, correct = 0;
    for (size_t j = 0; j < rows_; ++j) {
      if (std::isnan(out.oob_proba[j])) continue;
      ++n;
      correct += ((out.oob_proba[j] > 0.5) == (y[j] == 1)) ? 1u : 0u;
    }
    if (n > 0) out.oob_accuracy = static_cast<double>(correct) / static_cast<double>(n);
  }

 private:
  static constexpr int kScale = 32;        // n_estimators < 2^31 sums of at most 2^32 fit in int64
  std::vector<std::vector<int64_t>> sum_;  // [thread][row]
  std::vector<std::vector<uint32_t>> seen_;  // [thread][row]: trees that left the row out
  size_t rows_;
};

// Impurity importances: each tree's normalised, then averaged and normalised (as
// scikit-learn).
std::vector<double> MeanImportance(const std::vector<std::vector<double>>& importances, size_t nf) {
  std::vector<double> mean(nf, 0.0);
  for (const std::vector<double>& imp : importances) {
    double total = 0.0;
    for (double v : imp) total += v;
    if (total <= 0.0) continue;
    for (size_t f = 0; f < nf; ++f) mean[f] += imp[f] / total;
  }
  double total = 0.0;
  for (double v : mean) total += v;
  if (total > 0.0) {
    for (double& v : mean) v /= total;
  }
  return mean;
}

}  // namespace

Result<TrainedForest> TrainForest(const Dataset& data, std::span<const uint32_t> rows,
                                  const ForestParams& params, int jobs) {
  const size_t m = rows.size();
  const size_t nf = data.schema.size();
  if (m < 2) return Status::InvalidArgument("need at least two training rows");
  if (data.y.size() != data.n_rows) return Status::InvalidArgument("the data has no labels");
  if (params.n_estimators < 1) return Status::InvalidArgument("n_estimators must be >= 1");
  RC_ASSIGN_OR_RETURN(size_t max_features, params.MaxFeatures(nf));
  RC_ASSIGN_OR_RETURN(const TrainingColumns columns, ColumnsOf(data, rows));
  const std::vector<float>& cols = columns.cols;
  const std::vector<uint8_t>& y = columns.y;
  const std::array<double, 2> class_weight = ClassWeights(params, m, columns.positives);

  // Histogram search needs the binned matrix; built only when some node will use it.
  BinnedMatrix binned;
  const bool histogram = BinsTrainingSet(params.split_search, m);
  if (histogram) binned = BuildBins(cols, m, nf, params.max_bins, jobs);

  const size_t n_trees = static_cast<size_t>(params.n_estimators);
  TrainedForest out;
  out.trees.resize(n_trees);
  std::vector<std::vector<double>> importances(n_trees, std::vector<double>(nf, 0.0));
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(jobs, 1)), 1, n_trees);
  OutOfBag oob(params.bootstrap, threads, m);
  // One task per thread, each taking the next tree until none is left. Tree t's bootstrap
  // draws and growth take random numbers from stream t only, so the forest does not depend on
  // which thread grew which tree.
  std::atomic<size_t> next{0};
  ParallelFor(static_cast<int>(threads), threads, [&](size_t worker) {
    TreeGrower grower(cols, histogram ? &binned : nullptr, y, m, nf, params, max_features);
    std::vector<uint32_t> count(m);
    std::vector<double> weight(m);
    if (params.bootstrap) oob.Start(worker);
    for (size_t t = next++; t < n_trees; t = next++) {
      Rng rng = Rng::ForStream(params.seed, t);
      DrawBootstrap(params, m, rng, count);
      for (size_t j = 0; j < m; ++j) weight[j] = count[j] * class_weight[y[j]];
      out.trees[t] = grower.Grow(weight, rng, importances[t]);
      if (!params.bootstrap) continue;
      for (size_t j = 0; j < m; ++j) {
        if (count[j] == 0) oob.Add(worker, j, TreeProba(out.trees[t], data.row(rows[j])));
      }
    }
  });

  out.impurity_importance = MeanImportance(importances, nf);
  out.oob_accuracy = std::numeric_limits<double>::quiet_NaN();
  if (params.bootstrap) oob.Finish(y, out);
  return out;
}

}  // namespace raincheck::forest
