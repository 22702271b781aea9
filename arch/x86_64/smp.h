#pragma once

// Starting the application processors (APs).
//
// At reset only the bootstrap processor (BSP) runs; the others wait in the
// firmware. smp_find_cpus reads the list of processors from the ACPI MADT
// (madt.h) into percpu.h's table. smp_start_cpus then wakes each AP in
// turn with the INIT, startup, startup IPI sequence (SDM vol. 3A, 8.4.4):
// the AP starts in real mode in ap_trampoline.S, reaches long mode on the
// kernel's page tables and runs ap_main with a stack of its own. There it
// loads its own GDT and TSS and the shared IDT, points its GS base at its
// struct cpu, enables its local APIC, programs its system call MSRs, says
// it is online, and idles with interrupts on, answering only cross-CPU
// calls (arch/cpus.h's cpus_call), until the scheduler accepts CPUs
// (kernel/sched.h). Then it starts its timer and runs threads like the BSP
// (sched_run_cpu). An NMI stops it at any point (panic.h: a panic
// elsewhere).
//
// Lock rules: both run once at boot on the BSP with interrupts off; the
// BSP starts one AP at a time and waits for it, so nothing runs
// concurrently with it but that AP's own start.

// Reads the MADT and records the processors (at most CPUS_MAX; the BSP is
// cpus[0]). Without a usable MADT, says so and records the BSP alone. Call
// after lapic_init and before kernel_map_init: the ACPI tables lie in
// firmware-reserved RAM that only the boot page tables surely map.
void smp_find_cpus(void);

// Starts every AP smp_find_cpus recorded and prints how many CPUs are
// online, with one line per AP. An AP that does not report online within a
// second is named and left out of the count. Call after lapic_timer_start
// (timing uses the TSC rate it measured), idt_init, and before pmem takes
// over low memory (the startup code lives at AP_TRAMPOLINE_PADDR).
void smp_start_cpus(void);

// CPUs online: the BSP and every AP that reported.
unsigned smp_cpus_online(void);
