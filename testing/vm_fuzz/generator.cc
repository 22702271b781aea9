// Generating operations and decoding their random words (see generator.h).

#include "testing/vm_fuzz/generator.h"

#include <climits>

namespace vm_fuzz {

Op Generate(Rng &rng, size_t procs, const std::vector<int> &running)
{
    Op op;
    op.a = rng.Next();
    op.b = rng.Next();
    // With one CPU, nothing more is drawn: a seed gives the sequence it gave
    // before there were several.
    size_t cpus = running.size();
    if (cpus > 1) {
        op.cpu = static_cast<uint32_t>(rng.Below(cpus));
    }
    int current = running[op.cpu];
    if (current >= 0 && rng.Percent(75)) {
        op.proc = static_cast<uint32_t>(current);
    } else if (procs > 0) {
        // Half the time a process another CPU runs: its table is then loaded
        // on two CPUs, as a process's threads on two CPUs would have it.
        std::vector<int> elsewhere;
        for (size_t cpu = 0; cpus > 1 && cpu < cpus; cpu++) {
            if (running[cpu] >= 0 && running[cpu] != current) {
                elsewhere.push_back(running[cpu]);
            }
        }
        op.proc = static_cast<uint32_t>(!elsewhere.empty() && rng.Percent(50)
                                            ? elsewhere[rng.Below(elsewhere.size())]
                                            : rng.Below(procs));
    }
    if (procs == 0) {
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

int64_t SbrkIncrement(const Proc &p, const Op &op)
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

Target TargetOf(uint64_t a)
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

vaddr_t PickAddress(const Proc &p, uint64_t a)
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

}  // namespace vm_fuzz
