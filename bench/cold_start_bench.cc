// Cold start and warm overhead of `bootstrap` under the local emulator (not a test).
//
//   cold_start_bench [--bootstrap PATH] [--event FILE] [--cold N] [--warm N]
//
// Cold: a fresh emulator per sample; from spawning bootstrap to its first response posted
// (Init Duration: spawn -> first GET /next; plus the first invocation), and the instance's
// peak RSS from wait4's rusage once it is killed. Warm: Emulator::Invoke round trips on one
// warm instance (Runtime API hand-over and the handler; upstreams are whatever the function is
// configured with - the defaults touch no network for an invalid or local request).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "local/emulator.h"

namespace {

using raincheck::local::Emulator;
using raincheck::local::EmulatorOptions;
using raincheck::local::ExitInfo;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

EmulatorOptions Options(const std::string& bootstrap) {
  EmulatorOptions options;
  options.bootstrap_path = bootstrap;
  options.max_concurrency = 1;
  options.environment = raincheck::local::PassThroughEnvironment();
  options.environment.emplace_back("RAINCHECK_LOG_LEVEL", "warn");
  options.log_sink = [](std::string_view) {};
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap = RAINCHECK_BINARY_DIR "/bin/bootstrap";
  std::string event_path = RAINCHECK_SOURCE_DIR "/data/events/forecast-cape-town.json";
  int cold = 50;
  int warm = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bootstrap")
      bootstrap = argv[i + 1];
    else if (flag == "--event")
      event_path = argv[i + 1];
    else if (flag == "--cold")
      cold = std::atoi(argv[i + 1]);
    else if (flag == "--warm")
      warm = std::atoi(argv[i + 1]);
  }
  std::ifstream in(event_path);
  const std::string event{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

  std::vector<double> init_ms, first_response_ms, invoke_ms, rss_mb;
  for (int i = 0; i < cold; ++i) {
    EmulatorOptions options = Options(bootstrap);
    long max_rss_kb = 0;
    options.on_instance_exit = [&](const ExitInfo& info) { max_rss_kb = info.max_rss_kb; };
    Emulator emulator(options);
    if (!emulator.Start().ok()) {
      std::fprintf(stderr, "cannot start the emulator with %s\n", bootstrap.c_str());
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    auto result = emulator.Invoke(event);
    const auto end = std::chrono::steady_clock::now();
    if (!result.ok() || !result->function_error.empty() || !result->cold_start) {
      std::fprintf(stderr, "cold invocation failed: %s\n",
                   result.ok() ? result->payload.c_str() : result.status().ToString().c_str());
      return 1;
    }
    emulator.Shutdown();  // kills and reaps the instance: on_instance_exit has run
    init_ms.push_back(result->init_ms);
    first_response_ms.push_back(result->init_ms + result->duration_ms);
    invoke_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    rss_mb.push_back(static_cast<double>(max_rss_kb) / 1024.0);
  }

  std::vector<double> warm_ms;
  {
    Emulator emulator(Options(bootstrap));
    if (!emulator.Start().ok() || !emulator.Invoke(event).ok()) return 1;
    for (int i = 0; i < warm; ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto result = emulator.Invoke(event);
      const auto end = std::chrono::steady_clock::now();
      if (!result.ok() || !result->function_error.empty()) return 1;
      warm_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
  }

  std::printf("bootstrap: %s\nevent: %s\n", bootstrap.c_str(), event_path.c_str());
  std::printf("cold starts (n=%d)\n", cold);
  std::printf("  spawn -> first GET /next (init)     median %7.2f ms  p99 %7.2f ms\n",
              Percentile(init_ms, 0.5), Percentile(init_ms, 0.99));
  std::printf("  spawn -> first response posted      median %7.2f ms  p99 %7.2f ms\n",
              Percentile(first_response_ms, 0.5), Percentile(first_response_ms, 0.99));
  std::printf("  Emulator::Invoke, cold, end to end  median %7.2f ms  p99 %7.2f ms\n",
              Percentile(invoke_ms, 0.5), Percentile(invoke_ms, 0.99));
  std::printf("  peak RSS (wait4 ru_maxrss)          median %7.2f MB  max %7.2f MB\n",
              Percentile(rss_mb, 0.5), Percentile(rss_mb, 1.0));
  std::printf("warm invocations (n=%d), Emulator::Invoke round trip\n", warm);
  std::printf("  median %7.3f ms  p99 %7.3f ms\n", Percentile(warm_ms, 0.5),
              Percentile(warm_ms, 0.99));
  return 0;
}
