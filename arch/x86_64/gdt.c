#include "arch/x86_64/gdt.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "kernel/panic.h"

// Code and data segment descriptor bits (Intel SDM vol. 3A, 3.4.5). In
// 64-bit mode base and limit are ignored, so only these matter.
#define SEG_ACCESSED (1ull << 40)  // preset, so the CPU never writes the GDT
#define SEG_WRITABLE (1ull << 41)  // data: writable; code: readable
#define SEG_CODE     (1ull << 43)  // executable
#define SEG_NOT_SYS  (1ull << 44)  // code or data, not a system descriptor
#define SEG_DPL(n)   ((uint64_t)(n) << 45)
#define SEG_PRESENT  (1ull << 47)
#define SEG_LONG     (1ull << 53)  // 64-bit code

#define SEG_KERNEL (SEG_PRESENT | SEG_NOT_SYS | SEG_ACCESSED | SEG_WRITABLE | SEG_DPL(0))
#define SEG_USER   (SEG_PRESENT | SEG_NOT_SYS | SEG_ACCESSED | SEG_WRITABLE | SEG_DPL(3))

// The 64-bit TSS descriptor (SDM vol. 3A, 8.2.3) is a 16-byte system
// descriptor: type 9 = available 64-bit TSS.
#define TSS_TYPE_AVAILABLE (0x9ull << 40)

// The 64-bit task-state segment (SDM vol. 3A, 8.7). Only the stack pointers
// are used: rsp[0] for entries from ring 3, ist[k - 1] for IST slot k.
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "the 64-bit TSS is 104 bytes");

#define GDT_ENTRIES 7  // 5 segments + the 2-slot TSS descriptor

// One GDT and TSS per CPU: a TSS descriptor is marked busy by ltr, so no
// two CPUs can load the same one, and each needs its own ring-0 and IST
// stacks.
static uint64_t gdts[CPUS_MAX][GDT_ENTRIES];
static struct tss tsss[CPUS_MAX];

static char double_fault_stacks[CPUS_MAX][IST_STACK_SIZE] __attribute__((aligned(16)));
static char nmi_stacks[CPUS_MAX][IST_STACK_SIZE] __attribute__((aligned(16)));

_Static_assert(GDT_TSS / 8 + 2 == GDT_ENTRIES, "the TSS descriptor is last");
_Static_assert(GDT_USER_DATA == GDT_KERNEL_DATA + 8 && GDT_USER_CODE == GDT_KERNEL_DATA + 16,
               "sysret computes user SS and CS from STAR[63:48] = GDT_KERNEL_DATA");
_Static_assert(GDT_KERNEL_DATA == GDT_KERNEL_CODE + 8,
               "syscall computes kernel SS from STAR[47:32] = GDT_KERNEL_CODE");

static void set_tss_descriptor(uint64_t *gdt, const struct tss *tss)
{
    uint64_t base = (uint64_t)tss;
    uint64_t limit = sizeof(*tss) - 1;
    gdt[GDT_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | TSS_TYPE_AVAILABLE |
                       SEG_PRESENT | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;
}

// After lgdt the segment registers still hold descriptors cached from the
// boot GDT: reload each so that every one comes from the new table. CS can
// only be changed by a far transfer; a far return is the simplest in 64-bit
// mode.
static void reload_segments(void)
{
    __asm__ volatile("pushq %[code]\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %[data], %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     :
                     : [code] "i"(GDT_KERNEL_CODE), [data] "i"(GDT_KERNEL_DATA)
                     : "rax", "memory");
}

void gdt_init(unsigned cpu)
{
    kassert(cpu < CPUS_MAX);
    uint64_t *gdt = gdts[cpu];
    struct tss *tss = &tsss[cpu];
    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE / 8] = SEG_KERNEL | SEG_CODE | SEG_LONG;
    gdt[GDT_KERNEL_DATA / 8] = SEG_KERNEL;
    gdt[GDT_USER_DATA / 8] = SEG_USER;
    gdt[GDT_USER_CODE / 8] = SEG_USER | SEG_CODE | SEG_LONG;

    // iomap_base past the end of the TSS: no I/O permission bitmap, so ring
    // 3 can use no I/O port (IOPL stays 0).
    *tss = (struct tss){.iomap_base = sizeof(struct tss)};
    tss->ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(double_fault_stacks[cpu] + IST_STACK_SIZE);
    tss->ist[IST_NMI - 1] = (uint64_t)(nmi_stacks[cpu] + IST_STACK_SIZE);
    set_tss_descriptor(gdt, tss);

    struct descriptor_table_pointer gdtr = {.limit = sizeof(gdts[cpu]) - 1, .base = (uint64_t)gdt};
    lgdt(&gdtr);
    reload_segments();
    ltr(GDT_TSS);
}

void tss_set_kernel_stack(vaddr_t top)
{
    kassert(top % 16 == 0);
    tsss[this_cpu()->id].rsp[0] = top;
}
