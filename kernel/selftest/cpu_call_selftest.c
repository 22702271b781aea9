#include "kernel/selftest/cpu_call_selftest.h"

#include <stdbool.h>
#include <stddef.h>

#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"

// More than any machine osv starts: room for every CPU's report.
#define REPORT_SLOTS 64

// How many times each CPU ran record. Written by the CPUs running it,
// read by the caller once the call has returned.
static unsigned runs[REPORT_SLOTS];

static void record(void *arg)
{
    (void)arg;
    unsigned self = cpus_current();
    kassert(self < REPORT_SLOTS);
    __atomic_fetch_add(&runs[self], 1, __ATOMIC_RELAXED);
}

static void clear_runs(void)
{
    for (unsigned i = 0; i < REPORT_SLOTS; i++) {
        runs[i] = 0;
    }
}

// True if exactly the CPUs first..last (inclusive) ran record, once each.
static bool ran_exactly_on(unsigned first, unsigned last)
{
    bool ok = true;
    for (unsigned i = 0; i < REPORT_SLOTS; i++) {
        unsigned want = i >= first && i <= last ? 1 : 0;
        unsigned got = __atomic_load_n(&runs[i], __ATOMIC_RELAXED);
        if (got != want) {
            kprintf("selftest cpu_call: FAIL: cpu %u ran the call %u times, not %u\n", i, got,
                    want);
            ok = false;
        }
    }
    return ok;
}

bool cpu_call_selftest(void)
{
    kassert(cpus_current() == 0);
    bool ok = true;

    clear_runs();
    unsigned others = cpus_call_others(record, NULL);
    kprintf("selftest cpu_call: cpus_call_others ran on %u other CPUs\n", others);
    for (unsigned i = 1; i <= others && i < REPORT_SLOTS; i++) {
        kprintf("selftest cpu_call: cpu %u reported %u run\n", i, runs[i]);
    }
    // The CPUs osv starts are numbered without gaps, and every one is online
    // in this test: the others are 1 .. others.
    ok &= ran_exactly_on(1, others);

    clear_runs();
    intr_disable();
    unsigned again = cpus_call_others(record, NULL);
    if (intr_enabled()) {
        kprintf("selftest cpu_call: FAIL: cpus_call_others turned interrupts on\n");
        ok = false;
    }
    intr_enable();
    ok &= again == others && ran_exactly_on(1, others);
    kprintf("selftest cpu_call: with interrupts off, ran on %u other CPUs\n", again);

    for (unsigned cpu = 1; cpu <= others; cpu++) {
        clear_runs();
        cpus_call(cpu, record, NULL);
        if (!ran_exactly_on(cpu, cpu)) {
            ok = false;
        }
    }
    kprintf("selftest cpu_call: cpus_call ran on each of cpus 1..%u alone\n", others);

    // The odd-numbered others, the caller itself and an absent CPU asked for
    // too: only the odd others run it.
    clear_runs();
    cpus_mask_t odd = cpus_mask_of(0) | cpus_mask_of(CPUS_MAX - 1);
    unsigned want = 0;
    for (unsigned cpu = 1; cpu <= others; cpu += 2) {
        odd |= cpus_mask_of(cpu);
        want++;
    }
    unsigned ran = cpus_call_many(odd, record, NULL);
    for (unsigned i = 0; i < REPORT_SLOTS; i++) {
        unsigned got = __atomic_load_n(&runs[i], __ATOMIC_RELAXED);
        if (got != (i % 2 == 1 && i <= others ? 1u : 0u)) {
            kprintf("selftest cpu_call: FAIL: cpus_call_many ran %u times on cpu %u\n", got, i);
            ok = false;
        }
    }
    ok &= ran == want;
    kprintf("selftest cpu_call: cpus_call_many ran on the %u odd-numbered CPUs only\n", ran);
    return ok;
}

static void panic_here(void *arg)
{
    (void)arg;
    panic("selftest cpu_call_panic: cpu %u panics inside a call", cpus_current());
}

_Noreturn void cpu_call_panic_selftest(void)
{
    cpus_call(2, panic_here, NULL);
    panic("selftest cpu_call_panic: the call on cpu 2 returned");
}
