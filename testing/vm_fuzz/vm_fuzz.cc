// The vm sequence fuzzer (see vm_fuzz.h).

#include "testing/vm_fuzz/vm_fuzz.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ostream>
#include <sstream>

#include "testing/elf_builder.h"
#include "testing/fake_current.h"
#include "testing/fake_mmu.h"
#include "testing/pmem_arena.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_check.h"
#include "kernel/mm/vm_eager.h"
#include "kernel/pgfault.h"
}

namespace vm_fuzz {

// --- Random numbers ----------------------------------------------------------

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

// --- Operations as text --------------------------------------------------

namespace {

const char *const kOpNames[] = {"spawn", "exec",   "sbrk",   "touch",   "fork",
                                "exit",  "switch", "kernel", "failnext"};
constexpr size_t kNumOpKinds = sizeof kOpNames / sizeof kOpNames[0];

std::string Printf(const char *format, ...) __attribute__((format(printf, 1, 2)));

std::string Printf(const char *format, ...)
{
    char buf[512];
    va_list args;
    va_start(args, format);
    vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    return buf;
}

std::string Hex(uint64_t x)
{
    return Printf("0x%" PRIx64, x);
}

}  // namespace

std::string FormatOp(const Op &op)
{
    return Printf("%s %u 0x%" PRIx64 " 0x%" PRIx64, kOpNames[static_cast<size_t>(op.kind)], op.proc,
                  op.a, op.b);
}

bool ParseOp(const std::string &line, Op *op)
{
    char name[16];
    unsigned proc;
    unsigned long long a, b;
    char extra;
    if (sscanf(line.c_str(), "%15s %u %llx %llx %c", name, &proc, &a, &b, &extra) != 4) {
        return false;
    }
    for (size_t i = 0; i < kNumOpKinds; i++) {
        if (strcmp(name, kOpNames[i]) == 0) {
            *op = Op{static_cast<OpKind>(i), proc, a, b};
            return true;
        }
    }
    return false;
}

std::string FormatReplay(const std::vector<Op> &ops, const Config &config)
{
    std::string text =
        Printf("vm_fuzz replay arena=%zu procs=%zu\n", config.arena_pages, config.max_procs);
    for (const Op &op : ops) {
        text += FormatOp(op) + "\n";
    }
    return text;
}

bool ParseReplay(const std::string &text, std::vector<Op> *ops, Config *config, std::string *error)
{
    std::istringstream in(text);
    std::string line;
    bool header = false;
    int number = 0;
    ops->clear();
    while (std::getline(in, line)) {
        number++;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (!header) {
            size_t arena, procs;
            char extra;
            if (sscanf(line.c_str(), "vm_fuzz replay arena=%zu procs=%zu %c", &arena, &procs,
                       &extra) != 2 ||
                arena < kPmemArenaMinPages || procs < 1 || procs > 64) {
                *error = Printf("line %d: expected \"vm_fuzz replay arena=N procs=N\"", number);
                return false;
            }
            config->arena_pages = arena;
            config->max_procs = procs;
            header = true;
            continue;
        }
        Op op;
        if (!ParseOp(line, &op)) {
            *error = Printf("line %d: not an operation: %s", number, line.c_str());
            return false;
        }
        ops->push_back(op);
    }
    if (!header) {
        *error = "no \"vm_fuzz replay\" header";
        return false;
    }
    return true;
}

// --- Statistics --------------------------------------------------------------

namespace {

// The fields of Stats, by name, for Add, Format and the child's report.
struct StatsField {
    const char *name;
    uint64_t Stats::*field;
};

const StatsField kStatsFields[] = {
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
};

}  // namespace

void Stats::Add(const Stats &o)
{
    for (const StatsField &f : kStatsFields) {
        this->*f.field += o.*f.field;
    }
}

std::string Stats::Format() const
{
    std::string text;
    for (const StatsField &f : kStatsFields) {
        text +=
            (text.empty() ? "" : ", ") + std::string(f.name) + " " + std::to_string(this->*f.field);
    }
    return text;
}

// --- The simulated system ------------------------------------------------

namespace {

constexpr vaddr_t kCodeStart = USER_REGION_MIN;
constexpr vaddr_t kStackStart = USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE;
constexpr vaddr_t kGuardStart = kStackStart - USTACK_GUARD_PAGES * PAGE_SIZE;

// Page-table pages of an address space as exec builds it: the root, and a
// PDPT, a PD and a PT for each of the two 2 MiB spans it maps a page in
// (code and data; the stack's top page). See arch/vpmap.h.
constexpr size_t kExecTablePages = 1 + 3 + 3;

// Where exec put things, and the salt of the loaded bytes.
struct Layout {
    vaddr_t code_end;
    vaddr_t data_start;
    vaddr_t loaded_end;  // data pages [data_start, loaded_end) are loaded, the rest bss
    vaddr_t data_end;
    vaddr_t heap_start;
    uint64_t salt;
};

Layout LayoutFrom(uint64_t a)
{
    uint64_t code_pages = 1 + a % 3;
    uint64_t data_pages = 1 + (a >> 4) % 3;
    uint64_t loaded_pages = (a >> 8) % (data_pages + 1);
    Layout l;
    l.code_end = kCodeStart + code_pages * PAGE_SIZE;
    l.data_start = l.code_end;
    l.loaded_end = l.data_start + loaded_pages * PAGE_SIZE;
    l.data_end = l.data_start + data_pages * PAGE_SIZE;
    l.heap_start = l.data_end;
    l.salt = Mix(a);
    return l;
}

size_t LoadedPages(const Layout &l)
{
    return (l.code_end - kCodeStart + l.loaded_end - l.data_start) / PAGE_SIZE;
}

// The byte exec loaded at va: a pattern in code and loaded data, 0 elsewhere.
uint8_t InitialByte(const Layout &l, vaddr_t va)
{
    bool loaded =
        (va >= kCodeStart && va < l.code_end) || (va >= l.data_start && va < l.loaded_end);
    return loaded ? static_cast<uint8_t>(Mix(va ^ l.salt) | 1) : 0;
}

enum class Region { kNone, kCode, kData, kHeap, kStack };

struct Proc {
    uint32_t id;
    struct addrspace *as;
    Layout layout;
    vaddr_t brk;
    std::map<vaddr_t, uint8_t> bytes;  // bytes this process wrote, as it should see them
    std::vector<vaddr_t> written;      // addresses it wrote (some may be gone), to revisit
};

Region RegionOf(const Proc &p, vaddr_t va)
{
    const Layout &l = p.layout;
    if (va >= kCodeStart && va < l.code_end) {
        return Region::kCode;
    }
    if (va >= l.data_start && va < l.data_end) {
        return Region::kData;
    }
    if (va >= l.heap_start && va < pg_round_up(p.brk)) {
        return Region::kHeap;
    }
    if (va >= kStackStart && va < USTACK_UPPERBOUND) {
        return Region::kStack;
    }
    return Region::kNone;
}

const char *VerdictName(enum fault_verdict v)
{
    switch (v) {
    case FAULT_RESOLVED:
        return "FAULT_RESOLVED";
    case FAULT_BAD_ADDRESS:
        return "FAULT_BAD_ADDRESS";
    case FAULT_STACK_OVERFLOW:
        return "FAULT_STACK_OVERFLOW";
    case FAULT_PERMISSION:
        return "FAULT_PERMISSION";
    case FAULT_KERNEL_ADDRESS:
        return "FAULT_KERNEL_ADDRESS";
    case FAULT_OUT_OF_MEMORY:
        return "FAULT_OUT_OF_MEMORY";
    case FAULT_KERNEL_BUG:
        return "FAULT_KERNEL_BUG";
    }
    return "verdict?";
}

// The verdict the regions call for, or FAULT_RESOLVED when they allow the
// access (then the handler must serve it, or run out of memory).
enum fault_verdict ExpectedVerdict(const Proc &p, vaddr_t va, bool write)
{
    if (va >= VPMAP_USER_TOP) {
        return FAULT_KERNEL_ADDRESS;
    }
    Region r = RegionOf(p, va);
    if (r == Region::kNone) {
        vaddr_t page = pg_round_down(va);
        if (page >= kGuardStart && page < kStackStart) {
            return FAULT_STACK_OVERFLOW;
        }
        return FAULT_BAD_ADDRESS;
    }
    if (write && r == Region::kCode) {
        return FAULT_PERMISSION;
    }
    return FAULT_RESOLVED;
}

class System {
  public:
    explicit System(const Config &config) : config_(config)
    {
    }

    // A fresh arena and everything on it. False (with the failure set) when
    // the host state is not clean.
    bool Start()
    {
        pmem_arena_create(config_.arena_pages);
        pmem_init(pmem_arena_boot_info());
        kmalloc_init();
        fake_mmu_reset();
        fake_mmu_ignore_invalidations(config_.suppress_tlb_flushes);
        vpmap_load(vpmap_kernel());
        fake_set_current_as(nullptr);
        vm_global_stats = {};
        if (as_live_count() != 0) {
            Fail("leak", "address spaces of an earlier sequence are still registered");
            return false;
        }
        if (vm_check_setup() != ERR_OK) {
            Fail("leak", "vm_check_setup failed on a fresh arena");
            return false;
        }
        baseline_free_ = pmem_free_pages();
        return true;
    }

    // Every process exits; then nothing may be left.
    void Finish()
    {
        Verify();
        if (failure_.failed) {
            return;
        }
        vpmap_load(vpmap_kernel());
        fake_set_current_as(nullptr);
        current_ = -1;
        for (Proc &p : procs_) {
            as_destroy(p.as);
        }
        procs_.clear();
        if (as_live_count() != 0) {
            Fail("leak", Printf("%zu address spaces still registered after every process exited",
                                as_live_count()));
        } else if (pmem_free_pages() != baseline_free_) {
            Fail("leak", Printf("after every process exited, %zu pages are free instead of %zu",
                                pmem_free_pages(), baseline_free_));
        }
        vm_check_teardown();
        fake_mmu_ignore_invalidations(false);
        pmem_arena_destroy();
    }

    // What the generator picks from.
    size_t Procs() const
    {
        return procs_.size();
    }
    int Current() const
    {
        return current_;
    }

    void Apply(const Op &op, size_t step)
    {
        step_ = step;
        size_t n = procs_.size();
        size_t index = n == 0 ? 0 : op.proc % n;
        if (op.kind != OpKind::kFailNext && pending_fail_ >= 0) {
            armed_ =
                op.kind == OpKind::kFork || op.kind == OpKind::kSpawn || op.kind == OpKind::kExec;
            if (armed_) {
                Hoard(static_cast<size_t>(pending_fail_));
            }
            pending_fail_ = -1;
        }
        switch (op.kind) {
        case OpKind::kSpawn:
            Spawn(op);
            break;
        case OpKind::kFailNext:
            pending_fail_ = static_cast<int>(op.a % 5);
            Trace("fail the next fork, spawn or exec after %d page allocations", pending_fail_);
            break;
        case OpKind::kKernel:
            vpmap_load(vpmap_kernel());
            fake_set_current_as(nullptr);
            current_ = -1;
            Trace("the kernel's page table is loaded");
            break;
        default:
            if (n == 0) {
                Trace("%s: no process", kOpNames[static_cast<size_t>(op.kind)]);
                break;
            }
            switch (op.kind) {
            case OpKind::kExec:
                Exec(index, op);
                break;
            case OpKind::kSbrk:
                Sbrk(index, op);
                break;
            case OpKind::kTouch:
                Touch(index, op);
                break;
            case OpKind::kFork:
                Fork(index, op);
                break;
            case OpKind::kExit:
                Trace("P%u exits", procs_[index].id);
                stats_.exits++;
                Exit(index);
                break;
            case OpKind::kSwitch:
                SwitchTo(index);
                break;
            default:
                break;
            }
        }
        if (armed_) {
            Unhoard();
            armed_ = false;
        }
    }

    // The checks made after every step.
    void AfterStep()
    {
        if (failure_.failed) {
            return;
        }
        struct vm_check_summary s;
        size_t violations = vm_check(&s);
        if (violations != 0) {
            Fail("checker",
                 Printf("vm_check found %zu violations (the vmcheck lines above)", violations));
            return;
        }
        if (s.address_spaces != procs_.size()) {
            Fail("leak", Printf("%zu address spaces are registered, but %zu processes live",
                                s.address_spaces, procs_.size()));
            return;
        }
        // Page tables as a walk finds them (vm_check compared that with
        // each vpmap's own count).
        size_t heap = kmalloc_pages_held();
        if (s.pmem.allocated != s.mapped_pages + s.table_pages + heap + s.scratch_pages) {
            Fail("leak",
                 Printf("%zu pages allocated, but only %zu are mapped, %zu are page "
                        "tables, %zu held by kmalloc and %zu by the checker: %zd "
                        "unaccounted for",
                        s.pmem.allocated, s.mapped_pages, s.table_pages, heap, s.scratch_pages,
                        static_cast<ssize_t>(s.pmem.allocated - s.mapped_pages - s.table_pages -
                                             heap - s.scratch_pages)));
            return;
        }
        if (config_.verify_every != 0 && (step_ + 1) % config_.verify_every == 0) {
            Verify();
        }
    }

    const Failure &failure() const
    {
        return failure_;
    }

    // The statistics, with the fault handler's own counts.
    Stats stats() const
    {
        Stats s = stats_;
        s.page_faults = vm_global_stats.page_faults;
        s.demand_zero = vm_global_stats.demand_zero_faults;
        s.cow_copies = vm_global_stats.cow_copies;
        s.cow_reused = vm_global_stats.cow_reused;
        return s;
    }

  private:
    void Trace(const char *format, ...) __attribute__((format(printf, 2, 3)))
    {
        if (!config_.trace) {
            return;
        }
        va_list args;
        va_start(args, format);
        fprintf(stderr, "  step %zu: ", step_);
        vfprintf(stderr, format, args);
        fprintf(stderr, "\n");
        va_end(args);
    }

    void Fail(const std::string &category, const std::string &message)
    {
        if (failure_.failed) {
            return;
        }
        failure_ = Failure{true, step_, category, message};
        Trace("FAILURE (%s): %s", category.c_str(), message.c_str());
    }

    // The program file for a layout: its code, then its loaded data pages,
    // each byte InitialByte's, after a page of ELF headers.
    static std::vector<uint8_t> ProgramFile(const Layout &l)
    {
        uint64_t code_bytes = l.code_end - kCodeStart;
        uint64_t loaded_bytes = l.loaded_end - l.data_start;
        ElfImage img = ElfExecutable(kCodeStart, PAGE_SIZE + code_bytes + loaded_bytes);
        img.SetPhdrs({
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kCodeStart, PAGE_SIZE, code_bytes,
                       code_bytes),
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, l.data_start, PAGE_SIZE + code_bytes,
                       loaded_bytes, l.data_end - l.data_start),
        });
        std::vector<uint8_t> bytes = img.Bytes();
        for (uint64_t i = 0; i < code_bytes; i++) {
            bytes[PAGE_SIZE + i] = InitialByte(l, kCodeStart + i);
        }
        for (uint64_t i = 0; i < loaded_bytes; i++) {
            bytes[PAGE_SIZE + code_bytes + i] = InitialByte(l, l.data_start + i);
        }
        return bytes;
    }

    // Builds the address space exec would for a layout, with exec's loader:
    // code and loaded data mapped and filled, the rest left to demand-zero,
    // the stack's top page mapped.
    static err_t Build(const Layout &l, struct addrspace **out)
    {
        std::vector<uint8_t> file = ProgramFile(l);
        struct exec_image image;
        err_t err = exec_load_image(file.data(), file.size(), 0, nullptr, &image);
        if (err == ERR_OK) {
            *out = image.as;
        }
        return err;
    }

    // Takes every free page but `left` away (for an operation FailNext
    // armed: it runs out of memory after that many page allocations, for
    // pages, page tables or kmalloc alike); Unhoard gives them back.
    void Hoard(size_t left)
    {
        paddr_t page;
        while (pmem_free_pages() > left && pmem_alloc(&page) == ERR_OK) {
            hoard_.push_back(page);
        }
    }

    void Unhoard()
    {
        for (paddr_t page : hoard_) {
            pmem_free(page);
        }
        hoard_.clear();
    }

    // How many table pages a mapping of va in v would allocate now, 0 to 3:
    // a PT, PD or PDPT for each 2 MiB, 1 GiB or 512 GiB span around va with
    // no page mapped (every page table holds exactly the tables its mappings
    // need: arch/vpmap.h).
    static size_t TablesMissing(struct vpmap *v, vaddr_t va)
    {
        struct Spans {
            vaddr_t va;
            bool used[3];
        } spans{va, {false, false, false}};
        vpmap_for_each_mapping(
            v,
            [](void *ctx, vaddr_t mapped, paddr_t, memperm_t) {
                Spans *s = static_cast<Spans *>(ctx);
                for (int level = 0; level < 3; level++) {
                    unsigned shift = 21 + 9 * level;
                    s->used[level] = s->used[level] || (mapped >> shift) == (s->va >> shift);
                }
            },
            &spans);
        return !spans.used[0] + !spans.used[1] + !spans.used[2];
    }

    // Whether running out of memory is a fair excuse for an operation that
    // needs about `pages` pages.
    bool MayRunOut(size_t free_before, size_t pages) const
    {
        return armed_ || free_before < pages + 3;
    }

    void Spawn(const Op &op)
    {
        if (procs_.size() >= config_.max_procs) {
            Trace("spawn: already %zu processes", procs_.size());
            return;
        }
        Layout l = LayoutFrom(op.a);
        size_t free_before = pmem_free_pages();
        struct addrspace *as;
        err_t err = Build(l, &as);
        if (err != ERR_OK) {
            Trace("spawn failed: %s", err_name(err));
            stats_.execs_failed++;
            if (err != ERR_NOMEM || !MayRunOut(free_before, LoadedPages(l) + 1 + kExecTablePages)) {
                Fail("exec", Printf("building an address space failed with %s, with %zu pages "
                                    "free and %s",
                                    err_name(err), free_before,
                                    armed_ ? "memory made to run out" : "memory left alone"));
            }
            return;
        }
        stats_.execs++;
        Proc p{next_id_++, as, l, l.heap_start, {}, {}};
        Trace("spawn P%u: code [%s, %s) data [%s, %s) loaded to %s, heap %s", p.id,
              Hex(kCodeStart).c_str(), Hex(l.code_end).c_str(), Hex(l.data_start).c_str(),
              Hex(l.data_end).c_str(), Hex(l.loaded_end).c_str(), Hex(l.heap_start).c_str());
        procs_.push_back(std::move(p));
    }

    void Exec(size_t index, const Op &op)
    {
        SwitchTo(index);
        Proc &p = procs_[index];
        Layout l = LayoutFrom(op.a);
        size_t free_before = pmem_free_pages();
        struct addrspace *as;
        err_t err = Build(l, &as);
        if (err != ERR_OK) {
            Trace("P%u exec failed: %s", p.id, err_name(err));
            stats_.execs_failed++;
            if (err != ERR_NOMEM || !MayRunOut(free_before, LoadedPages(l) + 1 + kExecTablePages)) {
                Fail("exec", Printf("exec failed with %s, with %zu pages free", err_name(err),
                                    free_before));
            }
            return;
        }
        stats_.execs++;
        struct addrspace *old = p.as;
        p.as = as;
        vpmap_load(as->vpmap);
        fake_set_current_as(as);
        as_destroy(old);
        p.layout = l;
        p.brk = l.heap_start;
        p.bytes.clear();
        p.written.clear();
        Trace("P%u execs: heap %s", p.id, Hex(l.heap_start).c_str());
    }

    void SwitchTo(size_t index)
    {
        if (current_ == static_cast<int>(index)) {
            return;
        }
        current_ = static_cast<int>(index);
        vpmap_load(procs_[index].as->vpmap);
        fake_set_current_as(procs_[index].as);
        Trace("P%u runs", procs_[index].id);
    }

    void Exit(size_t index)
    {
        if (current_ == static_cast<int>(index)) {
            vpmap_load(vpmap_kernel());
            fake_set_current_as(nullptr);
            current_ = -1;
        }
        as_destroy(procs_[index].as);
        procs_.erase(procs_.begin() + static_cast<ptrdiff_t>(index));
        if (current_ > static_cast<int>(index)) {
            current_--;
        }
    }

    static int64_t Increment(const Proc &p, const Op &op)
    {
        uint64_t r = op.b;
        uint64_t in_heap = p.brk - p.layout.heap_start;
        switch (op.a % 20) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
            return static_cast<int64_t>(1 + r % (3 * PAGE_SIZE));  // small growth
        case 5:
        case 6:
        case 7:
            return -static_cast<int64_t>(1 + r % (3 * PAGE_SIZE));  // small shrink
        case 8:
        case 9:
            return static_cast<int64_t>((1 + r % 8) * PAGE_SIZE) * ((r >> 8) & 1 ? 1 : -1);
        case 10:
            return -static_cast<int64_t>(in_heap);  // back to the start exactly
        case 11:
            return -static_cast<int64_t>(in_heap + 1 + r % (2 * PAGE_SIZE));  // past the start
        case 12:
        case 13:
        case 17:
            return static_cast<int64_t>(1ull << (30 + r % 17));  // 1 GiB .. 64 TiB
        case 14:
            // Exactly to the stack guard, or one byte past it.
            return static_cast<int64_t>(kGuardStart - p.brk + (r & 1));
        case 15: {
            const int64_t extremes[] = {INT64_MAX, INT64_MIN, -1, 1, INT64_MIN + 1};
            return extremes[r % 5];
        }
        case 16:
            return static_cast<int64_t>(r);  // anything
        default:
            return 0;
        }
    }

    void Sbrk(size_t index, const Op &op)
    {
        SwitchTo(index);
        Proc &p = procs_[index];
        int64_t increment = Increment(p, op);
        vaddr_t old = 0;
        err_t err = as_sbrk(p.as, increment, &old);
        stats_.sbrks++;
        stats_.sbrks_refused += err == ERR_NOMEM;

        // What osv's rules say (kernel/mm/vm.h, DESIGN.md).
        err_t want = ERR_OK;
        vaddr_t new_brk = p.brk;
        if (increment > 0) {
            uint64_t up = static_cast<uint64_t>(increment);
            if (up > USTACK_UPPERBOUND - p.brk || pg_round_up(p.brk + up) > kGuardStart) {
                want = ERR_NOMEM;
            } else {
                new_brk = p.brk + up;
            }
        } else if (increment < 0) {
            uint64_t down = -static_cast<uint64_t>(increment);
            if (down <= p.brk - p.layout.heap_start) {
                new_brk = p.brk - down;
            }
        }
        Trace("P%u sbrk(%" PRId64 "): %s, old break %s, break now %s", p.id, increment,
              err_name(err), Hex(old).c_str(), Hex(p.as->brk).c_str());
        if (err != want || old != p.brk || p.as->brk != new_brk) {
            Fail("sbrk", Printf("P%u sbrk(%" PRId64 ") with the break at %s returned %s and old "
                                "break %s, leaving the break at %s; expected %s, %s, %s",
                                p.id, increment, Hex(p.brk).c_str(), err_name(err),
                                Hex(old).c_str(), Hex(p.as->brk).c_str(), err_name(want),
                                Hex(p.brk).c_str(), Hex(new_brk).c_str()));
            return;
        }
        if (new_brk < p.brk) {
            // Whole pages above the new break are gone: they read zero again.
            vaddr_t keep_end = pg_round_up(new_brk);
            p.bytes.erase(p.bytes.lower_bound(keep_end), p.bytes.lower_bound(pg_round_up(p.brk)));
        }
        p.brk = new_brk;
    }

    void Fork(size_t index, const Op &op)
    {
        if (procs_.size() >= config_.max_procs) {
            Trace("fork: already %zu processes", procs_.size());
            return;
        }
        SwitchTo(index);
        Proc &parent = procs_[index];
        bool eager = op.a % 10 == 0;  // kernel/mm/vm_eager.h
        size_t free_before = pmem_free_pages();
        size_t mapped = parent.as->pages_mapped;
        // The child maps the same pages, so it needs as many table pages.
        size_t tables = vpmap_table_pages(parent.as->vpmap);
        struct addrspace *child = nullptr;
        err_t err = eager ? as_copy_eager(parent.as, &child) : as_copy(parent.as, &child);
        if (err != ERR_OK) {
            Trace("P%u fork (%s) failed: %s", parent.id, eager ? "eager" : "copy-on-write",
                  err_name(err));
            stats_.forks_failed++;
            if (err != ERR_NOMEM || !MayRunOut(free_before, tables + (eager ? mapped : 0))) {
                Fail("fork", Printf("P%u fork failed with %s, with %zu pages free and %s",
                                    parent.id, err_name(err), free_before,
                                    armed_ ? "memory made to run out" : "memory left alone"));
            }
            return;
        }
        stats_.forks++;
        Proc p{next_id_++, child, parent.layout, parent.brk, parent.bytes, parent.written};
        Trace("P%u forks (%s): P%u", parent.id, eager ? "eager" : "copy-on-write", p.id);
        procs_.push_back(std::move(p));
    }

    // Where a touch goes, by a % 100. Most touches are to memory the process
    // may use, so that processes live long enough to fork, share and fill
    // memory; about one in ten goes somewhere it must die for.
    enum class Target { kHeap, kWritten, kStack, kData, kCode, kReach, kEdge, kWild };

    static Target TargetOf(uint64_t a)
    {
        static const struct {
            unsigned below;
            Target target;
        } kTable[] = {
            {40, Target::kHeap},     // the heap (now and then just above the break)
            {62, Target::kWritten},  // a byte it wrote before
            {77, Target::kStack},    // the stack (now and then the guard or below)
            {85, Target::kData},     // data and bss (now and then the page above)
            {91, Target::kCode},     // code
            {93, Target::kReach},    // around the bottom of the stack guard gap
            {97, Target::kEdge},     // region edges
            {100, Target::kWild},    // anywhere, the kernel half included
        };
        for (const auto &row : kTable) {
            if (a % 100 < row.below) {
                return row.target;
            }
        }
        return Target::kWild;
    }

    // The address a touch goes to.
    static vaddr_t PickAddress(const Proc &p, uint64_t a)
    {
        const Layout &l = p.layout;
        uint64_t r = a >> 16;
        bool stray = (a >> 8) % 16 == 0;  // 1 in 16: past the region's end
        uint64_t heap_span = pg_round_up(p.brk) - l.heap_start;
        Target target = TargetOf(a);
        if (target == Target::kWritten && p.written.empty()) {
            target = Target::kHeap;
        }
        if (target == Target::kHeap && heap_span == 0 && !stray) {
            target = Target::kStack;  // nothing there yet
        }
        switch (target) {
        case Target::kHeap:
            if (stray) {
                return l.heap_start + r % (heap_span + 2 * PAGE_SIZE);
            }
            return l.heap_start + r % heap_span;
        case Target::kWritten:
            return p.written[r % p.written.size()];
        case Target::kStack:
            if (stray) {
                return kStackStart - 3 * PAGE_SIZE + r % (3 * PAGE_SIZE);
            }
            return kStackStart + r % (USTACK_PAGES * PAGE_SIZE);
        case Target::kData:
            return l.data_start + r % (l.data_end - l.data_start + (stray ? PAGE_SIZE : 0));
        case Target::kCode:
            return kCodeStart + r % (l.code_end - kCodeStart);
        case Target::kReach:
            return kGuardStart - 2 * PAGE_SIZE + r % (4 * PAGE_SIZE);
        case Target::kEdge: {
            const vaddr_t edges[] = {
                l.heap_start - 1,
                p.brk - 1,
                p.brk,
                pg_round_up(p.brk),
                pg_round_up(p.brk) - 1,
                kGuardStart,
                kStackStart - 1,
                USTACK_UPPERBOUND - 1,
                USTACK_UPPERBOUND,
                l.code_end - 1,
                l.data_end,
                USER_REGION_MIN - 1,
                0,
                VPMAP_USER_TOP - 1,
                VPMAP_USER_TOP,
            };
            return edges[r % (sizeof edges / sizeof edges[0])];
        }
        case Target::kWild:
            break;
        }
        switch (r % 4) {
        case 0:
            return a ^ Mix(a);
        case 1:
            return VPMAP_USER_TOP + (r >> 2) % (1ull << 40);
        case 2:
            return (r >> 2) % USER_REGION_MIN;
        default:
            return Mix(a) & (VPMAP_USER_TOP - 1);
        }
    }

    uint8_t Expected(const Proc &p, vaddr_t va) const
    {
        auto it = p.bytes.find(va);
        return it != p.bytes.end() ? it->second : InitialByte(p.layout, va);
    }

    // One user access by the running process, as the CPU and the trap code
    // would do it. Returns false when the process died.
    bool Access(size_t index, vaddr_t va, bool write, uint8_t value)
    {
        Proc &p = procs_[index];
        enum fault_verdict expected = ExpectedVerdict(p, va, write);
        const char *what = write ? "write" : "read";
        for (int attempt = 0;; attempt++) {
            uint8_t got = 0;
            FakeUserAccess access =
                write ? fake_mmu_user_write(va, value) : fake_mmu_user_read(va, &got);
            stats_.accesses++;
            stats_.tlb_hits += access.tlb_hit;
            if (!access.fault) {
                if (expected != FAULT_RESOLVED) {
                    Fail("verdict", Printf("P%u: a %s of %s went through, but its regions call "
                                           "for %s",
                                           p.id, what, Hex(va).c_str(), VerdictName(expected)));
                    return true;
                }
                if (write) {
                    p.bytes[va] = value;
                    if (p.written.size() < 4096) {
                        p.written.push_back(va);
                    } else {
                        p.written[Mix(va) % p.written.size()] = va;
                    }
                    Trace("P%u writes %s = 0x%02x%s", p.id, Hex(va).c_str(), value,
                          access.tlb_hit ? " (TLB)" : "");
                } else {
                    uint8_t want = Expected(p, va);
                    Trace("P%u reads %s: 0x%02x%s", p.id, Hex(va).c_str(), got,
                          access.tlb_hit ? " (TLB)" : "");
                    if (got != want) {
                        Fail("contents",
                             Printf("P%u read 0x%02x at %s (frame %s%s), but it should see 0x%02x",
                                    p.id, got, Hex(va).c_str(), Hex(access.paddr).c_str(),
                                    access.tlb_hit ? ", through the TLB" : "", want));
                    }
                }
                return true;
            }
            if (attempt > 0) {
                Fail("refault", Printf("P%u: the %s fault at %s was resolved, but the access "
                                       "faults again",
                                       p.id, what, Hex(va).c_str()));
                return true;
            }
            size_t free_before = pmem_free_pages();
            int refcount_before = 0;
            paddr_t pa;
            if (va < VPMAP_USER_TOP &&
                vpmap_lookup_vaddr(p.as->vpmap, va, &pa, nullptr) == ERR_OK) {
                refcount_before = pmem_refcount(pa);
            }
            // Serving the fault takes a page for an absent page (plus the
            // page tables its mapping lacks) or a shared copy-on-write one.
            size_t needed = 0;
            if (expected == FAULT_RESOLVED) {
                needed = !access.present ? 1 + TablesMissing(p.as->vpmap, va) : refcount_before > 1;
            }
            enum fault_verdict v = handle_page_fault(va, access.present, write, /*user=*/true);
            Trace("P%u %s fault at %s (%s): %s", p.id, what, Hex(va).c_str(),
                  access.present ? "present" : "absent", VerdictName(v));
            if (v == FAULT_RESOLVED && expected == FAULT_RESOLVED) {
                continue;
            }
            bool fair_oom = v == FAULT_OUT_OF_MEMORY && free_before < needed;
            if (v != expected && !fair_oom) {
                Fail("verdict",
                     Printf("P%u: a %s fault at %s (%s) got %s, but its regions call for %s%s",
                            p.id, what, Hex(va).c_str(), access.present ? "present" : "absent",
                            VerdictName(v), VerdictName(expected),
                            v == FAULT_OUT_OF_MEMORY ? Printf(" (%zu pages were free, refcount %d)",
                                                              free_before, refcount_before)
                                                           .c_str()
                                                     : ""));
                return true;
            }
            Trace("P%u dies: %s", p.id, fault_reason(v));
            stats_.kills++;
            stats_.out_of_memory += v == FAULT_OUT_OF_MEMORY;
            Exit(index);
            return false;
        }
    }

    // 1 to 6 accesses: in one page (TLB hits), or, one touch in four,
    // scattered over the process's memory (new pages: memory fills up).
    void Touch(size_t index, const Op &op)
    {
        SwitchTo(index);
        bool scatter = (op.b >> 62) == 0;
        int accesses = 1 + static_cast<int>((op.b >> 16) % 6);
        vaddr_t va = PickAddress(procs_[index], op.a);
        uint64_t stride = (op.b >> 24) % 512;
        for (int i = 0; i < accesses && !failure_.failed; i++) {
            uint64_t a = op.a;
            if (scatter) {
                // Scattered accesses stay in the heap, stack and data.
                a = Mix(op.a + i);
                a = a - a % 100 + a % 100 % 85;
            }
            vaddr_t at = scatter  ? PickAddress(procs_[index], a)
                         : i == 0 ? va
                                  : pg_round_down(va) + (va + i * stride) % PAGE_SIZE;
            // Revisits mostly read back; code is mostly read (a write kills).
            Target target = TargetOf(a);
            uint64_t bits = (op.b >> (3 * i)) & 7;
            bool write = target == Target::kWritten ? bits < 2
                         : target == Target::kCode  ? bits == 0 && (op.b >> 60) == 0
                                                    : bits < 4;
            uint8_t value = static_cast<uint8_t>(Mix(op.b + i));
            if (!Access(index, at, write, value)) {
                return;
            }
        }
    }

    // Compares every mapped page of every process with the model, and checks
    // that every byte a process wrote is still mapped.
    void Verify()
    {
        for (const Proc &p : procs_) {
            if (failure_.failed) {
                return;
            }
            if (p.as->brk != p.brk || p.as->heap == nullptr ||
                p.as->heap->start != p.layout.heap_start || p.as->heap->end != pg_round_up(p.brk)) {
                Fail("sbrk", Printf("P%u: the heap is [%s, %s) with the break at %s; the model "
                                    "has [%s, %s) and %s",
                                    p.id, Hex(p.as->heap ? p.as->heap->start : 0).c_str(),
                                    Hex(p.as->heap ? p.as->heap->end : 0).c_str(),
                                    Hex(p.as->brk).c_str(), Hex(p.layout.heap_start).c_str(),
                                    Hex(pg_round_up(p.brk)).c_str(), Hex(p.brk).c_str()));
                return;
            }
            std::vector<std::pair<vaddr_t, paddr_t>> mapped;
            vpmap_for_each_mapping(
                p.as->vpmap,
                [](void *ctx, vaddr_t va, paddr_t pa, memperm_t) {
                    static_cast<std::vector<std::pair<vaddr_t, paddr_t>> *>(ctx)->push_back(
                        {va, pa});
                },
                &mapped);
            uint8_t want[PAGE_SIZE];
            for (const auto &[va, pa] : mapped) {
                if (InitialByte(p.layout, va) == 0) {
                    memset(want, 0, PAGE_SIZE);  // not loaded: zero (loaded bytes are odd)
                } else {
                    for (size_t i = 0; i < PAGE_SIZE; i++) {
                        want[i] = InitialByte(p.layout, va + i);
                    }
                }
                for (auto it = p.bytes.lower_bound(va);
                     it != p.bytes.end() && it->first < va + PAGE_SIZE; ++it) {
                    want[it->first - va] = it->second;
                }
                const uint8_t *have = static_cast<const uint8_t *>(kmap_p2v(pa));
                if (memcmp(have, want, PAGE_SIZE) != 0) {
                    size_t i = 0;
                    while (have[i] == want[i]) {
                        i++;
                    }
                    Fail("contents",
                         Printf("P%u: the page at %s (frame %s) holds 0x%02x at %s, but the "
                                "process should see 0x%02x there",
                                p.id, Hex(va).c_str(), Hex(pa).c_str(), have[i],
                                Hex(va + i).c_str(), want[i]));
                    return;
                }
            }
            for (const auto &[va, value] : p.bytes) {
                paddr_t pa;
                if (vpmap_lookup_vaddr(p.as->vpmap, va, &pa, nullptr) != ERR_OK) {
                    Fail("contents", Printf("P%u wrote 0x%02x at %s, but that page is no longer "
                                            "mapped",
                                            p.id, value, Hex(va).c_str()));
                    return;
                }
            }
        }
    }

    Config config_;
    std::vector<Proc> procs_;
    int current_ = -1;  // index of the process whose page table is loaded
    uint32_t next_id_ = 1;
    int pending_fail_ = -1;       // a FailNext waiting for its operation
    bool armed_ = false;          // this operation runs with the pages left that FailNext said
    std::vector<paddr_t> hoard_;  // the pages taken away for it
    size_t step_ = 0;
    size_t baseline_free_ = 0;
    Failure failure_;
    Stats stats_;
};

// Picks the next operation, looking at the live processes.
Op Generate(Rng &rng, const System &system)
{
    Op op;
    op.a = rng.Next();
    op.b = rng.Next();
    size_t n = system.Procs();
    int current = system.Current();
    op.proc = static_cast<uint32_t>(current >= 0 && rng.Percent(75) ? current
                                    : n > 0                         ? rng.Below(n)
                                                                    : 0);
    if (n == 0) {
        op.kind = rng.Percent(90) ? OpKind::kSpawn : OpKind::kFailNext;
        return op;
    }
    uint64_t roll = rng.Below(100);
    if (roll < 50) {
        op.kind = OpKind::kTouch;
    } else if (roll < 62) {
        op.kind = OpKind::kSbrk;
    } else if (roll < 70) {
        op.kind = OpKind::kFork;
    } else if (roll < 76) {
        op.kind = OpKind::kSpawn;
    } else if (roll < 79) {
        op.kind = OpKind::kExit;
    } else if (roll < 82) {
        op.kind = OpKind::kExec;
    } else if (roll < 93) {
        op.kind = OpKind::kSwitch;
    } else if (roll < 96) {
        op.kind = OpKind::kKernel;
    } else {
        op.kind = OpKind::kFailNext;
    }
    return op;
}

// --- Running sequences in a child process ---------------------------------

// The child reports each operation before running it, then the outcome, on
// the result file; its stdout and stderr go to the output file.
void WriteAll(int fd, const std::string &text)
{
    const char *p = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            return;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

std::string ReadAll(int fd)
{
    std::string text;
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

int TempFile()
{
    const char *dir = getenv("TEST_TMPDIR");
    std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/vm_fuzz.XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0) {
        perror("vm_fuzz: mkstemp");
        abort();
    }
    unlink(path.c_str());
    return fd;
}

std::string OneLine(std::string text)
{
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

void RunChild(int result_fd, const std::vector<Op> *ops, uint64_t seed, size_t length,
              const Config &config)
{
    alarm(30);  // a sequence takes milliseconds: a hang is a failure too
    System system(config);
    Rng rng(seed);
    size_t count = ops != nullptr ? ops->size() : length;
    if (system.Start()) {
        for (size_t i = 0; i < count; i++) {
            Op op = ops != nullptr ? (*ops)[i] : Generate(rng, system);
            WriteAll(result_fd, "op " + FormatOp(op) + "\n");
            system.Apply(op, i);
            system.AfterStep();
            if (system.failure().failed) {
                break;
            }
        }
        if (!system.failure().failed) {
            system.Finish();
        }
    }
    std::string stats = "stats";
    Stats counted = system.stats();
    for (const StatsField &field : kStatsFields) {
        stats += " " + std::to_string(counted.*field.field);
    }
    WriteAll(result_fd, stats + "\n");
    const Failure &f = system.failure();
    WriteAll(result_fd, Printf("end %d %zu %s\n", f.failed ? 1 : 0, f.step,
                               f.failed ? f.category.c_str() : "-"));
    WriteAll(result_fd, "message " + OneLine(f.message) + "\n");
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}

SequenceResult RunInChild(const std::vector<Op> *ops, uint64_t seed, size_t length,
                          const Config &config)
{
    fflush(stdout);
    fflush(stderr);
    int result_fd = TempFile();
    int output_fd = TempFile();
    pid_t pid = fork();
    if (pid < 0) {
        perror("vm_fuzz: fork");
        abort();
    }
    if (pid == 0) {
        dup2(output_fd, STDOUT_FILENO);
        dup2(output_fd, STDERR_FILENO);
        RunChild(result_fd, ops, seed, length, config);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    SequenceResult result;
    result.output = ReadAll(output_fd);
    std::istringstream lines(ReadAll(result_fd));
    close(result_fd);
    close(output_fd);
    std::string line;
    bool ended = false;
    while (std::getline(lines, line)) {
        Op op;
        if (line.rfind("op ", 0) == 0 && ParseOp(line.substr(3), &op)) {
            result.ops.push_back(op);
        } else if (line.rfind("end ", 0) == 0) {
            int failed = 0;
            size_t step = 0;
            char category[32] = "";
            sscanf(line.c_str(), "end %d %zu %31s", &failed, &step, category);
            result.failure.failed = failed != 0;
            result.failure.step = step;
            result.failure.category = failed ? category : "";
            ended = true;
        } else if (line.rfind("stats ", 0) == 0) {
            std::istringstream values(line.substr(6));
            for (const StatsField &field : kStatsFields) {
                values >> result.stats.*field.field;
            }
        } else if (line.rfind("message ", 0) == 0) {
            result.failure.message = line.substr(8);
        }
    }
    if (!ended) {
        // Killed: by a kernel panic (abort), a crash or the alarm.
        result.failure.failed = true;
        result.failure.step = result.ops.empty() ? 0 : result.ops.size() - 1;
        bool alarm = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
        result.failure.category = alarm ? "timeout" : "crash";
        std::string tail =
            result.output.substr(result.output.size() > 600 ? result.output.size() - 600 : 0);
        result.failure.message =
            (WIFSIGNALED(status)
                 ? Printf("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)))
                 : Printf("exited with status %d", WEXITSTATUS(status))) +
            "; last output: " + OneLine(tail);
    }
    return result;
}

}  // namespace

SequenceResult GenerateAndRun(uint64_t seed, size_t length, const Config &config)
{
    return RunInChild(nullptr, seed, length, config);
}

SequenceResult Replay(const std::vector<Op> &ops, const Config &config)
{
    return RunInChild(&ops, 0, ops.size(), config);
}

// --- Shrinking -------------------------------------------------------------

std::vector<Op> Shrink(std::vector<Op> ops,
                       const std::function<bool(const std::vector<Op> &)> &still_fails,
                       size_t max_tries)
{
    size_t tries = 0;
    auto without = [](const std::vector<Op> &v, size_t begin, size_t end) {
        std::vector<Op> rest(v.begin(), v.begin() + static_cast<ptrdiff_t>(begin));
        rest.insert(rest.end(), v.begin() + static_cast<ptrdiff_t>(end), v.end());
        return rest;
    };
    // ddmin on complements: drop one of n chunks at a time.
    size_t n = 2;
    while (ops.size() >= 2 && tries < max_tries) {
        size_t chunk = (ops.size() + n - 1) / n;
        bool reduced = false;
        for (size_t begin = 0; begin < ops.size() && tries < max_tries; begin += chunk) {
            std::vector<Op> rest = without(ops, begin, std::min(ops.size(), begin + chunk));
            tries++;
            if (still_fails(rest)) {
                ops = std::move(rest);
                n = std::max<size_t>(n - 1, 2);
                reduced = true;
                break;
            }
        }
        if (!reduced) {
            if (n >= ops.size()) {
                break;
            }
            n = std::min(ops.size(), 2 * n);
        }
    }
    // Then single operations, until no removal keeps it failing.
    for (bool reduced = true; reduced && tries < max_tries;) {
        reduced = false;
        for (size_t i = ops.size(); i-- > 0 && tries < max_tries;) {
            std::vector<Op> rest = without(ops, i, i + 1);
            tries++;
            if (still_fails(rest)) {
                ops = std::move(rest);
                reduced = true;
            }
        }
    }
    return ops;
}

// --- Campaigns -----------------------------------------------------------------

CampaignResult RunCampaign(const Campaign &campaign, std::ostream &log)
{
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    auto last_progress = start;
    CampaignResult result;
    for (uint64_t sequence = 0;; sequence++) {
        bool steps_done = campaign.steps != 0 && result.steps >= campaign.steps;
        bool time_done = campaign.seconds != 0 && elapsed() >= campaign.seconds;
        if (steps_done || time_done) {
            break;
        }
        uint64_t seed = Mix(campaign.seed ^ Mix(sequence));
        Rng shape(seed ^ 0x5eed);
        size_t length = 50 + shape.Below(350);
        if (campaign.steps != 0) {
            length = std::min(length, campaign.steps - result.steps);
        }
        Config config = campaign.config;
        if (campaign.vary_arena) {
            // Small memories run out often: out-of-memory paths get their turn.
            const size_t arenas[] = {64, 96, 128, 192, 256};
            config.arena_pages = arenas[shape.Below(5)];
        }
        SequenceResult run = GenerateAndRun(seed, length, config);
        result.sequences++;
        if (config.trace) {
            log << "vm_fuzz: sequence " << sequence << " (seed " << Hex(seed) << "):\n"
                << run.output;
        }
        if (!run.failure.failed) {
            result.steps += run.ops.size();
            result.stats.Add(run.stats);
            if (std::chrono::duration<double>(Clock::now() - last_progress).count() >= 10) {
                last_progress = Clock::now();
                log << "vm_fuzz: " << result.steps << " steps in " << result.sequences
                    << " sequences, " << elapsed() << " s, no failure\n";
            }
            continue;
        }

        result.failed = true;
        result.failure = run.failure;
        result.sequence_seed = seed;
        result.steps_to_failure = result.steps + run.failure.step + 1;
        result.steps += run.ops.size();
        result.failing.assign(
            run.ops.begin(), run.ops.begin() + static_cast<ptrdiff_t>(
                                                   std::min(run.ops.size(), run.failure.step + 1)));
        log << "vm_fuzz: FAILURE after " << result.steps_to_failure << " steps (sequence "
            << sequence << ", seed " << Hex(seed) << ", operation " << run.failure.step
            << "): " << run.failure.category << ": " << run.failure.message << "\n";
        log << "vm_fuzz: the sequence's output:\n" << run.output;

        result.minimized = result.failing;
        if (campaign.shrink) {
            const std::string category = run.failure.category;
            size_t tries = 0;
            auto fails = [&](const std::vector<Op> &ops) {
                tries++;
                SequenceResult r = Replay(ops, config);
                return r.failure.failed && r.failure.category == category;
            };
            if (fails(result.failing)) {
                result.minimized = Shrink(result.failing, fails, 4000);
                log << "vm_fuzz: shrunk " << result.failing.size() << " operations to "
                    << result.minimized.size() << " in " << tries << " replays\n";
            } else {
                log << "vm_fuzz: the failing sequence does not fail the same way on replay; "
                       "not shrunk\n";
            }
        }
        Config traced = config;
        traced.trace = true;
        SequenceResult replay = Replay(result.minimized, traced);
        result.replay_output = replay.output;
        log << "vm_fuzz: minimized sequence (save as a file, run with --replay=FILE):\n"
            << FormatReplay(result.minimized, config) << "vm_fuzz: its replay:\n"
            << replay.output << "vm_fuzz: replay result: "
            << (replay.failure.failed ? replay.failure.category + ": " + replay.failure.message
                                      : std::string("no failure"))
            << "\n";
        log << "vm_fuzz: reproduce the whole run with --seed=" << campaign.seed
            << "; the failing sequence alone is GenerateAndRun(" << Hex(seed) << ", " << length
            << ") with " << config.arena_pages << " pages\n";
        break;
    }
    result.seconds = elapsed();
    return result;
}

}  // namespace vm_fuzz
