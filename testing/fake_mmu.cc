#include "testing/fake_mmu.h"

extern "C" {
#include "arch/page.h"
#include "arch/x86_64/mmu.h"
}

namespace {

struct Invalidation {
    paddr_t root;  // loaded when it was made
    vaddr_t page;
};

paddr_t active_root;
int root_loads;
std::vector<Invalidation> invalidations;

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
    for (const Invalidation &inv : invalidations) {
        taken.push_back(inv.page);
    }
    invalidations.clear();
    return taken;
}

std::vector<vaddr_t> fake_mmu_take_invalidations_in(paddr_t root)
{
    std::vector<vaddr_t> taken;
    std::vector<Invalidation> kept;
    for (const Invalidation &inv : invalidations) {
        if (inv.root == root) {
            taken.push_back(inv.page);
        } else {
            kept.push_back(inv);
        }
    }
    invalidations.swap(kept);
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
    invalidations.push_back({active_root, pg_round_down(vaddr)});
}
