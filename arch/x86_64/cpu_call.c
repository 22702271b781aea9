// arch/cpus.h's cross-CPU calls on x86_64 (cpu_call.h).

#include "arch/x86_64/cpu_call.h"

#include <stdbool.h>
#include <stddef.h>

#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vectors.h"
#include "kernel/panic.h"

_Static_assert(CPUS_MAX <= 64, "a cpus_mask_t has a bit for every CPU");

struct cpu_call {
    cpus_call_fn *fn;
    void *arg;
    unsigned pending;  // atomic: targets that have not finished fn yet
};

// Runs the call in this CPU's mailbox, if there is one. Interrupts off.
static void serve_mailbox(void)
{
    struct cpu_call *call = __atomic_exchange_n(&this_cpu()->call, NULL, __ATOMIC_ACQUIRE);
    if (call != NULL) {
        call->fn(call->arg);
        __atomic_fetch_sub(&call->pending, 1, __ATOMIC_RELEASE);
    }
}

void cpus_call_poll(void)
{
    serve_mailbox();
}

void cpu_call_interrupt(void)
{
    // EOI first: a call posted while this one runs raises the vector again,
    // and the local APIC delivers it once this handler returns.
    lapic_eoi();
    serve_mailbox();
}

// Posts `call` in `target`'s mailbox, once that is empty, and interrupts it.
// Interrupts off.
static void post(struct cpu *target, struct cpu_call *call)
{
    struct cpu_call *empty = NULL;
    while (!__atomic_compare_exchange_n(&target->call, &empty, call, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED)) {
        empty = NULL;
        serve_mailbox();
        cpu_relax();
    }
    lapic_send_ipi(target->lapic_id, VECTOR_CPU_CALL);
}

static void wait_done(struct cpu_call *call)
{
    while (__atomic_load_n(&call->pending, __ATOMIC_ACQUIRE) != 0) {
        serve_mailbox();
        cpu_relax();
    }
}

static bool is_other_online(unsigned cpu, unsigned self)
{
    return cpu < cpu_count() && cpu != self && __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
}

void cpus_call(unsigned cpu, cpus_call_fn *fn, void *arg)
{
    bool was_enabled = intr_enabled();
    intr_disable();
    unsigned self = this_cpu()->id;
    if (!is_other_online(cpu, self)) {
        panic("cpus_call: cpu %u is not another online CPU (the caller is cpu %u)", cpu, self);
    }
    struct cpu_call call = {.fn = fn, .arg = arg, .pending = 1};
    post(&cpus[cpu], &call);
    wait_done(&call);
    if (was_enabled) {
        intr_enable();
    }
}

unsigned cpus_call_many(cpus_mask_t targets, cpus_call_fn *fn, void *arg)
{
    bool was_enabled = intr_enabled();
    intr_disable();
    unsigned self = this_cpu()->id;
    struct cpu *chosen[CPUS_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < cpu_count(); i++) {
        if ((targets & cpus_mask_of(i)) != 0 && is_other_online(i, self)) {
            chosen[n++] = &cpus[i];
        }
    }
    // Every target counted before the first is posted, or the count could
    // reach 0 while some were still to come.
    struct cpu_call call = {.fn = fn, .arg = arg, .pending = n};
    for (unsigned i = 0; i < n; i++) {
        post(chosen[i], &call);
    }
    wait_done(&call);
    if (was_enabled) {
        intr_enable();
    }
    return n;
}

unsigned cpus_call_others(cpus_call_fn *fn, void *arg)
{
    return cpus_call_many(~(cpus_mask_t)0, fn, arg);
}

void cpus_kick(unsigned cpu)
{
    bool was_enabled = intr_enabled();
    intr_disable();
    unsigned self = this_cpu()->id;
    if (!is_other_online(cpu, self)) {
        panic("cpus_kick: cpu %u is not another online CPU (the caller is cpu %u)", cpu, self);
    }
    lapic_send_ipi(cpus[cpu].lapic_id, VECTOR_KICK);
    if (was_enabled) {
        intr_enable();
    }
}

void cpu_kick_interrupt(void)
{
    lapic_eoi();
}
