#pragma once

// The fuzzer's random numbers: xoshiro256** (Blackman and Vigna), seeded
// through splitmix64. Fast, and the same sequence for the same seed on every
// machine, so that a seed printed by a failing run reproduces it anywhere;
// std::mt19937 would do the latter, but its distributions (uniform_int_...)
// may differ between standard libraries.

#include <cstdint>

namespace vm_fuzz {

class Rng {
  public:
    explicit Rng(uint64_t seed);
    uint64_t Next();
    uint64_t Below(uint64_t n);  // uniform in [0, n); n > 0
    bool Percent(unsigned p);    // true with probability p/100

  private:
    uint64_t s_[4];
};

// splitmix64's output function: a good 64-bit mix. Also what derives
// per-sequence seeds and the bytes exec loads from a single word.
uint64_t Mix(uint64_t x);

}  // namespace vm_fuzz
