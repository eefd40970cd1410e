// The raincheck side of bench/forest_speed.py: trains, loads and predicts on raw arrays the
// script also feeds to scikit-learn and XGBoost, and prints one JSON object of timings.
//
//   forest_tool fit     --x X.f32 --y Y.u8 --features F --trees T --depth D --jobs J --out M
//                       [--split-search auto|exact|histogram] [--max-features sqrt|all|N]
//   forest_tool predict --model M --x X.f32 [--proba OUT.f64] [--single-rows N]
//                       [--block-rows N [--prefetch 1]]
//   forest_tool load    --model M [--repeat N]
//   forest_tool rss     --model M --x X.f32   (loads and predicts one row: for peak RSS)
//   forest_tool bare                          (does nothing: the baseline process)
//
// X.f32: row-major float32, F per row; Y.u8: one 0/1 byte per row.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/file.h"
#include "forest/fast_forest.h"
#include "forest/model.h"
#include "forest/trainer.h"

namespace rf = raincheck::forest;
using Clock = std::chrono::steady_clock;

namespace {

// The machine is shared: predict and load timings count this process's CPU time, not the
// wall clock, so time spent descheduled is not charged (forest_speed.py does the same for
// the other contenders). Fits are timed by the wall clock (they use several threads).
struct CpuClock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
double Seconds(double a, double b) { return b - a; }

// Peak resident set of this process (VmHWM), in MB.
double PeakRssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "forest_tool: %s\n", message.c_str());
  std::exit(1);
}

std::string ReadAll(const std::string& path) {
  auto bytes = raincheck::base::ReadFile(path);
  if (!bytes.ok()) Die(bytes.status().ToString());
  return std::move(*bytes);
}

std::vector<float> ReadFloats(const std::string& path) {
  const std::string b = ReadAll(path);
  std::vector<float> v(b.size() / sizeof(float));
  std::copy_n(b.data(), v.size() * sizeof(float), reinterpret_cast<char*>(v.data()));
  return v;
}

rf::Model LoadModel(const std::string& path) {
  auto m = rf::Model::Load(path);
  if (!m.ok()) Die(m.status().ToString());
  return std::move(*m);
}

int Fit(std::map<std::string, std::string>& a) {
  const size_t nf = std::stoul(a["features"]);
  rf::Dataset data;
  std::vector<rf::Feature> features;
  for (size_t f = 0; f < nf; ++f)
    features.push_back({std::string("f").append(std::to_string(f)), "1"});
  data.schema = rf::FeatureSchema(features);
  data.x = ReadFloats(a["x"]);
  const std::string y = ReadAll(a["y"]);
  data.y.assign(y.begin(), y.end());
  data.n_rows = data.y.size();
  if (data.x.size() != data.n_rows * nf) Die("x and y disagree");
  std::vector<uint32_t> rows(data.n_rows);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  rf::ForestParams p;
  p.n_estimators = std::stoi(a["trees"]);
  p.max_depth = std::stoi(a["depth"]);
  p.seed = a.count("seed") ? std::stoull(a["seed"]) : 42;
  for (const auto& [flag, name] :
       {std::pair<std::string, std::string>{"split-search", "split_search"},
        {"max-features", "max_features"}}) {
    if (a.count(flag) == 0) continue;
    if (auto s = p.Set(name, a[flag]); !s.ok()) Die(s.ToString());
  }
  const auto t0 = Clock::now();
  auto trained = rf::TrainForest(data, rows, p, std::stoi(a["jobs"]));
  const auto t1 = Clock::now();
  // The fit's peak: data, trainer and trees, as the other libraries' fit children report it
  // (they do not serialize their models there; building and saving the file comes after).
  const double fit_peak_mb = PeakRssMb();
  if (!trained.ok()) Die(trained.status().ToString());
  rf::ModelBuilder b;
  b.SetSchema(data.schema).SetClassLabels({"0", "1"}).SetCard({{"name", "bench"}});
  for (const rf::TreeArrays& t : trained->trees) b.AddTree(t);
  auto model = b.Build();
  if (!model.ok()) Die(model.status().ToString());
  if (auto s = model->Save(a["out"]); !s.ok()) Die(s.ToString());
  std::printf(
      "{\"fit_seconds\": %.6f, \"nodes\": %zu, \"peak_rss_mb\": %.1f, "
      "\"peak_rss_with_save_mb\": %.1f}\n",
      Seconds(t0, t1), model->forest().n_nodes(), fit_peak_mb, PeakRssMb());
  return 0;
}

int Predict(std::map<std::string, std::string>& a) {
  const rf::Model m = LoadModel(a["model"]);
  const size_t nf = m.schema().size();
  const std::vector<float> x = ReadFloats(a["x"]);
  const size_t n = x.size() / nf;
  std::vector<double> out(n);
  double batch = 1e30;
  for (int rep = 0; rep < 3; ++rep) {  // best of three, one thread
    const auto t0 = CpuClock::now();
    if (auto s = m.PredictProbaBatch(x, out); !s.ok()) Die(s.ToString());
    batch = std::min(batch, Seconds(t0, CpuClock::now()));
  }
  // --block-rows N [--prefetch 1]: the batch walk with blocks of N rows, prefetching or not (the
  // margin, one thread, best of three), next to the walk PredictMany chooses.
  double block = 0.0;
  if (a.count("block-rows")) {
    const rf::FastForest f = rf::FastForest::Build(m.forest(), m.combination());
    if (!f.usable()) Die("the model does not fit the fast layout");
    const rf::FastForest::BatchWalk walk{std::stoul(a["block-rows"]), a.count("prefetch") != 0};
    std::vector<double> margin(n);
    block = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const auto t0 = CpuClock::now();
      f.PredictMany(x.data(), nf, margin, walk);
      block = std::min(block, Seconds(t0, CpuClock::now()));
    }
  }
  if (a.count("proba")) {
    std::ofstream f(a["proba"], std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()),
            static_cast<std::streamsize>(out.size() * sizeof(double)));
  }
  // Single rows, one call each, cycling over the first rows until enough time has passed:
  // seconds per call, best of five.
  const size_t single =
      std::min<size_t>(n, a.count("single-rows") ? std::stoul(a["single-rows"]) : 1000);
  double sink = 0.0;
  auto per_call = [&](auto predict) {
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
      size_t calls = 0;
      const auto t0 = CpuClock::now();
      double el = 0.0;
      do {
        for (size_t r = 0; r < single; ++r) sink += predict(x.data() + r * nf);
        calls += single;
        el = Seconds(t0, CpuClock::now());
      } while (el < 0.1);
      best = std::min(best, el / static_cast<double>(calls));
    }
    return best;
  };
  const double proba = per_call(
      [&m, nf](const float* row) { return m.PredictProba(std::span<const float>(row, nf)); });
  // The one-row paths forced on the same layout: AVX2 (the scalar path without AVX2) and the
  // portable scalar path; PredictProba takes AVX-512 where the CPU has it.
  const rf::FastForest fast = rf::FastForest::Build(m.forest(), m.combination());
  double avx2 = 0.0, scalar = 0.0;
  if (fast.usable()) {
    avx2 = per_call([&fast](const float* row) { return fast.PredictOneAvx2(row); });
    scalar = per_call([&fast](const float* row) { return fast.PredictOneScalar(row); });
  }
  std::printf(
      "{\"batch_seconds\": %.6f, \"rows\": %zu, \"single_ns\": %.2f, "
      "\"single_avx2_ns\": %.2f, \"single_scalar_ns\": %.2f, \"trees\": %zu, "
      "\"block_seconds\": %.6f, \"sink\": %.3f}\n",
      batch, n, proba * 1e9, avx2 * 1e9, scalar * 1e9, m.n_trees(), block, sink > 0 ? 1.0 : 0.0);
  return 0;
}

// User and system CPU time of this process so far, in seconds.
std::pair<double, double> UserSystemSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return {s(ru.ru_utime), s(ru.ru_stime)};
}

// Loads the model `repeat` times. Reports the first load (the process's memory is fresh, as
// at a cold start), the min and median of all, and the share of the loop's CPU time spent in
// the kernel (mapping the file, faulting in the arrays' pages).
int Load(std::map<std::string, std::string>& a) {
  const int repeat = a.count("repeat") ? std::stoi(a["repeat"]) : 200;
  std::vector<double> t;
  size_t trees = 0;
  const auto [user0, sys0] = UserSystemSeconds();
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = CpuClock::now();
    const rf::Model m = LoadModel(a["model"]);
    t.push_back(Seconds(t0, CpuClock::now()));
    trees = m.n_trees();
  }
  const auto [user1, sys1] = UserSystemSeconds();
  const double first = t.front();
  std::sort(t.begin(), t.end());
  const double cpu = (user1 - user0) + (sys1 - sys0);
  std::printf(
      "{\"load_min_ms\": %.4f, \"load_median_ms\": %.4f, \"load_first_ms\": %.4f, "
      "\"kernel_share\": %.3f, \"trees\": %zu}\n",
      t.front() * 1e3, t[t.size() / 2] * 1e3, first * 1e3, cpu > 0 ? (sys1 - sys0) / cpu : 0.0,
      trees);
  return 0;
}

int Rss(std::map<std::string, std::string>& a) {
  const rf::Model m = LoadModel(a["model"]);
  std::vector<float> row(m.schema().size(), 1.0f);
  std::printf("{\"p\": %.6f, \"peak_rss_mb\": %.2f}\n", m.PredictProba(row), PeakRssMb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: forest_tool fit|predict|load|rss|bare [--name value]...");
  const std::string verb = argv[1];
  std::map<std::string, std::string> a;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) Die("expected --name value");
    a[k.substr(2)] = argv[i + 1];
  }
  if (verb == "fit") return Fit(a);
  if (verb == "predict") return Predict(a);
  if (verb == "load") return Load(a);
  if (verb == "rss") return Rss(a);
  if (verb == "bare") {
    std::printf("{\"peak_rss_mb\": %.2f}\n", PeakRssMb());
    return 0;
  }
  Die("unknown verb " + verb);
}
