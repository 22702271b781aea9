#include "arch/x86_64/lapic.h"

#include "arch/cycles.h"

#include <stdint.h>

#include "arch/kmap.h"
#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/vectors.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"

#define MSR_APIC_BASE       0x1B
#define APIC_BASE_ENABLE    (1ull << 11)  // global enable
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define CPUID_FEATURES      1
#define CPUID_EDX_APIC      (1u << 9)

// Register offsets (SDM vol. 3A, table 10-1). Every register is 32 bits wide
// on a 16-byte boundary and must be accessed as one 32-bit load or store.
#define LAPIC_ID            0x020  // bits 24..31: this local APIC's ID
#define LAPIC_TPR           0x080  // task priority
#define LAPIC_EOI           0x0B0
#define LAPIC_SVR           0x0F0  // spurious-interrupt vector
#define LAPIC_ICR_LOW       0x300  // interrupt command: writing it sends
#define LAPIC_ICR_HIGH      0x310  // bits 24..31: destination APIC ID
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3E0

#define SVR_ENABLE         (1u << 8)  // APIC software enable
#define LVT_MASKED         (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)  // else one-shot
#define ICR_NMI            (4u << 8)   // delivery modes
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_PENDING        (1u << 12)  // delivery status: not yet sent
#define ICR_ASSERT         (1u << 14)  // level: assert (all but INIT deassert)
#define ICR_ALL_BUT_SELF   (3u << 18)  // destination shorthand
#define TIMER_DIVIDE_BY_16 0x3
#define TIMER_DIVISOR      16

// Calibration: rounds of CALIBRATION_PIT_TICKS PIT ticks (10.0 ms) each.
// The local APIC counter and the TSC are read right after the PIT countdown
// starts and right after it is seen to end. Anything that delays noticing
// the end (under QEMU, the host descheduling the emulator) makes a round
// long, never short: measured under TCG, the median came out up to 25% (once
// 96%) fast on a loaded host. So the shortest round is the truest one.
#define CALIBRATION_PIT_TICKS (PIT_HZ / 100)
#define CALIBRATION_ROUNDS    5

static volatile uint32_t *lapic;

static uint32_t lapic_read(uint32_t reg)
{
    return lapic[reg / sizeof(uint32_t)];
}

static void lapic_write(uint32_t reg, uint32_t value)
{
    lapic[reg / sizeof(uint32_t)] = value;
}

void lapic_init(void)
{
    if ((cpuid(CPUID_FEATURES).edx & CPUID_EDX_APIC) == 0) {
        panic("lapic: this CPU has no local APIC");
    }
    uint64_t base = rdmsr(MSR_APIC_BASE);
    paddr_t paddr = base & APIC_BASE_ADDR_MASK;
    if (paddr < DEVICE_WINDOW_START || paddr + 4096 > DEVICE_WINDOW_END) {
        panic("lapic: registers at physical 0x%lx, outside the mapped device window", paddr);
    }
    if ((base & APIC_BASE_ENABLE) == 0) {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    }
    lapic = kmap_p2v(paddr);

    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

// The time-stamp counter's rate, measured alongside the timer's, and the
// timer's initial count for one tick: measured once, on the bootstrap
// processor, and used by every CPU (they share the bus clock).
static uint64_t tsc_hz;
static uint32_t tick_period;

// Local APIC counts (at bus clock / TIMER_DIVISOR) during one PIT countdown;
// the TSC's advance over the same countdown goes to *tsc_delta.
static uint32_t calibration_round(uint64_t *tsc_delta)
{
    lapic_write(LAPIC_TIMER_INITIAL, UINT32_MAX);  // one-shot, masked: just counts
    pit_oneshot_start(CALIBRATION_PIT_TICKS);
    uint32_t start = lapic_read(LAPIC_TIMER_CURRENT);
    uint64_t tsc_start = rdtsc();
    while (!pit_oneshot_done()) {
        cpu_relax();
    }
    uint32_t end = lapic_read(LAPIC_TIMER_CURRENT);
    *tsc_delta = rdtsc() - tsc_start;
    lapic_write(LAPIC_TIMER_INITIAL, 0);  // stop
    return start - end;
}

static uint64_t minimum(const uint64_t *values, int n)
{
    uint64_t least = values[0];
    for (int i = 1; i < n; i++) {
        least = values[i] < least ? values[i] : least;
    }
    return least;
}

void lapic_timer_start(unsigned hz)
{
    kassert(hz > 0);
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);

    uint64_t rounds[CALIBRATION_ROUNDS];
    uint64_t tsc_rounds[CALIBRATION_ROUNDS];
    for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
        rounds[i] = calibration_round(&tsc_rounds[i]);
    }
    uint64_t counts = minimum(rounds, CALIBRATION_ROUNDS);
    tsc_hz = minimum(tsc_rounds, CALIBRATION_ROUNDS) * PIT_HZ / CALIBRATION_PIT_TICKS;
    uint64_t counts_per_second = counts * PIT_HZ / CALIBRATION_PIT_TICKS;
    uint64_t period = counts_per_second / hz;
    if (period == 0 || period > UINT32_MAX) {
        panic("lapic: timer calibration failed: %lu counts in %d PIT ticks", counts,
              CALIBRATION_PIT_TICKS);
    }

    tick_period = (uint32_t)period;
    lapic_timer_resume();
    kprintf("lapic: timer at %u Hz, %lu counts per tick (bus clock %lu kHz / %d, calibrated "
            "against PIT channel 2); TSC at %lu kHz\n",
            hz, period, counts_per_second * TIMER_DIVISOR / 1000, TIMER_DIVISOR, tsc_hz / 1000);
}

void lapic_timer_resume(void)
{
    kassert(tick_period != 0);
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, tick_period);
}

uint64_t cycles_per_second(void)
{
    return tsc_hz;
}

uint64_t cycles_now(void)
{
    return rdtsc();
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

// Writes the ICR and waits until the local APIC has sent the IPI: a second
// IPI written before that would be lost.
static void send_ipi(uint32_t apic_id, uint32_t command)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, command);
    while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING) {
        cpu_relax();
    }
}

void lapic_send_init(uint32_t apic_id)
{
    send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
    send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    send_ipi(apic_id, ICR_ASSERT | vector);  // delivery mode 0: fixed
}

void lapic_send_nmi_to_others(void)
{
    send_ipi(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}
