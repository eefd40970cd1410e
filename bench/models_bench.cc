// Models for the place: how long a directory of N models takes to load (what start-up and a
// cold start pay), what choosing a model costs per request, and the whole handler per request
// with 1 and with N models (fake geocoder and weather that answer at once, records off).
// Not part of pass/fail; bench/models_speed.py runs it beside scikit-learn's unpickling.
//
//   models_bench [--model FILE] [--count N] [--repeat R]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "app/handler.h"
#include "app/model_catalog.h"
#include "app/test_support.h"
#include "forest/model.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using raincheck::app::ModelCatalog;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// N copies of `base` with homes spread over the globe, one file each.
void WriteDirectory(const raincheck::forest::Model& base, const fs::path& dir, int count) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lat(-60, 70), lon(-180, 180);
  for (int i = 0; i < count; ++i) {
    const auto m = raincheck::app::testing::WithHome(
        base, "place-" + std::to_string(i),
        raincheck::app::testing::Home("Place " + std::to_string(i), lat(rng), lon(rng)));
    if (!m.Save((dir / ("place-" + std::to_string(i) + ".rcf")).string()).ok()) std::exit(1);
  }
}

// Microseconds per Handle() over `rounds` requests from random places.
double HandlerMicros(const ModelCatalog& catalog, int rounds) {
  namespace app = raincheck::app;
  raincheck::base::SystemClock clock;
  raincheck::base::Logger logger(raincheck::base::LogLevel::kOff);
  app::testing::FakeGeocoder geocoder;
  app::testing::FakeWeather weather;
  app::Services services;
  services.clock = &clock;
  services.logger = &logger;
  services.geocoder = &geocoder;
  services.weather = &weather;
  services.models = &catalog;
  raincheck::lambda::InvocationContext context;
  context.request_id = "bench";
  const std::string event = app::testing::HttpApiEvent({{"city", "Somewhere"}, {"format", "json"}});
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> lat(-60, 70), lon(-180, 180);
  size_t bytes = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    geocoder.set_latitude(lat(rng));
    geocoder.set_longitude(lon(rng));
    context.deadline = clock.Now() + std::chrono::seconds(10);
    bytes += app::HandleEvent(event, context, services)->size();
  }
  const double us = Ms(Clock::now() - t0) * 1000.0 / rounds;
  if (bytes == 0) std::printf("no output\n");
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path = RAINCHECK_DEFAULT_MODEL_PATH;
  int count = 50, repeat = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model") model_path = argv[i + 1];
    if (flag == "--count") count = std::atoi(argv[i + 1]);
    if (flag == "--repeat") repeat = std::atoi(argv[i + 1]);
  }
  auto base = raincheck::forest::Model::Load(model_path);
  if (!base.ok()) {
    std::fprintf(stderr, "%s\n", base.status().ToString().c_str());
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / "raincheck-models-bench";
  WriteDirectory(*base, dir, count);
  ::sync();  // time loading files at rest, not files still being written back
  const raincheck::base::Logger quiet(raincheck::base::LogLevel::kOff);

  std::vector<double> loads;
  std::optional<ModelCatalog> catalog;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = Clock::now();
    auto c = ModelCatalog::LoadDirectory(dir.string(), false, quiet);
    loads.push_back(Ms(Clock::now() - t0));
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
      return 1;
    }
    catalog.emplace(std::move(c).value());
  }
  std::printf("model: %s (%zu trees), file %.1f KB\n", model_path.c_str(), base->n_trees(),
              static_cast<double>(fs::file_size(model_path)) / 1024.0);
  std::printf("load_directory models=%d median_ms=%.3f min_ms=%.3f first_ms=%.3f\n", count,
              Median(loads), *std::min_element(loads.begin(), loads.end()), loads.front());
  {
    std::vector<double> each;
    for (int r = 0; r < 5; ++r) {
      const auto t = Clock::now();
      for (int i = 0; i < count; ++i) {
        auto m = raincheck::forest::Model::Load(
            (dir / ("place-" + std::to_string(i) + ".rcf")).string());
        if (!m.ok()) return 1;
      }
      each.push_back(Ms(Clock::now() - t));
    }
    std::printf("load_each_file models=%d median_ms=%.3f\n", count, Median(each));
  }
  // Where one model's load goes: the whole Model::Load, and parsing its card's JSON alone.
  std::vector<double> load_one, card;
  const std::string card_text = base->card().dump();
  for (int r = 0; r < 200; ++r) {
    auto t = Clock::now();
    auto m = raincheck::forest::Model::Load(model_path);
    load_one.push_back(Ms(Clock::now() - t));
    t = Clock::now();
    auto parsed = nlohmann::json::parse(card_text);
    card.push_back(Ms(Clock::now() - t));
    if (!m.ok() || parsed.is_discarded()) return 1;
  }
  std::printf("load_one median_ms=%.3f card_json_parse_median_ms=%.3f card_bytes=%zu\n",
              Median(load_one), Median(card), card_text.size());

  // Choosing alone.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> lat(-60, 70), lon(-180, 180);
  constexpr int kChoices = 200000;
  std::vector<std::pair<double, double>> places(kChoices);
  for (auto& p : places) p = {lat(rng), lon(rng)};
  size_t applies = 0;
  const auto t0 = Clock::now();
  for (const auto& [la, lo] : places) applies += catalog->Choose(la, lo).applies ? 1u : 0u;
  const double choose_ns = Ms(Clock::now() - t0) * 1e6 / kChoices;
  std::printf("choose models=%d ns_per_request=%.1f (applied %zu of %d)\n", count, choose_ns,
              applies, kChoices);

  // The whole handler, with one model and with all of them.
  std::vector<raincheck::forest::Model> one_model = {catalog->models().front()};
  const ModelCatalog one(std::move(one_model));
  constexpr int kRounds = 20000;
  HandlerMicros(one, 2000);  // warm up
  std::vector<double> with_one, with_all;
  for (int r = 0; r < 5; ++r) {
    with_one.push_back(HandlerMicros(one, kRounds));
    with_all.push_back(HandlerMicros(*catalog, kRounds));
  }
  std::printf("handler models=1 us_per_request=%.2f\n", Median(with_one));
  std::printf("handler models=%d us_per_request=%.2f overhead_us=%.2f\n", count, Median(with_all),
              Median(with_all) - Median(with_one));
  fs::remove_all(dir);
  return 0;
}
