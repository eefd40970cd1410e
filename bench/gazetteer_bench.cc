// Offline gazetteer: index load time and lookup latency (hits, qualified hits, hits by an
// alternate name, misses with suggestions). Not part of pass/fail.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "providers/gazetteer.h"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const std::string path = argc > 1 ? argv[1] : RAINCHECK_GAZETTEER_INDEX;
  const auto t0 = Clock::now();
  auto g = raincheck::providers::Gazetteer::Load(path);
  const auto t1 = Clock::now();
  if (!g.ok()) {
    std::fprintf(stderr, "%s\n", g.status().ToString().c_str());
    return 1;
  }
  std::printf("load: %zu cities, %zu alternate names in %.2f ms\n", (*g)->size(),
              (*g)->alternate_name_count(),
              std::chrono::duration<double, std::milli>(t1 - t0).count());
  auto run = [&](const char* label, const std::vector<std::string>& queries, int rounds) {
    size_t ok = 0;
    const auto s = Clock::now();
    for (int r = 0; r < rounds; ++r) {
      for (const auto& q : queries) ok += (*g)->Lookup(q).ok() ? 1u : 0u;
    }
    const auto e = Clock::now();
    const double n = static_cast<double>(queries.size()) * static_cast<double>(rounds);
    std::printf("%-10s %8.2f us/lookup (%zu ok of %.0f)\n", label,
                std::chrono::duration<double, std::micro>(e - s).count() / n, ok, n);
  };
  run("hit", {"Cape Town", "seattle", "Sao Paulo", "zurich", "London", "Tokyo"}, 20000);
  run("qualified", {"Paris, US", "Portland, Maine", "London, CA", "Krakow, Poland"}, 20000);
  run("alternate", {"München", "Munchen", "東京", "Москва", "القاهرة", "New York"}, 20000);
  run("miss", {"Seatle", "Capetown", "Zzyzzx"}, 20);
  return 0;
}
