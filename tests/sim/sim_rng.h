// Rng: the simulator's only source of randomness.
//
// Every choice a run makes (faults, delays, payloads, the core's own seeds)
// is drawn from one Rng seeded with the run's seed, so a seed is a complete
// description of a run and replays it exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace waggle::sim {

// splitmix64: tiny, fast and well distributed; enough for a simulation.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n) { return next() % n; }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }

  // True with probability p.
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  // REQUIRES: !values.empty()
  template <typename T>
  T pick(const std::vector<T>& values) {
    return values[below(values.size())];
  }

  template <typename T>
  void shuffle(std::vector<T>* values) {
    for (size_t i = values->size(); i > 1; --i) std::swap((*values)[i - 1], (*values)[below(i)]);
  }

 private:
  uint64_t state_;
};

}  // namespace waggle::sim
