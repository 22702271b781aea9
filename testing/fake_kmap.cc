// kmap on the host (see arch/kmap.h): physical address p is byte p of the
// arena (testing/pmem_arena.h). Any address outside the arena panics, in both
// directions, so a test notices kernel code that converts something it
// should not (a host pointer, a physical address past the end of memory).
// It counts the conversions to kernel addresses (testing/fake_kmap.h).

#include "testing/fake_kmap.h"

#include <cstdint>

#include "testing/pmem_arena.h"

extern "C" {
#include "arch/kmap.h"
#include "kernel/panic.h"
}

namespace {
size_t p2v_count = 0;
}  // namespace

size_t fake_kmap_p2v_count()
{
    return p2v_count;
}

extern "C" void *kmap_p2v(paddr_t paddr)
{
    p2v_count++;
    if (!pmem_arena_contains(paddr, 1)) {
        panic("kmap_p2v: physical address 0x%lx is outside the arena (%zu pages)", paddr,
              pmem_arena_pages());
    }
    return pmem_arena_base() + paddr;
}

extern "C" paddr_t kmap_v2p(const void *vaddr)
{
    uintptr_t v = reinterpret_cast<uintptr_t>(vaddr);
    uintptr_t base = reinterpret_cast<uintptr_t>(pmem_arena_base());
    if (base == 0 || v < base || !pmem_arena_contains(v - base, 1)) {
        panic("kmap_v2p: %p is not an address in the arena", vaddr);
    }
    return v - base;
}
