// The checks at rest points (see checks.h).

#include "testing/vm_fuzz/checks.h"

#include <sys/types.h>

#include <cstring>
#include <utility>

#include "testing/vm_fuzz/text.h"

extern "C" {
#include "arch/kmap.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_check.h"
}

namespace vm_fuzz {

std::optional<Finding> CheckKernel(size_t procs)
{
    struct vm_check_summary s;
    size_t violations = vm_check(&s);
    if (violations != 0) {
        return Finding{"checker", Printf("vm_check found %zu violations (the vmcheck lines above)",
                                         violations)};
    }
    if (s.address_spaces != procs) {
        return Finding{"leak", Printf("%zu address spaces are registered, but %zu processes live",
                                      s.address_spaces, procs)};
    }
    // Page tables as a walk finds them (vm_check compared that with each
    // vpmap's own count).
    size_t heap = kmalloc_pages_held();
    if (s.pmem.allocated != s.mapped_pages + s.table_pages + heap + s.scratch_pages) {
        return Finding{
            "leak", Printf("%zu pages allocated, but only %zu are mapped, %zu are page "
                           "tables, %zu held by kmalloc and %zu by the checker: %zd "
                           "unaccounted for",
                           s.pmem.allocated, s.mapped_pages, s.table_pages, heap, s.scratch_pages,
                           static_cast<ssize_t>(s.pmem.allocated - s.mapped_pages - s.table_pages -
                                                heap - s.scratch_pages))};
    }
    return std::nullopt;
}

std::optional<Finding> CheckMemory(const std::vector<Proc> &procs)
{
    for (const Proc &p : procs) {
        if (p.as->brk != p.brk || p.as->heap == nullptr ||
            p.as->heap->start != p.layout.heap_start || p.as->heap->end != pg_round_up(p.brk)) {
            return Finding{"sbrk",
                           Printf("P%u: the heap is [%s, %s) with the break at %s; the model "
                                  "has [%s, %s) and %s",
                                  p.id, Hex(p.as->heap ? p.as->heap->start : 0).c_str(),
                                  Hex(p.as->heap ? p.as->heap->end : 0).c_str(),
                                  Hex(p.as->brk).c_str(), Hex(p.layout.heap_start).c_str(),
                                  Hex(pg_round_up(p.brk)).c_str(), Hex(p.brk).c_str())};
        }
        std::vector<std::pair<vaddr_t, paddr_t>> mapped;
        vpmap_for_each_mapping(
            p.as->vpmap,
            [](void *ctx, vaddr_t va, paddr_t pa, memperm_t) {
                static_cast<std::vector<std::pair<vaddr_t, paddr_t>> *>(ctx)->push_back({va, pa});
            },
            &mapped);
        uint8_t want[PAGE_SIZE];
        for (const auto &[va, pa] : mapped) {
            ExpectedPage(p, va, want);
            const uint8_t *have = static_cast<const uint8_t *>(kmap_p2v(pa));
            if (memcmp(have, want, PAGE_SIZE) != 0) {
                size_t i = 0;
                while (have[i] == want[i]) {
                    i++;
                }
                return Finding{"contents",
                               Printf("P%u: the page at %s (frame %s) holds 0x%02x at %s, but the "
                                      "process should see 0x%02x there",
                                      p.id, Hex(va).c_str(), Hex(pa).c_str(), have[i],
                                      Hex(va + i).c_str(), want[i])};
            }
        }
        for (const auto &[va, value] : p.bytes) {
            paddr_t pa;
            if (vpmap_lookup_vaddr(p.as->vpmap, va, &pa, nullptr) != ERR_OK) {
                return Finding{"contents", Printf("P%u wrote 0x%02x at %s, but that page is no "
                                                  "longer mapped",
                                                  p.id, value, Hex(va).c_str())};
            }
        }
    }
    return std::nullopt;
}

std::optional<Finding> CheckNothingLeft(size_t baseline_free)
{
    if (as_live_count() != 0) {
        return Finding{"leak",
                       Printf("%zu address spaces still registered after every process exited",
                              as_live_count())};
    }
    if (pmem_free_pages() != baseline_free) {
        return Finding{"leak",
                       Printf("after every process exited, %zu pages are free instead of %zu",
                              pmem_free_pages(), baseline_free)};
    }
    return std::nullopt;
}

}  // namespace vm_fuzz
