#pragma once

// check: the few helpers the process tests of this directory share.
//
// A test program calls check_init("name") first, then check() and
// check_result() for each correctness criterion, and ends with
// `return check_finish();`. A failed check prints one line
//
//   name: FAIL: <what was checked>: <what happened>
//
// and the program goes on, so one run lists every failure. check_finish
// prints "name: all N checks passed" and "name: PASS" and returns 0 when
// nothing failed, else prints "name: FAIL: F of N checks failed" and
// returns 1: main's exit status.
//
// Results of system calls are printed as a number when >= 0 and as the
// err_t name and number (ERR_FAULT (-3)) when negative.
//
// Single-threaded, like every osv process; a child of fork inherits the
// failure count (children report to their parent through exit statuses,
// not through these counters).

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Names the test: the prefix of every line these helpers print.
void check_init(const char *name);

// The name given to check_init.
const char *check_name(void);

// Records a failure (and prints "name: FAIL: what") unless ok. Returns ok.
bool check(bool ok, const char *what, ...) __attribute__((format(printf, 2, 3)));

// Checks that a system call's result `got` equals `want` (a count, a pid or
// a negative err_t); on a mismatch prints both. Returns whether they match.
bool check_result(int64_t got, int64_t want, const char *what, ...)
    __attribute__((format(printf, 3, 4)));

// Writes a result as "123" or "ERR_FAULT (-3)" into buf, which holds
// CHECK_RESULT_TEXT bytes; returns buf.
#define CHECK_RESULT_TEXT 40
const char *check_fmt_result(char *buf, int64_t result);

// Failures recorded so far.
int check_failures(void);

// Prints the verdict line; returns main's exit status (0 PASS, 1 FAIL).
int check_finish(void);

#ifdef __cplusplus
}
#endif
