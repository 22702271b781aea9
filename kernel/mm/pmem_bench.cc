// Host micro-benchmarks of the physical page allocator on the arena:
//   bazel run -c opt //kernel/mm:pmem_bench
// Figures are relative: compare them with each other within one run.

#include <vector>

#include "benchmark/benchmark.h"
#include "testing/pmem_arena.h"

extern "C" {
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
}

namespace {

constexpr size_t kArenaPages = 4096;

void BM_PmemAllocFree(benchmark::State &state)
{
    pmem_arena_create(kArenaPages);
    pmem_init(pmem_arena_boot_info());
    for (auto _ : state) {
        paddr_t p;
        if (pmem_alloc(&p) != ERR_OK) {
            state.SkipWithError("out of pages");
            break;
        }
        pmem_free(p);
    }
    pmem_arena_destroy();
}
BENCHMARK(BM_PmemAllocFree);

// Allocates a batch, then frees it: the free list's behaviour under churn.
void BM_PmemAllocBatchThenFree(benchmark::State &state)
{
    pmem_arena_create(kArenaPages);
    pmem_init(pmem_arena_boot_info());
    std::vector<paddr_t> pages(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        for (paddr_t &p : pages) {
            if (pmem_alloc(&p) != ERR_OK) {
                state.SkipWithError("out of pages");
                return;
            }
        }
        for (paddr_t p : pages) {
            pmem_free(p);
        }
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    pmem_arena_destroy();
}
BENCHMARK(BM_PmemAllocBatchThenFree)->Arg(64)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
