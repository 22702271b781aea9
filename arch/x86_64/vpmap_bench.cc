// Host micro-benchmarks of the real x86_64 page-table code on the arena:
//   bazel run -c opt //arch/x86_64:vpmap_bench
// Figures are relative: compare them with each other within one run.

#include <vector>

#include "benchmark/benchmark.h"
#include "testing/pmem_arena.h"

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
}

namespace {

constexpr vaddr_t kBase = 0x400000;

// Enough arena for a 64 MiB region (16384 pages) plus tables and copies.
constexpr size_t kArenaPages = 16384 + 2048;

struct Arena {
    explicit Arena(size_t pages)
    {
        pmem_arena_create(pages);
        pmem_init(pmem_arena_boot_info());
        kmalloc_init();  // for the vpmap records
    }
    ~Arena()
    {
        pmem_arena_destroy();
    }
};

void BM_VpmapMapUnmapOnePage(benchmark::State &state)
{
    Arena arena(1024);
    struct vpmap *v;
    if (vpmap_create(&v) != ERR_OK) {
        state.SkipWithError("vpmap_create");
        return;
    }
    paddr_t page;
    (void)pmem_alloc(&page);
    for (auto _ : state) {
        if (vpmap_map(v, kBase, page, 1, MEMPERM_URW) != ERR_OK) {
            state.SkipWithError("vpmap_map");
            break;
        }
        vpmap_unmap(v, kBase, 1, nullptr, nullptr);
    }
    pmem_free(page);
    vpmap_destroy(v);
}
BENCHMARK(BM_VpmapMapUnmapOnePage);

// vpmap_cow_copy of a fully mapped region: what fork costs per address space
// region, page tables for the child included.
void BM_VpmapCowCopy(benchmark::State &state)
{
    const size_t pages = static_cast<size_t>(state.range(0)) * 256;  // MiB -> pages
    Arena arena(kArenaPages);
    struct vpmap *parent;
    (void)vpmap_create(&parent);
    for (size_t i = 0; i < pages; i++) {
        paddr_t p;
        if (pmem_alloc(&p) != ERR_OK ||
            vpmap_map(parent, kBase + i * PAGE_SIZE, p, 1, MEMPERM_URW) != ERR_OK) {
            state.SkipWithError("arena too small");
            return;
        }
    }
    for (auto _ : state) {
        struct vpmap *child;
        if (vpmap_create(&child) != ERR_OK ||
            vpmap_cow_copy(child, parent, kBase, pages, MEMPERM_UR) != ERR_OK) {
            state.SkipWithError("out of memory");
            break;
        }
        state.PauseTiming();
        vpmap_destroy(child);  // its tables (the pages are the parent's)
        state.ResumeTiming();
    }
    state.counters["pages"] = static_cast<double>(pages);
    vpmap_destroy(parent);
}
BENCHMARK(BM_VpmapCowCopy)->Arg(4)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
