#include "arch/x86_64/smp.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/cycles.h"
#include "arch/interrupts.h"
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp_trampoline.h"
#include "arch/x86_64/user_mode_x86.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/sched.h"

_Static_assert(MADT_MAX_CPUS == CPUS_MAX, "the MADT reader keeps as many CPUs as osv starts");

// The stack each AP starts on and idles on. Threads, once they run on APs,
// bring stacks of their own.
#define AP_STACK_SIZE 16384

// The waits of the startup sequence (SDM vol. 3A, 8.4.4.1): 10 ms after
// INIT, 200 us after the first startup IPI before sending the second. An AP
// that has not reported online a second after that is given up on.
#define INIT_DELAY_US     10000
#define STARTUP_DELAY_US  200
#define ONLINE_TIMEOUT_US 1000000

static struct madt_info madt;
static bool have_madt;
static unsigned online = 1;
static char ap_stacks[CPUS_MAX][AP_STACK_SIZE] __attribute__((aligned(16)));

void smp_find_cpus(void)
{
    const void *table;
    size_t length;
    if (acpi_find_table("APIC", &table, &length) != ERR_OK ||
        madt_parse(table, length, &madt) != ERR_OK) {
        kprintf("smp: no usable ACPI MADT: running on the bootstrap processor alone\n");
        return;
    }
    have_madt = true;
    if (madt.dropped != 0) {
        kprintf("smp: %u processors beyond the first %d stay in the firmware\n", madt.dropped,
                CPUS_MAX);
    }
}

// Waits until `cpu` is online or `us` microseconds have passed; true if it
// is online.
static bool wait_online(const struct cpu *cpu, uint64_t us)
{
    uint64_t end = rdtsc() + cycles_per_second() / 1000000 * us;
    while (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE)) {
        if (rdtsc() >= end) {
            return false;
        }
        cpu_relax();
    }
    return true;
}

static void delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + cycles_per_second() / 1000000 * us;
    while (rdtsc() < end) {
        cpu_relax();
    }
}

// Where an AP arrives from ap_trampoline.S, in long mode on the AP boot
// tables, on its own stack, interrupts off.
_Noreturn static void ap_main(struct cpu *cpu)
{
    kernel_map_enter();
    gdt_init(cpu->id);
    percpu_init(cpu);
    idt_load();
    lapic_init();
    syscall_init();
    kprintf("smp: cpu %u online (local APIC %u)\n", this_cpu()->id, lapic_id());
    __atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
    // Until the scheduler is up, nothing runs here but cross-CPU calls
    // (cpu_call.h), the only interrupts sent here: the timer is masked and
    // the I/O APIC routes devices to the bootstrap processor. sched_init
    // makes such a call to every CPU once it accepts them.
    while (!sched_accepting_cpus()) {
        intr_wait();
    }
    intr_disable();
    lapic_timer_resume();
    sched_run_cpu();
}

static void start_ap(struct cpu *cpu, uint64_t *params)
{
    params[AP_PARAM_STACK / 8] = cpu->idle_stack_top;
    params[AP_PARAM_CPU / 8] = (uint64_t)cpu;
    lapic_send_init(cpu->lapic_id);
    delay_us(INIT_DELAY_US);
    lapic_send_startup(cpu->lapic_id, AP_TRAMPOLINE_PADDR / PAGE_SIZE);
    if (!wait_online(cpu, STARTUP_DELAY_US)) {
        // Ignored by an AP that is already on its way.
        lapic_send_startup(cpu->lapic_id, AP_TRAMPOLINE_PADDR / PAGE_SIZE);
    }
    if (wait_online(cpu, ONLINE_TIMEOUT_US)) {
        online++;
    } else {
        kprintf("smp: cpu %u (local APIC %u) did not start\n", cpu->id, cpu->lapic_id);
    }
}

void smp_start_cpus(void)
{
    uint32_t bsp = lapic_id();
    cpus[0].id = 0;
    cpus[0].lapic_id = bsp;
    cpus[0].online = true;
    unsigned n = 1;
    for (unsigned i = 0; have_madt && i < madt.num_cpus && n < CPUS_MAX; i++) {
        if (madt.lapic_ids[i] != bsp) {
            cpus[n] = (struct cpu){
                .id = n,
                .lapic_id = madt.lapic_ids[i],
                .idle_stack_top = (vaddr_t)(ap_stacks[n] + AP_STACK_SIZE),
            };
            n++;
        }
    }
    cpu_set_count(n);

    if (n > 1) {
        size_t size = ap_trampoline_end - ap_trampoline_start;
        kassert(size <= PAGE_SIZE);
        char *page = kmap_p2v(AP_TRAMPOLINE_PADDR);
        memcpy(page, ap_trampoline_start, size);
        uint64_t *params = (uint64_t *)(page + (ap_trampoline_params - ap_trampoline_start));
        params[AP_PARAM_CR3 / 8] = kernel_map_ap_boot_root();
        params[AP_PARAM_ENTRY / 8] = (uint64_t)ap_main;
        for (unsigned i = 1; i < n; i++) {
            start_ap(&cpus[i], params);
        }
    }
    kprintf("smp: %u of %u CPUs online\n", online, n);
}

unsigned smp_cpus_online(void)
{
    return online;
}
