// Seeded random numbers for the trainer: the same seed gives the same stream on every
// platform and standard library (no std::*_distribution, whose output is unspecified).
#ifndef RAINCHECK_FOREST_RANDOM_H_
#define RAINCHECK_FOREST_RANDOM_H_

#include <cstdint>
#include <random>
#include <vector>

namespace raincheck::forest {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& v : state_) v = SplitMix64(seed);
  }
  // A generator for stream `stream` of `seed` (e.g. one per tree), independent of the others.
  static Rng ForStream(uint64_t seed, uint64_t stream) {
    uint64_t s = seed ^ (0xD1B54A32D192ED03ull * (stream + 1));
    return Rng(SplitMix64(s));
  }
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t r = Next();
      if (r >= threshold) return r % n;
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4] = {};
};

// numpy.random.RandomState(seed).permutation(n): MT19937 seeded with init_genrand(seed) and
// numpy's legacy Fisher-Yates with masked rejection. Used so that a random train/test split
// picks the same rows as scikit-learn's train_test_split(random_state=seed).
inline std::vector<uint32_t> NumpyPermutation(uint32_t n, uint32_t seed) {
  std::vector<uint32_t> p(n);
  for (uint32_t i = 0; i < n; ++i) p[i] = i;
  std::mt19937 mt(seed);
  for (uint32_t i = n; i-- > 1;) {
    uint32_t mask = i;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t j;
    do {
      j = static_cast<uint32_t>(mt()) & mask;
    } while (j > i);
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_RANDOM_H_
