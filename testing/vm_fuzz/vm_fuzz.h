#pragma once

// vm_fuzz: a sequence fuzzer for address spaces, page faults and fork.
//
// It plays a small operating system on the host: up to max_procs processes,
// each with an exec-like address space (code and data loaded, bss, heap,
// stack), on `cpus` simulated CPUs (one by default), doing random things in
// random order:
//
//   spawn   a new process with a fresh exec-like address space
//   exec    a process replaces its address space with a fresh one
//   sbrk    up or down, by bytes, pages, past the heap start, hugely, to the
//           stack guard, INT64_MIN/MAX
//   touch   user reads and writes at random addresses: heap, stack, the
//           guard and below, data, bss, code, bytes it wrote before, region
//           edges, the kernel half, anywhere
//   fork    copy-on-write (mostly) or eager
//   exit    the process ends (as_destroy)
//   switch  another process runs (vpmap_load: the TLB is flushed), or the
//           kernel's page table is loaded
//           (with several CPUs, each operation runs on a CPU of its own
//           choosing, and a process may run on several at once: its table
//           loaded on each, as its threads would have it)
//   fail    the next fork, spawn or exec runs out of memory after 0 to 4
//           page allocations (pmem is emptied but for those pages)
//
// all through the real vm.c, pgfault.c, pmem.c and kmalloc.c on the page table
// the build links: the fake (testing/fake_vpmap.h) in vm_fuzz_test, the real
// x86_64 tables in vm_fuzz_test_x86_64. User accesses go through the simulated
// CPU they run on and its TLB (testing/fake_cpus.h, testing/fake_mmu.h): a
// fault happens only where the MMU would fault, and then handle_page_fault
// runs as the trap code would call it; a process whose fault is not resolved
// dies. A resolved access is retried and must not fault again. So a change
// that one CPU makes and another CPU with the table loaded does not flush (a
// missing TLB shootdown) shows as that CPU's stale read or write.
//
// What is checked, after every step:
//  - vm_check (kernel/mm/vm_check.h): no violation at all;
//  - every allocated page is accounted for: mapped pages + page-table pages
//    + kmalloc_pages_held() + the checker's pages == pmem's allocated pages,
//    and the registry holds exactly the live processes' address spaces;
//  - a model of each process's memory: each byte it wrote, the loaded bytes
//    of its code and data, zero everywhere else. Every read must return the
//    model's byte, so a write in one process is never seen by another, and
//    fresh pages read zero. Every verify_every steps and at the end, every
//    mapped page of every process is compared with the model, and every
//    byte a process wrote must still be mapped;
//  - every verdict is the one the model predicts from the regions (bad
//    address, stack overflow, permission, kernel address), out of memory
//    only when pmem is empty and a page was needed; sbrk's result and old
//    break, fork's and exec's success whenever memory allows;
// and at the end of each sequence, with every process gone: pmem's free
// pages back at the baseline (so no page table or kmalloc'd struct leaked)
// and no address space registered.
//
// Operations are generated while they run (the generator looks at the live
// processes), but each is a plain record interpreted against whatever state
// it meets, so any subsequence replays; that is what shrinking needs. Each
// sequence runs in a child process (fork), so a kernel panic (abort) is a
// failure to report, not the end of the run; a failing sequence is then
// shrunk, delta-debugging style, to a short sequence that fails the same way.
//
// The parts, each in a file of its own here:
//   rng.h        the random numbers (a seed reproduces a run anywhere)
//   ops.h        the operations, and their text and replay-file forms
//   sequence.h   a sequence's settings, failure and statistics
//   generator.h  which operation comes next, and what its random words choose
//   model.h      what each process should see, and what the kernel should say
//   system.h     the interpreter that applies operations to the kernel code
//   checks.h     the checks between operations
//   runner.h     one sequence in a child process
//   shrink.h     delta debugging
// and this header, a campaign: sequence after sequence until a failure,
// which is then shrunk and replayed with a trace.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/sequence.h"

namespace vm_fuzz {

// A run: sequences from `seed` until `steps` operations or `seconds` have
// passed (0: no limit on that one; at least one must be set).
struct Campaign {
    uint64_t seed = 1;
    size_t steps = 0;
    double seconds = 0;
    bool shrink = true;
    bool vary_arena = true;  // each sequence gets 64 .. 256 pages (else config.arena_pages)
    Config config;
};

struct CampaignResult {
    bool failed = false;
    size_t steps = 0;      // operations run in all
    size_t sequences = 0;  // sequences run
    double seconds = 0;
    Stats stats;  // of the sequences that completed
    // On failure:
    size_t steps_to_failure = 0;  // operations run up to and including the failing one
    uint64_t sequence_seed = 0;   // GenerateAndRun(sequence_seed, ...) (runner.h) reproduces it
    Failure failure;
    std::vector<Op> failing;    // the failing sequence, up to the failing operation
    std::vector<Op> minimized;  // after shrinking (== failing when not shrunk)
    std::string replay_output;  // a traced replay of `minimized`
};

// Runs the campaign, printing progress and, on failure, the seed, the
// minimized sequence (in replay-file form) and its trace on `log`.
CampaignResult RunCampaign(const Campaign &campaign, std::ostream &log);

}  // namespace vm_fuzz
