#pragma once

// The oracle: what a call should return, and the check of what it did
// return. A prediction is a range of values >= 0 and a set of errors; a
// result outside it is a mismatch, counted in rep.mismatches and printed
// with the seed, round, op and the call's arguments, so that the round can
// be replayed.

#include <stdbool.h>
#include <stdint.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"

// Values lo..hi are right (none if lo > hi), and error e if bit -e of errs
// is set.
struct expect {
    int64_t lo, hi;
    uint32_t errs;
};

// Exactly v.
struct expect ex_val(int64_t v);

// Any value in lo..hi.
struct expect ex_range(int64_t lo, int64_t hi);

// Error e (a negative err_t).
struct expect ex_err(int64_t e);

// x, or else error e.
struct expect ex_or(struct expect x, int64_t e);

// Whether `got` is what `want` allows, quietly: for threads and children,
// which neither print nor count (threads.h).
bool ex_allows(struct expect want, int64_t got);

// Whether `got`, the result of c, is what `want` allows; prints the
// mismatch if not.
bool verify(const struct call *c, int64_t got, struct expect want);

// A check that is not about one call's result: prints "what" and detail
// as a mismatch unless ok.
void expect_true(bool ok, const char *what, uint64_t detail);

// A child's exit status other than a or b: prints it as a mismatch.
void expect_status(int status, int a, int b, const char *what);
