// Google Benchmark for the forest's predict side: one row and batches through the fast
// layout and the reference walk, and model load, for forests of several sizes trained on a
// synthetic 12-feature problem (a fixed seed, so runs compare).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "forest/fast_forest.h"
#include "forest/model.h"
#include "forest/random.h"
#include "forest/trainer.h"

namespace rf = raincheck::forest;

namespace {

constexpr size_t kFeatures = 12;

// Two Gaussian classes whose means differ in six features; the rest is noise.
rf::Dataset Synthetic(size_t n, uint64_t seed) {
  rf::Rng rng(seed);
  auto uniform = [&rng]() { return (static_cast<double>(rng.Next() >> 11) + 0.5) * 0x1.0p-53; };
  auto normal = [&]() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307 * uniform());
  };
  rf::Dataset d;
  std::vector<rf::Feature> features;
  for (size_t f = 0; f < kFeatures; ++f)
    features.push_back({std::string("f").append(std::to_string(f)), "1"});
  d.schema = rf::FeatureSchema(features);
  d.n_rows = n;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t y = static_cast<uint8_t>(rng.Below(2));
    d.y.push_back(y);
    for (size_t f = 0; f < kFeatures; ++f) {
      d.x.push_back(static_cast<float>(normal() + (f < 6 && y ? 0.7 : 0.0)));
    }
  }
  return d;
}

const rf::Dataset& Rows() {
  static const rf::Dataset d = Synthetic(100000, 2);
  return d;
}

// Forests are trained once per (trees, depth) and kept.
const rf::Model& Forest(int trees, int depth) {
  static std::map<std::pair<int, int>, rf::Model> cache;
  auto it = cache.find({trees, depth});
  if (it != cache.end()) return it->second;
  static const rf::Dataset train = Synthetic(20000, 1);
  std::vector<uint32_t> rows(train.n_rows);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  rf::ForestParams p;
  p.n_estimators = trees;
  p.max_depth = depth;
  auto trained = rf::TrainForest(train, rows, p, 2);
  rf::ModelBuilder b;
  b.SetSchema(train.schema).SetClassLabels({"0", "1"});
  for (const rf::TreeArrays& t : trained->trees) b.AddTree(t);
  return cache.emplace(std::make_pair(trees, depth), b.Build().value()).first->second;
}

// One row per iteration, cycling over 1000 rows, through `predict(model, fast_layout, row)`;
// reports the time per tree.
template <typename Predict>
void OneRow(benchmark::State& state, const Predict& predict) {
  const rf::Model& m = Forest(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const rf::FastForest fast = rf::FastForest::Build(m.forest(), 1);
  const rf::Dataset& d = Rows();
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(predict(m, fast, d.row(r)));
    r = (r + 1) % 1000;
  }
  state.counters["ns_per_tree"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(m.n_trees()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// What PredictProba runs: the AVX-512 path where the CPU has it.
void BM_PredictOne(benchmark::State& state) {
  OneRow(state, [](const rf::Model& m, const rf::FastForest&, const float* row) {
    return m.PredictProba(std::span<const float>(row, kFeatures));
  });
}
BENCHMARK(BM_PredictOne)->ArgsProduct({{10, 100, 500}, {6, 12}})->Unit(benchmark::kNanosecond);

// The portable scalar path (what CPUs without AVX2 run) on the same forests.
void BM_PredictOneScalar(benchmark::State& state) {
  OneRow(state, [](const rf::Model&, const rf::FastForest& fast, const float* row) {
    return fast.PredictOneScalar(row);
  });
}
BENCHMARK(BM_PredictOneScalar)->ArgsProduct({{100}, {6, 12}})->Unit(benchmark::kNanosecond);

// The AVX2 path (what CPUs with AVX2 but not AVX-512 run), forced; the scalar path's figure
// on a CPU without AVX2.
void BM_PredictOneAvx2(benchmark::State& state) {
  OneRow(state, [](const rf::Model&, const rf::FastForest& fast, const float* row) {
    return fast.PredictOneAvx2(row);
  });
}
BENCHMARK(BM_PredictOneAvx2)->ArgsProduct({{100}, {6, 12}})->Unit(benchmark::kNanosecond);

void BM_PredictOneReference(benchmark::State& state) {
  OneRow(state, [](const rf::Model& m, const rf::FastForest&, const float* row) {
    return m.PredictProbaReference(std::span<const float>(row, kFeatures));
  });
}
BENCHMARK(BM_PredictOneReference)->Args({100, 12})->Unit(benchmark::kNanosecond);

void BM_PredictBatch(benchmark::State& state) {
  const rf::Model& m = Forest(100, static_cast<int>(state.range(0)));
  const rf::Dataset& d = Rows();
  std::vector<double> out(d.n_rows);
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.PredictProbaBatch(d.x, out).ok());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(d.n_rows));
}
BENCHMARK(BM_PredictBatch)->Arg(6)->Arg(12)->Unit(benchmark::kMillisecond);

void BM_Load(benchmark::State& state) {
  const rf::Model& m = Forest(static_cast<int>(state.range(0)), 8);
  const std::string path = "/tmp/raincheck_forest_bench_" + std::to_string(state.range(0)) + ".rcf";
  if (!m.Save(path).ok()) {
    state.SkipWithError("cannot save the model");
    return;
  }
  for (auto _ : state) {
    auto loaded = rf::Model::Load(path);
    benchmark::DoNotOptimize(loaded.ok());
  }
  std::remove(path.c_str());
}
BENCHMARK(BM_Load)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
