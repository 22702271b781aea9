#pragma once

// One sequence of operations: what it runs with (Config), how it can fail
// (Failure) and what it did (Stats). Every part of the fuzzer speaks these
// three, from the interpreter that fills them in to the campaign that adds
// them up.

#include <cstddef>
#include <cstdint>
#include <string>

namespace vm_fuzz {

struct Config {
    size_t max_procs = 6;
    size_t arena_pages = 160;           // the host "physical memory" of a sequence
    size_t cpus = 1;                    // simulated CPUs (1 .. kFakeCpusMax), each with a TLB
    size_t verify_every = 64;           // steps between full-memory comparisons
    bool suppress_tlb_flushes = false;  // inject a page-table bug (fake_mmu_ignore_invalidations)
    bool lose_shootdowns = false;       // inject a shootdown bug: flushes reach only the
                                        // CPU making them (fake_cpus_lose_calls)
    bool trace = false;                 // print each step as it is interpreted (stderr)
};

struct Failure {
    bool failed = false;
    size_t step = 0;       // index of the operation after which it was seen
    std::string category;  // "checker", "leak", "contents", "verdict", "sbrk", "fork",
                           // "exec", "refault", "crash", "timeout"
    std::string message;
};

// What the sequences did (to see that a run exercises everything).
struct Stats {
    uint64_t accesses = 0;       // user reads and writes
    uint64_t tlb_hits = 0;       // of those, translated by the TLB
    uint64_t page_faults = 0;    // handle_page_fault calls
    uint64_t demand_zero = 0;    // faults served with a fresh page
    uint64_t cow_copies = 0;     // write faults that copied a shared page
    uint64_t cow_reused = 0;     // write faults by the last sharer (in place)
    uint64_t kills = 0;          // processes killed by their fault's verdict
    uint64_t out_of_memory = 0;  // of those, for want of memory
    uint64_t forks = 0;          // successful forks
    uint64_t forks_failed = 0;   // forks refused for want of memory
    uint64_t execs = 0;          // successful spawns and execs
    uint64_t execs_failed = 0;   // refused for want of memory
    uint64_t sbrks = 0;          // sbrk calls
    uint64_t sbrks_refused = 0;  // of those, ERR_NOMEM
    uint64_t exits = 0;          // processes that exited (not killed)
    uint64_t shared_loads = 0;   // a process's table loaded on a CPU while another has it
    uint64_t shootdowns = 0;     // TLB shootdown rounds (vpmap_shootdowns)

    void Add(const Stats &o);
    std::string Format() const;  // "accesses 123, tlb_hits 45, ..."
};

// The fields of Stats by name, in the order Format prints them. One table,
// so that Add, Format and the child's report (runner.cc) cannot disagree on
// the fields when one is added.
struct StatsField {
    const char *name;
    uint64_t Stats::*field;
};

inline constexpr StatsField kStatsFields[] = {
    {"accesses", &Stats::accesses},
    {"tlb_hits", &Stats::tlb_hits},
    {"page_faults", &Stats::page_faults},
    {"demand_zero", &Stats::demand_zero},
    {"cow_copies", &Stats::cow_copies},
    {"cow_reused", &Stats::cow_reused},
    {"kills", &Stats::kills},
    {"out_of_memory", &Stats::out_of_memory},
    {"forks", &Stats::forks},
    {"forks_failed", &Stats::forks_failed},
    {"execs", &Stats::execs},
    {"execs_failed", &Stats::execs_failed},
    {"sbrks", &Stats::sbrks},
    {"sbrks_refused", &Stats::sbrks_refused},
    {"exits", &Stats::exits},
    {"shared_loads", &Stats::shared_loads},
    {"shootdowns", &Stats::shootdowns},
};

}  // namespace vm_fuzz
