#include "testing/fake_mmu.h"

extern "C" {
#include "arch/x86_64/mmu.h"
}

namespace {
paddr_t active_root;
int root_loads;
std::vector<vaddr_t> invalidations;
}  // namespace

void fake_mmu_reset()
{
    active_root = 0;
    root_loads = 0;
    invalidations.clear();
}

std::vector<vaddr_t> fake_mmu_take_invalidations()
{
    std::vector<vaddr_t> taken;
    taken.swap(invalidations);
    return taken;
}

int fake_mmu_root_loads()
{
    return root_loads;
}

extern "C" void mmu_load_root(paddr_t pml4)
{
    active_root = pml4;
    root_loads++;
}

extern "C" paddr_t mmu_active_root(void)
{
    return active_root;
}

extern "C" void mmu_invalidate_page(vaddr_t vaddr)
{
    invalidations.push_back(vaddr);
}
