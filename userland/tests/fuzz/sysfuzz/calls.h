#pragma once

// The worker's system calls: how it makes them, counts them and reports
// them. Every fuzzed call goes through sc() or issue(), which count it by
// number and by result in `rep`; at the end of the round the worker writes
// `rep` to the fuzzer through REPORT_FD. Lines for the console (mismatches,
// traces) go to DIAG_FD, because the fuzzed calls may close or replace
// descriptors 0 to 2.

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>

// The worker keeps its two own descriptors at the top of the table, where
// the fuzzed calls never point: the round report to the fuzzer and the
// console for mismatch lines.
#define REPORT_FD (FD_MAX - 2)
#define DIAG_FD   (FD_MAX - 1)

// Where the run is, for the lines that name a call: seed and round are set
// by the fuzzer before it forks the worker, op_no by the worker (negative
// while it sets up its first files and pipes).
extern uint64_t seed;
extern uint64_t round_no;
extern int op_no;

// Print every call the worker makes (the "trace" argument).
extern bool tracing;

// One system call: its number, its six argument registers, and how the
// arguments were chosen (for the mismatch line; may be NULL).
struct call {
    uint64_t nr;
    uint64_t a[6];
    const char *note;
};

// What a worker hands the fuzzer at the end of its round.
struct report {
    uint64_t syscalls;  // made by the worker, or by its children for it
    uint64_t children;  // children the worker started
    uint64_t faulted;   // of those, killed for a fault, as meant
    uint64_t killed;    // ended by kill() while blocked or running
    uint64_t execs;     // exec attempts
    uint64_t chains;    // fork chains, and their levels
    uint64_t levels;
    uint64_t mismatches;              // results other than predicted
    uint64_t threads;                 // threads the worker started
    uint64_t threads_joined;          // of those, joined and checked
    uint64_t thread_children;         // children that ran several threads
    uint64_t child_threads;           // threads those children meant to start
    uint32_t thread_cpus;             // CPUs the worker's threads saw (getcpu), a bit mask
    uint64_t by_call[SYS_COUNT + 1];  // calls by number; [SYS_COUNT]: no such call
    uint64_t by_result[32];           // [0]: success, [-e]: error e, [31]: any other
};

extern struct report rep;

// Makes system call nr, counted in rep (and traced); returns its result.
int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
           uint64_t a5);

// sc() on a call record.
int64_t issue(const struct call *c);

// Counts a call that a child makes for the worker (exec, a blocking call,
// exit), whose result the worker never sees.
void count_child_call(uint64_t nr);

// Counts n calls number nr with result `result`, made by one of the
// worker's threads (threads.h), once the worker has joined it.
void count_thread_calls(uint64_t nr, int64_t result, uint64_t n);

// The call's name ("fork"), or "nosys" for a number that names none.
const char *call_name(uint64_t nr);

// Prints a line (at most 319 bytes) on the console through DIAG_FD.
void diag(const char *format, ...) __attribute__((format(printf, 1, 2)));
