#pragma once

// Threads of the worker and of its children: the records that say what
// each thread is to do (a script of calls with their predicted results,
// then how it ends), the pool the records live in, and the code every
// thread runs.
//
// A thread shares its process's memory, so while the worker's threads run
// beside it these rules keep the worker's models and report sound:
//  - a thread writes only its own record (results, buffer, counters, stack)
//    and reads only its record, the `stop` word the worker sets in it and,
//    in a child, the go word and its peers' tids; it makes its calls with
//    osv_syscall, never sc() (which counts in rep), and calls nothing of
//    the C library that keeps state;
//  - its calls are ones whose results do not depend on what the worker or
//    the other threads do meanwhile (wt_gen_step): ids, getcpu, ticks,
//    short sleeps, unknown numbers, bad pointers, values that are never
//    descriptors, pids and tids that name nothing, vmmap's count of
//    regions; sbrk(0) only while the worker waits for it;
//  - the worker reads a thread's results only after joining it (the join
//    orders the thread's writes before it), then counts its calls in rep
//    and checks them with the oracle (wt_check).
// A record is free (tid 0) or belongs to one thread from its start until
// its join, and its stack is never reused before that. The worker's child
// processes, which have only the calling thread of the fork, plan their
// threads in records that the worker's threads do not use, and check
// their threads' results themselves (a wrong one ends the child with
// ST_CHILD_BAD).

#include <stdbool.h>
#include <stdint.h>

#include "userland/tests/fuzz/sysfuzz/oracle.h"

// The most CPUs the kernel runs (CPUS_MAX in arch/cpus.h, which no ABI
// header carries): getcpu answers 0 .. WT_CPUS_MAX - 1.
#define WT_CPUS_MAX 8

// Records: as many as a process may have threads besides its first.
#define WT_POOL  (THREADS_MAX - 1)
#define WT_STEPS 6     // calls in a script
#define WT_BUF   64    // words a thread writes and reads back
#define WT_STACK 2048  // bytes

// Exit status of a worker's child that lacked memory or a process slot for
// a thread, a fork or an exec (the kernel said ERR_NOMEM or ERR_NOSPACE).
#define ST_NO_ROOM 252

// How a thread ends, once it has made its calls.
enum wt_end {
    WT_RETURN,  // thread_exit(status)
    WT_BUSY,    // writes and reads back its buffer, asks getcpu, until stop; then as WT_RETURN
    // In the worker's children only: these end the whole process or never end.
    WT_EXIT,   // exit(status), or ST_CHILD_BAD if a result was wrong
    WT_SPIN,   // as WT_BUSY, forever
    WT_SLEEP,  // sleeps, forever
    WT_READ,   // reads descriptor `arg` (a pipe nobody writes to), forever
    WT_FAULT,  // fault_now(arg) (faults.h)
    WT_JOIN,   // once go is set, joins record `arg`'s thread, which must end with that
               // record's status; then as WT_RETURN, or ST_CHILD_BAD if anything was wrong
    WT_FORK,   // forks beside the spinning records; the child checks that it runs alone
               // and that their counters stand still; then exit(its status)
    WT_EXEC,   // exec(exec_path, exec_argv); on an error exit(ST_EXEC_ERROR_BASE + -err)
};

// What a step's prediction depends on, filled in when known.
enum wt_dyn {
    WT_FIXED,    // want is all there is
    WT_OWN_TID,  // the result must be the thread's tid (gettid)
    WT_SELF,     // the first argument is the thread's tid (a join of itself)
    WT_PID,      // the result must be the process's pid (wt_pid)
};

struct wt_step {
    uint64_t nr;
    uint64_t a[6];
    struct expect want;
    enum wt_dyn dyn;
    int64_t got;  // written by the thread
};

struct wthread {
    // Set by whoever starts the thread, before it starts.
    int nsteps;
    struct wt_step steps[WT_STEPS];
    enum wt_end end;
    uint64_t status;  // for thread_exit or exit: the kernel keeps the low 8 bits
    int arg;          // see enum wt_end
    bool hot;         // WT_BUSY, WT_SPIN: never sleep
    bool self_check;  // a child's: its results decide its status (ST_CHILD_BAD if wrong)
    const char *exec_path;
    char *exec_argv[3];
    // Set by the starter once thread_start has returned (the worker's), or
    // before go (a child's).
    int tid;  // 0: the record is free; -1: lost (a join failed), never reused
    int op;   // the worker's op that started it
    // Written by the thread.
    int seen_tid;        // its gettid, first thing
    int bad;             // buffer words that read back wrong, getcpu or sleep answers out of range
    uint64_t spins;      // busy iterations (atomic: others read it while it runs)
    uint64_t busy_cpus;  // getcpu calls of the busy loop
    uint64_t busy_sleeps;  // sleep calls of the busy loop
    uint32_t cpus;         // getcpu answers, as a bit mask
    // Set by the worker to end WT_BUSY (atomic).
    int stop;
    uint64_t buf[WT_BUF];
    char stack[WT_STACK] __attribute__((aligned(16)));
};

extern struct wthread wthreads[WT_POOL];

// In a child: its pid, and the word that lets WT_JOIN, WT_FORK and WT_EXEC
// threads go once every tid is in place. Set before the threads start.
extern int wt_pid;
extern int wt_go;

// The fuzzer's own tid (main sets it): a thread of another process.
extern int fuzzer_tid;

// The worker's first thread's tid, the latest tid thread_start handed it
// (tids only grow), and its number of memory regions as vmmap counts them
// (or an error). Set by wt_round_start.
extern int wt_my_tid;
extern int wt_last_tid;
extern int64_t wt_regions;

// The last tids the worker joined: tids that name nothing now.
#define WT_JOINED_MAX 16
extern int wt_joined[WT_JOINED_MAX];
extern int wt_num_joined;

// At the start of a round, in the worker: every record free, and gettid
// and vmmap's count asked (counted and checked as fuzzed calls).
void wt_round_start(void);

// The first instruction of a thread: runs record `rec` (thread_start's
// argument). Never returns.
void wt_entry(void *rec);

// Runs record t in the calling thread (a child's first thread does).
_Noreturn void wt_run(struct wthread *t);

// The stack pointer a thread of t starts with: as if a call had just
// pushed its return address at the top of t's stack.
uint64_t wt_stack_top(struct wthread *t);

// A free record, not one of the first `skip` free ones, or NULL.
struct wthread *wt_free(int skip);

// How many records are in use (started and not joined, or lost).
int wt_used(void);

// Empties t and gives it a script of n random steps (n <= WT_STEPS). In a
// child (in_child) the pid is filled in when the child knows it; sbrk(0)
// only when the worker waits for the thread (worker_waits).
void wt_plan(struct wthread *t, int n, bool in_child, bool worker_waits);

// Whether t's steps got what they wanted, and its buffer read back (as
// the thread itself checks in a child).
bool wt_steps_ok(const struct wthread *t);

// After the worker joined t's thread: counts its calls in rep, checks its
// results and its exit status (unless status is NULL: unknown) with the
// oracle, and frees the record.
void wt_check(struct wthread *t, const int *status);

// Joins the worker's thread of record t (after setting stop, if it is
// busy), with a status pointer that is NULL, good or (when any_pointer) a
// fuzzed one, and checks it (wt_check). A join that fails unexpectedly
// leaves the thread's fate unknown: the record is lost (tid -1) and its
// stack never used again.
void wt_join(struct wthread *t, bool any_pointer);

// Joins every thread of the worker's that has a record (the round's end).
void wt_join_all(void);

// Records lost this round: while there are any, how full the thread
// table is, is not known.
extern int wt_lost;
