#pragma once

// vm_fuzz: a sequence fuzzer for address spaces, page faults and fork.
//
// It plays a small operating system on the host: up to max_procs processes,
// each with an exec-like address space (code and data loaded, bss, heap,
// stack), doing random things in random order:
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
//   fail    the next fork, spawn or exec runs out of memory after 0 to 4
//           page allocations (pmem is emptied but for those pages)
//
// all through the real vm.c, pgfault.c, pmem.c and kmalloc.c on the page table
// the build links: the fake (testing/fake_vpmap.h) in vm_fuzz_test, the real
// x86_64 tables in vm_fuzz_test_x86_64. User accesses go through the simulated
// CPU and TLB (testing/fake_mmu.h): a fault happens only where the MMU would
// fault, and
// then handle_page_fault runs as the trap code would call it; a process whose
// fault is not resolved dies. A resolved access is retried and must not
// fault again.
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

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace vm_fuzz {

// xoshiro256** (Blackman and Vigna), seeded through splitmix64: fast, and the
// same sequence for the same seed on every machine.
class Rng {
  public:
    explicit Rng(uint64_t seed);
    uint64_t Next();
    uint64_t Below(uint64_t n);  // uniform in [0, n); n > 0
    bool Percent(unsigned p);    // true with probability p/100

  private:
    uint64_t s_[4];
};

// splitmix64's output function: a good 64-bit mix.
uint64_t Mix(uint64_t x);

enum class OpKind : uint8_t {
    kSpawn,
    kExec,
    kSbrk,
    kTouch,
    kFork,
    kExit,
    kSwitch,
    kKernel,
    kFailNext,
};

// One operation. `proc` picks a process as an index into the live ones
// (modulo their number); `a` and `b` are random words the operation reads
// its choices from (which address, which increment, ...).
struct Op {
    OpKind kind = OpKind::kTouch;
    uint32_t proc = 0;
    uint64_t a = 0;
    uint64_t b = 0;
};

// One line, e.g. "touch 1 0x1234 0xabcd", and back. ParseOp accepts what
// FormatOp writes and rejects anything else.
std::string FormatOp(const Op &op);
bool ParseOp(const std::string &line, Op *op);

struct Config {
    size_t max_procs = 6;
    size_t arena_pages = 160;           // the host "physical memory" of a sequence
    size_t verify_every = 64;           // steps between full-memory comparisons
    bool suppress_tlb_flushes = false;  // inject a page-table bug (fake_mmu_ignore_invalidations)
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

    void Add(const Stats &o);
    std::string Format() const;  // "accesses 123, tlb_hits 45, ..."
};

// What running one sequence in a child process gave.
struct SequenceResult {
    std::vector<Op> ops;  // the operations run (generated ones included)
    Failure failure;
    Stats stats;
    std::string output;  // what the child printed (vmcheck lines, panics, traces)
};

// Generates and runs `length` operations from `seed` in a child process.
SequenceResult GenerateAndRun(uint64_t seed, size_t length, const Config &config);

// Runs exactly `ops` in a child process.
SequenceResult Replay(const std::vector<Op> &ops, const Config &config);

// Delta debugging (ddmin, then one-by-one removal): a subsequence of `ops`
// for which still_fails holds, which no single removal keeps failing, within
// max_tries calls of still_fails.
std::vector<Op> Shrink(std::vector<Op> ops,
                       const std::function<bool(const std::vector<Op> &)> &still_fails,
                       size_t max_tries);

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
    uint64_t sequence_seed = 0;   // GenerateAndRun(sequence_seed, ...) reproduces it
    Failure failure;
    std::vector<Op> failing;    // the failing sequence, up to the failing operation
    std::vector<Op> minimized;  // after shrinking (== failing when not shrunk)
    std::string replay_output;  // a traced replay of `minimized`
};

// Runs the campaign, printing progress and, on failure, the seed, the
// minimized sequence (in replay-file form) and its trace on `log`.
CampaignResult RunCampaign(const Campaign &campaign, std::ostream &log);

// The replay-file form: a header "vm_fuzz replay arena=N procs=N" then one
// FormatOp line per operation; '#' starts a comment line.
std::string FormatReplay(const std::vector<Op> &ops, const Config &config);
bool ParseReplay(const std::string &text, std::vector<Op> *ops, Config *config, std::string *error);

}  // namespace vm_fuzz
