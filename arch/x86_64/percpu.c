#include "arch/x86_64/percpu.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "kernel/panic.h"

#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102  // what swapgs exchanges GS base with

_Static_assert(offsetof(struct cpu, self) == 0, "this_cpu() reads %gs:0");
_Static_assert(offsetof(struct cpu, syscall_kernel_rsp) == CPU_SYSCALL_KERNEL_RSP,
               "percpu_asm.h and struct cpu disagree on syscall_kernel_rsp");
_Static_assert(offsetof(struct cpu, syscall_user_rsp) == CPU_SYSCALL_USER_RSP,
               "percpu_asm.h and struct cpu disagree on syscall_user_rsp");

struct cpu cpus[CPUS_MAX];
static unsigned count = 1;

unsigned cpu_count(void)
{
    return count;
}

void cpu_set_count(unsigned n)
{
    kassert(n >= 1 && n <= CPUS_MAX);
    count = n;
}

void percpu_init(struct cpu *cpu)
{
    cpu->self = cpu;
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

struct cpu *cpu_current_by_lapic(void)
{
    uint32_t id = lapic_id();
    for (unsigned i = 0; i < count; i++) {
        if (cpus[i].lapic_id == id) {
            return &cpus[i];
        }
    }
    return NULL;
}
