// splitmix64 (rng.h).

#include "userland/tests/fuzz/sysfuzz/rng.h"

static uint64_t state;

static uint64_t next(void)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rng_start_round(uint64_t seed, uint64_t round)
{
    state = seed ^ (round * 0xd1342543de82ef95ull);
    next();
}

uint64_t rnd(void)
{
    return next();
}

uint64_t below(uint64_t n)
{
    return n == 0 ? 0 : rnd() % n;
}

bool chance(unsigned percent)
{
    return below(100) < percent;
}

uint64_t junk(void)
{
    return chance(50) ? rnd() : 0;
}
