// ParallelFor: the trainer's only threading primitive. Tasks are handed out in index order
// from a shared counter, so a task's result must not depend on which thread ran it.
#ifndef RAINCHECK_FOREST_PARALLEL_H_
#define RAINCHECK_FOREST_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace raincheck::forest {

// Runs fn(0) .. fn(n - 1) on min(jobs, n) threads (in this thread when that is one).
template <typename Fn>
void ParallelFor(int jobs, size_t n, const Fn& fn) {
  const size_t threads = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&]() {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_PARALLEL_H_
