// The model of each process's memory and of the kernel's answers (see model.h).

#include "testing/vm_fuzz/model.h"

#include <cstring>

#include "testing/vm_fuzz/rng.h"

namespace vm_fuzz {

size_t LoadedPages(const Layout &l)
{
    return (l.code_end - kCodeStart + l.loaded_end - l.data_start) / PAGE_SIZE;
}

uint8_t InitialByte(const Layout &l, vaddr_t va)
{
    bool loaded =
        (va >= kCodeStart && va < l.code_end) || (va >= l.data_start && va < l.loaded_end);
    return loaded ? static_cast<uint8_t>(Mix(va ^ l.salt) | 1) : 0;
}

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

uint8_t ExpectedByte(const Proc &p, vaddr_t va)
{
    auto it = p.bytes.find(va);
    return it != p.bytes.end() ? it->second : InitialByte(p.layout, va);
}

void ExpectedPage(const Proc &p, vaddr_t page, uint8_t *want)
{
    if (InitialByte(p.layout, page) == 0) {
        memset(want, 0, PAGE_SIZE);  // not loaded: zero (loaded bytes are odd)
    } else {
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            want[i] = InitialByte(p.layout, page + i);
        }
    }
    for (auto it = p.bytes.lower_bound(page); it != p.bytes.end() && it->first < page + PAGE_SIZE;
         ++it) {
        want[it->first - page] = it->second;
    }
}

void RecordWrite(Proc *p, vaddr_t va, uint8_t value)
{
    p->bytes[va] = value;
    if (p->written.size() < 4096) {
        p->written.push_back(va);
    } else {
        p->written[Mix(va) % p->written.size()] = va;
    }
}

SbrkOutcome ExpectedSbrk(const Proc &p, int64_t increment)
{
    SbrkOutcome want{ERR_OK, p.brk};
    if (increment > 0) {
        uint64_t up = static_cast<uint64_t>(increment);
        if (up > USTACK_UPPERBOUND - p.brk || pg_round_up(p.brk + up) > kGuardStart) {
            want.err = ERR_NOMEM;
        } else {
            want.brk = p.brk + up;
        }
    } else if (increment < 0) {
        uint64_t down = -static_cast<uint64_t>(increment);
        if (down <= p.brk - p.layout.heap_start) {
            want.brk = p.brk - down;
        }
    }
    return want;
}

void MoveBreak(Proc *p, vaddr_t brk)
{
    if (brk < p->brk) {
        p->bytes.erase(p->bytes.lower_bound(pg_round_up(brk)),
                       p->bytes.lower_bound(pg_round_up(p->brk)));
    }
    p->brk = brk;
}

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

size_t TablesMissing(struct vpmap *v, vaddr_t va)
{
    // A PT, PD or PDPT is missing for each 2 MiB, 1 GiB or 512 GiB span
    // around va with no page mapped: every page table holds exactly the
    // tables its mappings need (arch/vpmap.h).
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

}  // namespace vm_fuzz
