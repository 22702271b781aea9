#pragma once

// Random numbers for the worker: splitmix64, one stream per round, a
// function of (seed, round) alone, so that a round replays alone
// ("sysfuzz SEED 1 ROUND") making the same calls as in the long run.

#include <stdbool.h>
#include <stdint.h>

// Starts the stream of round `round` of seed `seed`.
void rng_start_round(uint64_t seed, uint64_t round);

// The next 64 random bits.
uint64_t rnd(void);

// A number in 0..n-1 (0 when n is 0).
uint64_t below(uint64_t n);

// True `percent` times in a hundred.
bool chance(unsigned percent);

// A value for an argument register the call does not use: random or 0.
// The kernel must ignore such registers.
uint64_t junk(void);
