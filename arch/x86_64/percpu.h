#pragma once

// Per-CPU state: one struct cpu for each processor osv runs on.
//
// Each CPU finds its own struct through its GS base register: the struct's
// first field points to itself, so this_cpu() is a single load from %gs:0.
// User mode has a GS base of its own (0 unless a program changes it):
// every entry from ring 3 (trap_entry.S, syscall_entry.S) swaps the two with
// swapgs, and every return to ring 3 swaps them back, so kernel code always
// sees its own. NMI and double-fault handlers may run between a swapgs and
// the return to ring 3, with the user's GS base loaded: they must not use
// this_cpu() (cpu_current_by_lapic() is safe anywhere).
//
// Lock rules: a struct cpu is written by its own CPU, except that the
// bootstrap processor fills in id, lapic_id and the stack before starting an
// application processor; `online` is written once with release order and
// read with acquire order; `call` is exchanged atomically by any CPU
// (cpu_call.c).

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpus.h"
#include "arch/x86_64/percpu_asm.h"
#include "kernel/addr.h"

struct cpu_call;

// The first three fields are read by assembly at the offsets percpu_asm.h
// gives.
struct cpu {
    struct cpu *self;            // this struct: what this_cpu() reads through %gs:0
    vaddr_t syscall_kernel_rsp;  // top of the running thread's kernel stack
    uint64_t syscall_user_rsp;   // scratch for syscall_entry.S, interrupts off
    unsigned id;                 // 0 for the bootstrap processor, then 1, 2, ...
    uint32_t lapic_id;           // the local APIC ID, to address interrupts to it
    struct cpu_local local;      // portable code's per-CPU state (arch/cpus.h)
    struct cpu_call *call;       // atomic: a call waiting to run here (cpu_call.h)
    vaddr_t idle_stack_top;      // application processors: the stack they start on
    bool online;                 // set by the CPU itself once it runs kernel code
};

// All CPUs, indexed by id. Entries past cpu_count() are unused.
extern struct cpu cpus[CPUS_MAX];

// Processors found at boot (started or not): ids 0 .. cpu_count() - 1.
unsigned cpu_count(void);

// Records that the machine has `count` processors (1 .. CPUS_MAX).
void cpu_set_count(unsigned count);

// Points this CPU's GS base at `cpu` (and the user GS base at 0). Call once
// per CPU with interrupts off, after gdt_init (loading a segment selector
// into GS clears its base).
void percpu_init(struct cpu *cpu);

// The running CPU's struct. Interrupts (or preemption, once threads move
// between CPUs) must be off, or the answer may be stale when used.
static inline struct cpu *this_cpu(void)
{
    struct cpu *cpu;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
    return cpu;
}

// The running CPU's struct, found by its local APIC ID rather than GS: safe
// in any handler, at any moment (see above). NULL for a CPU osv did not
// start. Slower: a device register read and a search.
struct cpu *cpu_current_by_lapic(void);
