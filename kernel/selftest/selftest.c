#include "kernel/selftest/selftest.h"

#include <stddef.h>

#include "arch/interrupts.h"
#include "arch/kmap.h"
#include "arch/machine.h"
#include "arch/page.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/mm_selftest.h"
#include "kernel/panic.h"
#include "kernel/selftest/console_selftest.h"
#include "kernel/selftest/cpu_call_selftest.h"
#include "kernel/selftest/kstack_selftest.h"
#include "kernel/selftest/pipe_selftest.h"
#include "kernel/selftest/sched_selftest.h"
#include "kernel/selftest/tlb_selftest.h"
#include "kernel/timer.h"

// Calls a function that panics, so that the backtrace has a caller to show.
__attribute__((noinline)) static void selftest_panic(const struct boot_info *boot_info)
{
    (void)boot_info;
    panic("selftest panic: panicking on purpose");
}

// Writes to a kernel address that nothing maps, so that the trap handler's
// report for an unexpected kernel page fault appears, and the kernel panics.
//
// The address is the direct map's address for the first physical address
// past the end of the boot memory map: no RAM and no device the firmware
// knows of is there, so the direct map does not cover it.
__attribute__((noinline)) static void selftest_pagefault(const struct boot_info *boot_info)
{
    paddr_t end = 0;
    for (size_t i = 0; i < boot_info->num_mem_ranges; i++) {
        const struct mem_range *r = &boot_info->mem_ranges[i];
        if (r->start + r->length > end) {
            end = r->start + r->length;
        }
    }
    volatile uint64_t *target = kmap_p2v(pg_round_up(end));
    kprintf("selftest pagefault: writing to %p (physical 0x%lx, past the memory map)\n",
            (void *)target, pg_round_up(end));
    *target = 0x5e1f7e57;
    kprintf("selftest pagefault: FAIL: the write did not fault\n");
    machine_shutdown(MACHINE_EXIT_FAILURE);
}

#define SELFTEST_TIMER_TICKS 10

// Waits, with interrupts on, for the timer to tick SELFTEST_TIMER_TICKS
// times. Only that ticks advance is checked: how fast depends on the host's
// load, and a timing assertion would flake. A timer that never fires hangs
// here, and the qemu_test's timeout reports it.
static void selftest_timer(const struct boot_info *boot_info)
{
    (void)boot_info;
    kassert(intr_enabled());
    uint64_t start = timer_ticks();
    kprintf("selftest timer: waiting for %d ticks of the %d Hz timer\n", SELFTEST_TIMER_TICKS,
            TIMER_HZ);
    while (timer_ticks() - start < SELFTEST_TIMER_TICKS) {
        intr_wait();
    }
    kprintf("selftest timer: ticks advanced from %lu to %lu\n", start, timer_ticks());
}

struct selftest {
    const char *name;
    void (*run)(const struct boot_info *boot_info);
};

static void selftest_mm(const struct boot_info *boot_info)
{
    (void)boot_info;
    mm_selftest();
}

static void selftest_threads(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!sched_selftest()) {
        panic("selftest threads: failed");
    }
}

static void selftest_pipe(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!pipe_selftest()) {
        panic("selftest pipe: failed");
    }
}

static void selftest_console(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!console_selftest()) {
        panic("selftest console: failed");
    }
}

static void selftest_cpu_call(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!cpu_call_selftest()) {
        panic("selftest cpu_call: failed");
    }
}

static void selftest_cpu_call_panic(const struct boot_info *boot_info)
{
    (void)boot_info;
    cpu_call_panic_selftest();
}

static void selftest_tlb(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!tlb_selftest()) {
        panic("selftest tlb: failed");
    }
}

static void selftest_kstack(const struct boot_info *boot_info)
{
    (void)boot_info;
    if (!kstack_selftest()) {
        panic("selftest kstack: failed");
    }
}

static void selftest_typing(const struct boot_info *boot_info)
{
    (void)boot_info;
    console_typing();
}

static const struct selftest selftests[] = {
    {"console", selftest_console},
    {"cpu_call", selftest_cpu_call},
    {"cpu_call_panic", selftest_cpu_call_panic},
    {"typing", selftest_typing},
    {"kstack", selftest_kstack},
    {"mm", selftest_mm},
    {"pagefault", selftest_pagefault},
    {"panic", selftest_panic},
    {"pipe", selftest_pipe},
    {"threads", selftest_threads},
    {"timer", selftest_timer},
    {"tlb", selftest_tlb},
};

#define NUM_SELFTESTS (sizeof(selftests) / sizeof(selftests[0]))

void selftest_run(const char *name, const struct boot_info *boot_info)
{
    for (size_t i = 0; i < NUM_SELFTESTS; i++) {
        if (strcmp(name, selftests[i].name) == 0) {
            kprintf("selftest %s: start\n", name);
            selftests[i].run(boot_info);
            kprintf("selftest %s: PASS\n", name);
            return;
        }
    }
    kprintf("selftest: no test named \"%s\"; known:", name);
    for (size_t i = 0; i < NUM_SELFTESTS; i++) {
        kprintf(" %s", selftests[i].name);
    }
    kprintf("\n");
    machine_shutdown(MACHINE_EXIT_FAILURE);
}
