#include "arch/kmap.h"

#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/direct_map.h"

void *kmap_p2v(paddr_t paddr)
{
    return (void *)(paddr + DIRECT_MAP_BASE);
}

paddr_t kmap_v2p(const void *vaddr)
{
    vaddr_t v = (vaddr_t)vaddr;
    if (v >= KERNEL_VIRT_BASE) {
        return v - KERNEL_VIRT_BASE;
    }
    return v - DIRECT_MAP_BASE;
}
