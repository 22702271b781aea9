#include "arch/x86_64/kernel_map.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/direct_map.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/vpmap_kernel_half.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"

#define LARGE_PAGE_SIZE (2ull << 20)
#define CR4_PGE         (1ull << 7)  // global pages

// Linker-script symbols (arch/x86_64/kernel.ld), at their virtual addresses.
extern char kernel_text_start[], kernel_text_end[];
extern char kernel_rodata_start[], kernel_rodata_end[];
extern char kernel_data_start[], kernel_data_end[];
extern char boot_stack_bottom[];  // boot.S

// Page-table pages for the kernel half. Needed: a PML4; a PDPT and 4 PDs for
// the 4 GiB direct map; a PDPT, a PD and one PT per 2 MiB of kernel image; a
// PD and 10 PTs for the kernel stack region; a PML4, a PDPT and a PD for
// the application processors' way in (kernel_map_ap_boot_root).
#define POOL_PAGES 32
static uint64_t table_pool[POOL_PAGES][PT_ENTRIES] __attribute__((aligned(4096)));
static int pool_used;

// The kernel's PML4, shared by every address space.
static paddr_t kernel_root;

static paddr_t new_table(void)
{
    if (pool_used == POOL_PAGES) {
        panic("kernel_map: out of boot page-table pages (POOL_PAGES %d)", POOL_PAGES);
    }
    uint64_t *table = table_pool[pool_used++];
    memset(table, 0, PAGE_SIZE);
    return kmap_v2p(table);
}

// Returns the entry for vaddr in the table at `level` (2 = PD, 1 = PT),
// creating the tables above it.
static uint64_t *entry_at(paddr_t pml4, vaddr_t vaddr, int level)
{
    uint64_t *table = kmap_p2v(pml4);
    for (int l = 4; l > level; l--) {
        uint64_t *entry = &table[pt_index(vaddr, l)];
        if (!(*entry & PTE_PRESENT)) {
            *entry = new_table() | PTE_PRESENT | PTE_WRITABLE;
        }
        table = kmap_p2v(pte_address(*entry));
    }
    return &table[pt_index(vaddr, level)];
}

// The page below the boot stack (the last page of boot.S's early page
// tables, unused once kernel_map_init has run) stays unmapped: overflowing the
// boot stack then faults there instead of overwriting memory.
static bool is_boot_stack_guard(vaddr_t va)
{
    return va == (vaddr_t)boot_stack_bottom - PAGE_SIZE;
}

static void map_image_part(paddr_t pml4, const char *start, const char *end, uint64_t flags)
{
    for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE) {
        if (!is_boot_stack_guard(va)) {
            *entry_at(pml4, va, 1) = (va - KERNEL_VIRT_BASE) | flags;
        }
    }
}

static paddr_t end_of_ram(const struct boot_info *info)
{
    paddr_t end = 0;
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        if (r->type != MEM_RESERVED && r->start + r->length > end) {
            end = r->start + r->length;
        }
    }
    return end;
}

void kernel_map_init(const struct boot_info *info)
{
    paddr_t ram_end = end_of_ram(info);
    if (ram_end > DIRECT_MAP_LIMIT) {
        panic("osv supports RAM below 4 GiB only; this machine has RAM up to 0x%lx "
              "(run QEMU with -m 3G or less)",
              ram_end);
    }

    paddr_t pml4 = new_table();
    uint64_t global = PTE_PRESENT | PTE_GLOBAL;
    for (paddr_t pa = 0; pa < ram_end; pa += LARGE_PAGE_SIZE) {
        *entry_at(pml4, DIRECT_MAP_BASE + pa, 2) = pa | global | PTE_WRITABLE | PTE_LARGE | PTE_NX;
    }
    // Device registers (local and I/O APIC) in the direct map, uncached.
    for (paddr_t pa = DEVICE_WINDOW_START; pa < DEVICE_WINDOW_END; pa += LARGE_PAGE_SIZE) {
        *entry_at(pml4, DIRECT_MAP_BASE + pa, 2) =
            pa | global | PTE_WRITABLE | PTE_LARGE | PTE_NX | PTE_PCD | PTE_PWT;
    }
    map_image_part(pml4, kernel_text_start, kernel_text_end, global);
    map_image_part(pml4, kernel_rodata_start, kernel_rodata_end, global | PTE_NX);
    map_image_part(pml4, kernel_data_start, kernel_data_end, global | PTE_WRITABLE | PTE_NX);
    for (vaddr_t va = KSTACK_REGION_BASE; va < KSTACK_REGION_BASE + KSTACK_REGION_SIZE;
         va += LARGE_PAGE_SIZE) {
        entry_at(pml4, va, 1);  // creates the PT; the entry itself stays empty
    }

    kernel_root = pml4;
    kernel_map_enter();
    vpmap_set_kernel_half(pml4);
}

void kernel_map_enter(void)
{
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PGE));
    mmu_boot_load_root(kernel_root);
}

paddr_t kernel_map_ap_boot_root(void)
{
    static paddr_t root;
    if (root != 0) {
        return root;
    }
    root = new_table();
    const uint64_t *kernel = kmap_p2v(kernel_root);
    uint64_t *table = kmap_p2v(root);
    for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++) {
        table[i] = kernel[i];
    }
    *entry_at(root, 0, 2) = PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
    kassert(root < DIRECT_MAP_LIMIT);
    return root;
}

static uint64_t *kstack_region_entry(const char *who, vaddr_t vaddr)
{
    if (vaddr < KSTACK_REGION_BASE || vaddr - KSTACK_REGION_BASE >= KSTACK_REGION_SIZE ||
        !pg_aligned(vaddr)) {
        panic("%s: 0x%lx is not a page of the kernel stack region", who, vaddr);
    }
    return entry_at(kernel_root, vaddr, 1);  // tables exist: never allocates
}

void kernel_map_page(vaddr_t vaddr, paddr_t paddr)
{
    uint64_t *pte = kstack_region_entry("kernel_map_page", vaddr);
    if (*pte & PTE_PRESENT) {
        panic("kernel_map_page: 0x%lx is already mapped", vaddr);
    }
    *pte = paddr | PTE_PRESENT | PTE_GLOBAL | PTE_WRITABLE | PTE_NX;
}

paddr_t kernel_unmap_page(vaddr_t vaddr)
{
    uint64_t *pte = kstack_region_entry("kernel_unmap_page", vaddr);
    if (!(*pte & PTE_PRESENT)) {
        panic("kernel_unmap_page: 0x%lx is not mapped", vaddr);
    }
    paddr_t paddr = pte_address(*pte);
    *pte = 0;
    mmu_invalidate_page(vaddr);  // also drops global entries
    return paddr;
}
