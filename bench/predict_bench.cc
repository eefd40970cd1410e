// The predict API per request, beside the rain check: CPU time of HandleEvent for POST /predict
// with one row (both request shapes) and for GET /forecast with a geocoder and a weather source
// that answer at once (no upstream call, records off), on the same model; then one request of
// 10,000 rows (the limit). Not part of pass/fail; docs/import.md, "HTTP API", has the numbers.
//
//   predict_bench [--model FILE] [--rounds N]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/handler.h"
#include "app/model_catalog.h"
#include "app/test_support.h"
#include "forest/model.h"

namespace {

namespace app = raincheck::app;
using nlohmann::json;

double ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// An HTTP API (2.0) POST /predict event with `body`.
std::string PredictEvent(const std::string& body) {
  json e = json::parse(app::testing::HttpApiEvent({}, "application/json", "POST"));
  e["rawPath"] = "/predict";
  e["requestContext"]["http"]["path"] = "/predict";
  e["headers"]["content-type"] = "application/json";
  e["body"] = body;
  return e.dump();
}

struct Bench {
  raincheck::base::SystemClock clock;
  raincheck::base::Logger logger{raincheck::base::LogLevel::kOff};
  app::testing::FakeGeocoder geocoder;
  app::testing::FakeWeather weather;
  app::Services services;
  raincheck::lambda::InvocationContext context;

  explicit Bench(const app::ModelCatalog& catalog) {
    services.clock = &clock;
    services.logger = &logger;
    services.geocoder = &geocoder;
    services.weather = &weather;
    services.models = &catalog;
    context.request_id = "bench";
  }

  // CPU microseconds per HandleEvent of `event`, median of 5 runs of `rounds`; fails when the
  // answer is not 200.
  double MicrosPerRequest(const std::string& event, int rounds) {
    std::vector<double> runs;
    for (int r = 0; r < 5; ++r) {
      const double t0 = ThreadCpuMicros();
      for (int i = 0; i < rounds; ++i) {
        context.deadline = clock.Now() + std::chrono::seconds(10);
        auto out = app::HandleEvent(event, context, services);
        if (!out.ok() || out->find("\"statusCode\":200") == std::string::npos) {
          std::fprintf(stderr, "not answered 200: %s\n",
                       out.ok() ? out->substr(0, 300).c_str() : "");
          std::exit(1);
        }
      }
      runs.push_back((ThreadCpuMicros() - t0) / rounds);
    }
    return Median(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string model_path = RAINCHECK_DEFAULT_MODEL_PATH;
  int rounds = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model") model_path = argv[i + 1];
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
  }
  auto model = raincheck::forest::Model::Load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  std::vector<raincheck::forest::Model> one = {*model};
  const app::ModelCatalog catalog(std::move(one));
  Bench bench(catalog);

  // One row of plausible values for every feature.
  json row = json::object();
  json columns = json::array();
  json values = json::array();
  float v = 1.5f;
  for (const auto& f : model->schema().features()) {
    row[f.name] = v;
    columns.push_back(f.name);
    values.push_back(v);
    v += 2.25f;
  }
  const std::string rows_event = PredictEvent(json{{"rows", {row}}}.dump());
  const std::string data_event =
      PredictEvent(json{{"columns", columns}, {"data", {values}}}.dump());
  const std::string forecast_event =
      app::testing::HttpApiEvent({{"city", "Cape Town"}, {"format", "json"}});
  json many = json::array();
  for (int i = 0; i < 10000; ++i) many.push_back(values);
  const std::string big_event = PredictEvent(json{{"columns", columns}, {"data", many}}.dump());

  bench.MicrosPerRequest(forecast_event, rounds / 10);  // warm up
  const double forecast = bench.MicrosPerRequest(forecast_event, rounds);
  const double rows = bench.MicrosPerRequest(rows_event, rounds);
  const double data = bench.MicrosPerRequest(data_event, rounds);
  const double big = bench.MicrosPerRequest(big_event, 5);
  std::printf("model: %s (%zu trees, %zu features)\n", model_path.c_str(), model->n_trees(),
              model->schema().size());
  std::printf(
      "handler cpu_us_per_request forecast_no_upstream=%.2f predict_one_row_rows=%.2f "
      "predict_one_row_columns=%.2f ratio_rows=%.2f\n",
      forecast, rows, data, rows / forecast);
  std::printf("handler predict_10000_rows event_bytes=%zu cpu_ms=%.2f\n", big_event.size(),
              big / 1000);
  return 0;
}
