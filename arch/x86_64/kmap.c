// kmap on x86_64 (see arch/kmap.h): physical p is at DIRECT_MAP_BASE + p in
// the direct map, and the kernel image at KERNEL_VIRT_BASE + p.

#include "arch/kmap.h"

#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/direct_map.h"
#include "kernel/panic.h"

// The direct map owns PML4 entry 256: 512 GiB of kernel addresses, of which
// physical memory fills the start.
#define DIRECT_MAP_REGION (1ull << 39)

// The end of the kernel image (arch/x86_64/kernel.ld).
extern char kernel_end[];

void *kmap_p2v(paddr_t paddr)
{
    return (void *)(paddr + DIRECT_MAP_BASE);
}

paddr_t kmap_v2p(const void *vaddr)
{
    vaddr_t v = (vaddr_t)vaddr;
    // The image's end is asked about too (boot_info's kernel_end).
    if (v >= KERNEL_VIRT_BASE && v <= (vaddr_t)kernel_end) {
        return v - KERNEL_VIRT_BASE;
    }
    if (v >= DIRECT_MAP_BASE && v - DIRECT_MAP_BASE < DIRECT_MAP_REGION) {
        return v - DIRECT_MAP_BASE;
    }
    panic("kmap_v2p: %p is in neither the direct map nor the kernel image", vaddr);
}
