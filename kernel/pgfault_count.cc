// Runs exactly kFaults page faults of each kind through the real handler on
// the host arena, each kind in its own function, so that an instruction
// counter (valgrind --tool=callgrind, see tools/bench/fault_instructions.sh)
// can report instructions per fault: stable from run to run, unlike time.

#include <cstdio>
#include <cstdlib>

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
constexpr size_t kFaults = 1000;

void Expect(enum fault_verdict verdict)
{
    if (verdict != FAULT_RESOLVED) {
        std::fprintf(stderr, "fault not resolved: %s\n", fault_reason(verdict));
        std::abort();
    }
}

__attribute__((noinline)) void DemandZeroFaults(struct addrspace *as)
{
    for (size_t i = 0; i < kFaults; i++) {
        Expect(handle_page_fault(kHeap + i * PAGE_SIZE, false, true, true));
    }
    (void)as;
}

__attribute__((noinline)) void CowCopyFaults(struct addrspace *as)
{
    for (size_t i = 0; i < kFaults; i++) {
        Expect(handle_page_fault(kHeap + i * PAGE_SIZE, true, true, true));
    }
    (void)as;
}

__attribute__((noinline)) void CowReuseFaults(struct addrspace *as)
{
    for (size_t i = 0; i < kFaults; i++) {
        Expect(handle_page_fault(kHeap + i * PAGE_SIZE, true, true, true));
    }
    (void)as;
}

}  // namespace

int main()
{
    pmem_arena_create(4 * kFaults + 256);
    pmem_init(pmem_arena_boot_info());
    kmalloc_init();
    struct addrspace *as;
    vaddr_t old;
    if (as_create(&as) != ERR_OK || as_map_heap(as, kHeap) != ERR_OK ||
        as_sbrk(as, kFaults * PAGE_SIZE, &old) != ERR_OK) {
        std::fprintf(stderr, "setup failed\n");
        return 1;
    }
    fake_set_current_as(as);

    DemandZeroFaults(as);
    struct addrspace *child;
    if (as_copy(as, &child) != ERR_OK) {
        return 1;
    }
    CowCopyFaults(as);  // the child still shares every page: each write copies
    as_destroy(child);
    if (as_copy(as, &child) != ERR_OK) {
        return 1;
    }
    as_destroy(child);  // all pages read-only again, but nobody else shares them
    CowReuseFaults(as);

    fake_set_current_as(nullptr);
    as_destroy(as);
    pmem_arena_destroy();
    std::printf("%zu faults of each kind\n", kFaults);
    return 0;
}
