#pragma once
// Seeded randomness for the simulator. std::mt19937_64 is specified bit-for-bit by the standard,
// but the standard distributions are not, so uniform and normal draws are computed here: the same
// --seed gives the same latencies and output lengths with any standard library.
#include <cmath>
#include <cstdint>
#include <random>

namespace torii::llmsim {

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}

  // Uniform in [0, 1).
  double uniform() { return double(rng_() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (lo <= hi).
  int64_t uniformInt(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = uint64_t(hi - lo) + 1;
    return lo + int64_t(rng_() % span);  // modulo bias is irrelevant at simulator spans
  }
  // Normal(mean, std) by Box-Muller (one value per call; the pair's second half is dropped so
  // the stream position depends only on the number of calls).
  double normal(double mean, double std) {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  uint64_t next() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

}  // namespace torii::llmsim
