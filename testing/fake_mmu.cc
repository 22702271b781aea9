#include "testing/fake_mmu.h"

#include "testing/fake_cpus.h"

extern "C" {
#include "arch/cpus.h"
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/pte.h"
}

namespace {

struct Invalidation {
    paddr_t root;  // loaded when it was made, on the CPU that made it
    vaddr_t page;
};

// One CPU's part of the MMU: CR3 and the TLB.
struct FakeCpuMmu {
    paddr_t root = 0;
    std::map<vaddr_t, FakeTranslation> tlb;  // cached translations (of root)
};

// The x86_64 walk (Intel SDM vol. 3A, 4.5): from the PML4 down to the PT,
// every entry present, and the access rights the AND of every level's.
bool walk_x86_64(paddr_t root, vaddr_t page, FakeTranslation *out)
{
    if (root == 0) {
        return false;
    }
    paddr_t table = root;
    bool writable = true;
    bool user = true;
    uint64_t entry = 0;
    for (int level = 4; level >= 1; level--) {
        entry = static_cast<const uint64_t *>(kmap_p2v(table))[pt_index(page, level)];
        if (!(entry & PTE_PRESENT)) {
            return false;
        }
        writable = writable && (entry & PTE_WRITABLE);
        user = user && (entry & PTE_USER);
        table = pte_address(entry);
    }
    if (!user) {
        return false;
    }
    int perm = MEMPERM_USER | MEMPERM_READ;
    perm |= writable ? MEMPERM_WRITE : 0;
    perm |= (entry & PTE_NX) ? 0 : MEMPERM_EXEC;
    *out = FakeTranslation{pte_address(entry), static_cast<memperm_t>(perm)};
    return true;
}

FakeCpuMmu cpus[kFakeCpusMax];
int root_loads;
std::vector<Invalidation> invalidations;
FakePageWalker walker = walk_x86_64;
bool invalidations_ignored;

// The CPU running now (testing/fake_cpus.h).
FakeCpuMmu &Here()
{
    return cpus[cpus_current()];
}

// The MMU: translates va for a user access by the current CPU, through its
// TLB.
FakeUserAccess translate(vaddr_t va, bool write)
{
    std::map<vaddr_t, FakeTranslation> &tlb = Here().tlb;
    FakeUserAccess access;
    vaddr_t page = pg_round_down(va);
    if (va >= VPMAP_USER_TOP) {
        access.fault = true;
        access.present = true;
        return access;
    }
    auto allows = [write](const FakeTranslation &t) {
        return (t.perm & MEMPERM_USER) && (!write || (t.perm & MEMPERM_WRITE));
    };
    auto cached = tlb.find(page);
    if (cached != tlb.end()) {
        if (allows(cached->second)) {
            access.tlb_hit = true;
            access.paddr = cached->second.paddr + (va - page);
            return access;
        }
        tlb.erase(cached);  // a fault drops the entry
        access.fault = true;
        access.present = true;
        return access;
    }
    FakeTranslation walked;
    bool mapped = walker(Here().root, page, &walked);
    if (!mapped || !allows(walked)) {
        access.fault = true;
        access.present = mapped;
        return access;
    }
    tlb[page] = walked;
    access.paddr = walked.paddr + (va - page);
    return access;
}

}  // namespace

void fake_mmu_reset()
{
    for (FakeCpuMmu &cpu : cpus) {
        cpu = FakeCpuMmu{};
    }
    root_loads = 0;
    invalidations.clear();
    invalidations_ignored = false;
    fake_cpus_reset();
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

FakeUserAccess fake_mmu_user_read(vaddr_t va, uint8_t *value)
{
    FakeUserAccess access = translate(va, /*write=*/false);
    if (!access.fault) {
        *value = *static_cast<uint8_t *>(kmap_p2v(access.paddr));
    }
    return access;
}

FakeUserAccess fake_mmu_user_write(vaddr_t va, uint8_t value)
{
    FakeUserAccess access = translate(va, /*write=*/true);
    if (!access.fault) {
        *static_cast<uint8_t *>(kmap_p2v(access.paddr)) = value;
    }
    return access;
}

const std::map<vaddr_t, FakeTranslation> &fake_mmu_tlb()
{
    return Here().tlb;
}

const std::map<vaddr_t, FakeTranslation> &fake_mmu_tlb_of(unsigned cpu)
{
    return cpus[cpu].tlb;
}

paddr_t fake_mmu_root_of(unsigned cpu)
{
    return cpus[cpu].root;
}

void fake_mmu_set_walker(FakePageWalker new_walker)
{
    walker = new_walker != nullptr ? new_walker : walk_x86_64;
}

void fake_mmu_ignore_invalidations(bool ignore)
{
    invalidations_ignored = ignore;
}

extern "C" void mmu_load_root(paddr_t pml4)
{
    Here().root = pml4;
    Here().tlb.clear();
    root_loads++;
}

extern "C" void mmu_boot_load_root(paddr_t pml4)
{
    mmu_load_root(pml4);
}

extern "C" paddr_t mmu_active_root(void)
{
    return Here().root;
}

extern "C" void mmu_invalidate_page(vaddr_t vaddr)
{
    if (invalidations_ignored) {
        return;
    }
    invalidations.push_back({Here().root, pg_round_down(vaddr)});
    Here().tlb.erase(pg_round_down(vaddr));
}

extern "C" void mmu_flush_global(void)
{
    Here().tlb.clear();  // the host's MMU caches the user half only
}

// Each CPU's root is what its last load loaded: the record is the CR3
// itself, so there is no ordering to get wrong on the host.
extern "C" cpus_mask_t mmu_cpus_with_root(paddr_t pml4)
{
    cpus_mask_t with = 0;
    for (unsigned cpu = 0; cpu < fake_cpus_count(); cpu++) {
        if (cpus[cpu].root == pml4) {
            with |= cpus_mask_of(cpu);
        }
    }
    return with;
}
