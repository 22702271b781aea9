// xoshiro256** and splitmix64 (see rng.h).

#include "testing/vm_fuzz/rng.h"

namespace vm_fuzz {

uint64_t Mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

Rng::Rng(uint64_t seed)
{
    for (uint64_t &s : s_) {
        seed = Mix(seed);
        s = seed;
    }
}

static uint64_t Rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t Rng::Next()
{
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
}

uint64_t Rng::Below(uint64_t n)
{
    // Rejection sampling: no modulo bias.
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = Next();
    } while (x >= limit);
    return x % n;
}

bool Rng::Percent(unsigned p)
{
    return Below(100) < p;
}

}  // namespace vm_fuzz
