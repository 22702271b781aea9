// The interpreter (see system.h).

#include "testing/vm_fuzz/system.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <optional>
#include <utility>

#include "testing/elf_builder.h"
#include "testing/fake_cpus.h"
#include "testing/fake_current.h"
#include "testing/fake_mmu.h"
#include "testing/pmem_arena.h"
#include "testing/pmem_hoard.h"
#include "testing/vm_fuzz/checks.h"
#include "testing/vm_fuzz/generator.h"
#include "testing/vm_fuzz/rng.h"
#include "testing/vm_fuzz/text.h"

extern "C" {
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

namespace {

// The program file for a layout: its code, then its loaded data pages,
// each byte InitialByte's, after a page of ELF headers.
std::vector<uint8_t> ProgramFile(const Layout &l)
{
    uint64_t code_bytes = l.code_end - kCodeStart;
    uint64_t loaded_bytes = l.loaded_end - l.data_start;
    ElfImage img = ElfExecutable(kCodeStart, PAGE_SIZE + code_bytes + loaded_bytes);
    img.SetPhdrs({
        ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kCodeStart, PAGE_SIZE, code_bytes, code_bytes),
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
err_t Build(const Layout &l, struct addrspace **out)
{
    std::vector<uint8_t> file = ProgramFile(l);
    struct exec_image image;
    err_t err = exec_load_image(file.data(), file.size(), 0, nullptr, &image);
    if (err == ERR_OK) {
        *out = image.as;
    }
    return err;
}

}  // namespace

bool System::Start()
{
    pmem_arena_create(config_.arena_pages);
    pmem_init(pmem_arena_boot_info());
    kmalloc_init();
    fake_mmu_reset();
    fake_mmu_ignore_invalidations(config_.suppress_tlb_flushes);
    fake_cpus_set_count(static_cast<unsigned>(config_.cpus));
    fake_cpus_lose_calls(config_.lose_shootdowns);
    running_.assign(config_.cpus, -1);
    cpu_ = 0;
    for (size_t cpu = 0; cpu < config_.cpus; cpu++) {
        LoadKernelTable(cpu);
    }
    fake_set_current_as(nullptr);
    baseline_shootdowns_ = vpmap_shootdowns().rounds;
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

void System::Finish()
{
    std::optional<Finding> found = CheckMemory(procs_);
    if (found) {
        Fail(found->category, found->message);
        return;
    }
    for (size_t cpu = 0; cpu < running_.size(); cpu++) {
        LoadKernelTable(cpu);
    }
    fake_set_current_as(nullptr);
    for (Proc &p : procs_) {
        as_destroy(p.as);
    }
    procs_.clear();
    found = CheckNothingLeft(baseline_free_);
    if (found) {
        Fail(found->category, found->message);
    }
    vm_check_teardown();
    fake_mmu_ignore_invalidations(false);
    fake_cpus_lose_calls(false);
    pmem_arena_destroy();
}

void System::Apply(const Op &op, size_t step)
{
    step_ = step;
    size_t n = procs_.size();
    size_t index = n == 0 ? 0 : op.proc % n;
    cpu_ = op.cpu % running_.size();
    fake_cpus_set_current(static_cast<unsigned>(cpu_));
    int running = running_[cpu_];
    fake_set_current_as(running >= 0 ? procs_[static_cast<size_t>(running)].as : nullptr);
    if (op.kind != OpKind::kFailNext && pending_fail_ >= 0) {
        armed_ = op.kind == OpKind::kFork || op.kind == OpKind::kSpawn || op.kind == OpKind::kExec;
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
        LoadKernelTable(cpu_);
        fake_set_current_as(nullptr);
        Trace("the kernel's page table is loaded%s", OnCpu().c_str());
        break;
    default:
        if (n == 0) {
            Trace("%s: no process", OpName(op.kind));
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

void System::AfterStep()
{
    if (failure_.failed) {
        return;
    }
    std::optional<Finding> found = CheckKernel(procs_.size());
    if (!found && config_.verify_every != 0 && (step_ + 1) % config_.verify_every == 0) {
        found = CheckMemory(procs_);
    }
    if (found) {
        Fail(found->category, found->message);
    }
}

Stats System::stats() const
{
    Stats s = stats_;
    s.shootdowns = vpmap_shootdowns().rounds - baseline_shootdowns_;
    s.page_faults = vm_global_stats.page_faults;
    s.demand_zero = vm_global_stats.demand_zero_faults;
    s.cow_copies = vm_global_stats.cow_copies;
    s.cow_reused = vm_global_stats.cow_reused;
    return s;
}

void System::Trace(const char *format, ...)
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

void System::Fail(const std::string &category, const std::string &message)
{
    if (failure_.failed) {
        return;
    }
    failure_ = Failure{true, step_, category, message};
    Trace("FAILURE (%s): %s", category.c_str(), message.c_str());
}

// Takes every free page but `left` away (for an operation FailNext armed: it
// runs out of memory after that many page allocations, for pages, page
// tables or kmalloc alike); Unhoard gives them back.
void System::Hoard(size_t left)
{
    PmemTakeAllBut(left, &hoard_);
}

void System::Unhoard()
{
    PmemGiveBack(&hoard_);
}

// Whether running out of memory is a fair excuse for an operation that
// needs about `pages` pages.
bool System::MayRunOut(size_t free_before, size_t pages) const
{
    return armed_ || free_before < pages + 3;
}

void System::Spawn(const Op &op)
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

void System::Exec(size_t index, const Op &op)
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
            Fail("exec",
                 Printf("exec failed with %s, with %zu pages free", err_name(err), free_before));
        }
        return;
    }
    stats_.execs++;
    struct addrspace *old = p.as;
    p.as = as;
    // Its other threads end: the other CPUs that ran it load the kernel's
    // table.
    for (size_t cpu = 0; cpu < running_.size(); cpu++) {
        if (cpu != cpu_ && running_[cpu] == static_cast<int>(index)) {
            LoadKernelTable(cpu);
        }
    }
    vpmap_load(as->vpmap);
    fake_set_current_as(as);
    as_destroy(old);
    p.layout = l;
    p.brk = l.heap_start;
    p.bytes.clear();
    p.written.clear();
    Trace("P%u execs: heap %s", p.id, Hex(l.heap_start).c_str());
}

// The process runs on the operation's CPU: its table is loaded there,
// unless it already was.
void System::SwitchTo(size_t index)
{
    fake_set_current_as(procs_[index].as);
    if (running_[cpu_] == static_cast<int>(index)) {
        return;
    }
    bool elsewhere = false;
    for (int running : running_) {
        elsewhere |= running == static_cast<int>(index);
    }
    stats_.shared_loads += elsewhere;
    running_[cpu_] = static_cast<int>(index);
    vpmap_load(procs_[index].as->vpmap);
    Trace("P%u runs%s%s", procs_[index].id, OnCpu().c_str(),
          elsewhere ? " (and on another CPU)" : "");
}

// CPU `cpu` loads the kernel's table; the operation's CPU runs again after.
void System::LoadKernelTable(size_t cpu)
{
    fake_cpus_set_current(static_cast<unsigned>(cpu));
    vpmap_load(vpmap_kernel());
    running_[cpu] = -1;
    fake_cpus_set_current(static_cast<unsigned>(cpu_));
}

// Every CPU that runs the process loads the kernel's table instead.
void System::TakeOffEveryCpu(size_t index)
{
    for (size_t cpu = 0; cpu < running_.size(); cpu++) {
        if (running_[cpu] == static_cast<int>(index)) {
            LoadKernelTable(cpu);
        }
    }
    if (running_[cpu_] < 0) {
        fake_set_current_as(nullptr);
    }
}

void System::Exit(size_t index)
{
    TakeOffEveryCpu(index);
    as_destroy(procs_[index].as);
    procs_.erase(procs_.begin() + static_cast<ptrdiff_t>(index));
    for (int &running : running_) {
        if (running > static_cast<int>(index)) {
            running--;
        }
    }
}

std::string System::OnCpu() const
{
    return running_.size() > 1 ? Printf(" on cpu %zu", cpu_) : "";
}

void System::Sbrk(size_t index, const Op &op)
{
    SwitchTo(index);
    Proc &p = procs_[index];
    int64_t increment = SbrkIncrement(p, op);
    vaddr_t old = 0;
    err_t err = as_sbrk(p.as, increment, &old);
    stats_.sbrks++;
    stats_.sbrks_refused += err == ERR_NOMEM;

    SbrkOutcome want = ExpectedSbrk(p, increment);
    Trace("P%u sbrk(%" PRId64 "): %s, old break %s, break now %s", p.id, increment, err_name(err),
          Hex(old).c_str(), Hex(p.as->brk).c_str());
    if (err != want.err || old != p.brk || p.as->brk != want.brk) {
        Fail("sbrk", Printf("P%u sbrk(%" PRId64 ") with the break at %s returned %s and old "
                            "break %s, leaving the break at %s; expected %s, %s, %s",
                            p.id, increment, Hex(p.brk).c_str(), err_name(err), Hex(old).c_str(),
                            Hex(p.as->brk).c_str(), err_name(want.err), Hex(p.brk).c_str(),
                            Hex(want.brk).c_str()));
        return;
    }
    MoveBreak(&p, want.brk);
}

void System::Fork(size_t index, const Op &op)
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
            Fail("fork", Printf("P%u fork failed with %s, with %zu pages free and %s", parent.id,
                                err_name(err), free_before,
                                armed_ ? "memory made to run out" : "memory left alone"));
        }
        return;
    }
    stats_.forks++;
    Proc p{next_id_++, child, parent.layout, parent.brk, parent.bytes, parent.written};
    Trace("P%u forks (%s): P%u", parent.id, eager ? "eager" : "copy-on-write", p.id);
    procs_.push_back(std::move(p));
}

// One user access by the running process, as the CPU and the trap code
// would do it. Returns false when the process died.
bool System::Access(size_t index, vaddr_t va, bool write, uint8_t value)
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
                Fail("verdict",
                     Printf("P%u: a %s of %s%s went through%s, but its regions call "
                            "for %s",
                            p.id, what, Hex(va).c_str(), OnCpu().c_str(),
                            access.tlb_hit ? " (through the TLB)" : "", VerdictName(expected)));
                return true;
            }
            if (write) {
                RecordWrite(&p, va, value);
                Trace("P%u writes %s = 0x%02x%s%s", p.id, Hex(va).c_str(), value,
                      access.tlb_hit ? " (TLB)" : "", OnCpu().c_str());
            } else {
                uint8_t want = ExpectedByte(p, va);
                Trace("P%u reads %s: 0x%02x%s%s", p.id, Hex(va).c_str(), got,
                      access.tlb_hit ? " (TLB)" : "", OnCpu().c_str());
                if (got != want) {
                    Fail("contents",
                         Printf("P%u read 0x%02x at %s%s (frame %s%s), but it should see 0x%02x",
                                p.id, got, Hex(va).c_str(), OnCpu().c_str(),
                                Hex(access.paddr).c_str(),
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
        if (va < VPMAP_USER_TOP && vpmap_lookup_vaddr(p.as->vpmap, va, &pa, nullptr) == ERR_OK) {
            refcount_before = pmem_refcount(pa);
        }
        // Serving the fault takes a page for an absent page (plus the page
        // tables its mapping lacks) or a shared copy-on-write one.
        size_t needed = 0;
        if (expected == FAULT_RESOLVED) {
            needed = !access.present ? 1 + TablesMissing(p.as->vpmap, va) : refcount_before > 1;
        }
        enum fault_verdict v = handle_page_fault(va, access.present, write, /*user=*/true);
        Trace("P%u %s fault at %s%s (%s): %s", p.id, what, Hex(va).c_str(), OnCpu().c_str(),
              access.present ? "present" : "absent", VerdictName(v));
        if (v == FAULT_RESOLVED && expected == FAULT_RESOLVED) {
            continue;
        }
        bool fair_oom = v == FAULT_OUT_OF_MEMORY && free_before < needed;
        if (v != expected && !fair_oom) {
            Fail("verdict",
                 Printf("P%u: a %s fault at %s (%s) got %s, but its regions call for %s%s", p.id,
                        what, Hex(va).c_str(), access.present ? "present" : "absent",
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

// 1 to 6 accesses: in one page (TLB hits), or, one touch in four, scattered
// over the process's memory (new pages: memory fills up).
void System::Touch(size_t index, const Op &op)
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

}  // namespace vm_fuzz
