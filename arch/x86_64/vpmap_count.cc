// Runs fork's page-table work, the real x86_64 vpmap on the host arena, for
// exactly kPages mapped pages, each step in its own function, so that
// valgrind's callgrind (tools/bench/fault_instructions.sh) can report
// instructions per page: stable from run to run, unlike time. It also
// prints how many TLB flushes (invlpg) each step asks for per page, which
// instruction counts do not show: under QEMU's TCG one invlpg costs about as
// much as the rest of the page's work.
//
//   CowCopyPages   vpmap_cow_copy of a writable region into a new child
//                  table, the parent active, and a reference for each page
//                  the child maps (as as_copy does in fork): every page turns
//                  read-only in the parent and gains a reference;
//   DestroyPages   every page's reference dropped, and vpmap_destroy of the
//                  child (as as_destroy does in its exit).

#include <cstdio>
#include <cstdlib>

#include "testing/fake_mmu.h"
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
constexpr size_t kPages = 4096;

void Check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "vpmap_count: %s failed\n", what);
        std::exit(1);
    }
}

__attribute__((noinline)) void CowCopyPages(struct vpmap *child, struct vpmap *parent)
{
    Check(vpmap_cow_copy(child, parent, kBase, kPages, MEMPERM_UR) == ERR_OK, "vpmap_cow_copy");
    vpmap_for_each_mapping(
        child, [](void *, vaddr_t, paddr_t page, memperm_t) { pmem_inc_refcnt(page); }, nullptr);
}

__attribute__((noinline)) void DestroyPages(struct vpmap *child)
{
    vpmap_for_each_mapping(
        child, [](void *, vaddr_t, paddr_t page, memperm_t) { pmem_dec_refcnt(page); }, nullptr);
    vpmap_destroy(child);
}

}  // namespace

int main()
{
    pmem_arena_create(2 * kPages + 256);
    pmem_init(pmem_arena_boot_info());
    kmalloc_init();  // for the vpmap records
    fake_mmu_reset();
    struct vpmap *parent;
    Check(vpmap_create(&parent) == ERR_OK, "vpmap_create");
    for (size_t i = 0; i < kPages; i++) {
        paddr_t page;
        Check(pmem_alloc(&page) == ERR_OK, "pmem_alloc");
        Check(vpmap_map(parent, kBase + i * PAGE_SIZE, page, 1, MEMPERM_URW) == ERR_OK,
              "vpmap_map");
    }
    vpmap_load(parent);  // the parent forks: its table is the active one
    fake_mmu_take_invalidations();

    struct vpmap *child;
    Check(vpmap_create(&child) == ERR_OK, "vpmap_create");
    CowCopyPages(child, parent);
    size_t copy_flushes = fake_mmu_take_invalidations().size();
    DestroyPages(child);
    size_t destroy_flushes = fake_mmu_take_invalidations().size();

    fake_mmu_reset();  // nothing active: the parent's table may go
    vpmap_destroy(parent);
    pmem_arena_destroy();
    std::printf("%zu pages; TLB flushes per page: cow copy %.2f, destroy %.2f\n", kPages,
                static_cast<double>(copy_flushes) / kPages,
                static_cast<double>(destroy_flushes) / kPages);
    return 0;
}
