// Host micro-benchmarks of the page-fault handler on the arena and the fake
// page table: the portable part of a fault, without the hardware trap.
//   bazel run -c opt //kernel:pgfault_bench
// Figures are relative: compare them with each other within one run.

#include "benchmark/benchmark.h"
#include "testing/fake_current.h"
#include "testing/pmem_arena.h"

extern "C" {
#include "arch/page.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/vm.h"
#include "kernel/pgfault.h"
}

namespace {

constexpr vaddr_t kHeap = 0x1000000;
constexpr size_t kPages = 1024;

struct Process {
    Process()
    {
        pmem_arena_create(4 * kPages);
        pmem_init(pmem_arena_boot_info());
        kmalloc_init();
        (void)as_create(&as);
        (void)as_map_heap(as, kHeap);
        vaddr_t old;
        (void)as_sbrk(as, kPages * PAGE_SIZE, &old);
        fake_set_current_as(as);
    }
    ~Process()
    {
        fake_set_current_as(nullptr);
        as_destroy(as);
        pmem_arena_destroy();
    }
    struct addrspace *as = nullptr;
};

// First touch of a heap page: allocate, zero, map.
void BM_DemandZeroFault(benchmark::State &state)
{
    Process p;
    size_t i = 0;
    for (auto _ : state) {
        vaddr_t va = kHeap + (i % kPages) * PAGE_SIZE;
        if (handle_page_fault(va, false, true, true) != FAULT_RESOLVED) {
            state.SkipWithError("fault not resolved");
            break;
        }
        state.PauseTiming();
        if (++i % kPages == 0) {
            vaddr_t old;  // give the pages back: shrink to empty and grow again
            (void)as_sbrk(p.as, -static_cast<int64_t>(kPages * PAGE_SIZE), &old);
            (void)as_sbrk(p.as, kPages * PAGE_SIZE, &old);
        }
        state.ResumeTiming();
    }
}
BENCHMARK(BM_DemandZeroFault);

// A write to a page shared with a forked child: allocate, copy, remap.
void BM_CowCopyFault(benchmark::State &state)
{
    Process p;
    for (size_t i = 0; i < kPages; i++) {
        (void)handle_page_fault(kHeap + i * PAGE_SIZE, false, true, true);
    }
    struct addrspace *child = nullptr;
    size_t i = 0;
    for (auto _ : state) {
        if (i % kPages == 0) {
            state.PauseTiming();
            if (child != nullptr) {
                as_destroy(child);
            }
            (void)as_copy(p.as, &child);
            state.ResumeTiming();
        }
        vaddr_t va = kHeap + (i++ % kPages) * PAGE_SIZE;
        if (handle_page_fault(va, true, true, true) != FAULT_RESOLVED) {
            state.SkipWithError("fault not resolved");
            break;
        }
    }
    if (child != nullptr) {
        as_destroy(child);
    }
}
BENCHMARK(BM_CowCopyFault);

// The last sharer writes: no copy, the mapping becomes writable in place.
void BM_CowReuseFault(benchmark::State &state)
{
    Process p;
    for (size_t i = 0; i < kPages; i++) {
        (void)handle_page_fault(kHeap + i * PAGE_SIZE, false, true, true);
    }
    size_t i = 0;
    for (auto _ : state) {
        if (i % kPages == 0) {
            state.PauseTiming();
            struct addrspace *child;
            (void)as_copy(p.as, &child);
            as_destroy(child);  // every page shared read-only, refcount back to 1
            state.ResumeTiming();
        }
        vaddr_t va = kHeap + (i++ % kPages) * PAGE_SIZE;
        if (handle_page_fault(va, true, true, true) != FAULT_RESOLVED) {
            state.SkipWithError("fault not resolved");
            break;
        }
    }
}
BENCHMARK(BM_CowReuseFault);

}  // namespace

BENCHMARK_MAIN();
