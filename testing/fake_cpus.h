#pragma once

// The host's CPUs (arch/cpus.h): as many as a test asks for, 1 to
// kFakeCpusMax, each with its own struct cpu_local and, in the fake MMU
// (testing/fake_mmu.h), its own loaded page table and TLB.
//
// One CPU runs at a time: the test says which (fake_cpus_set_current), and
// cpus_current() answers it until the test names another. A cross-CPU call
// (cpus_call, cpus_call_many, cpus_call_others) runs its function at once,
// as the target: the target becomes the current CPU for the call's
// duration, then the caller is again. So code that flushes other CPUs' TLBs
// by calls (arch/x86_64/tlb.c) does so on the host exactly as on the
// machine, only without the interrupts.

// The most CPUs a test can have.
constexpr unsigned kFakeCpusMax = 8;

// One CPU, number 0, running; calls are delivered. (Each CPU's struct
// cpu_local is left as it is: its counts are back at 0 whenever nothing is
// half done.)
void fake_cpus_reset();

// The machine has `count` CPUs (1 .. kFakeCpusMax) from now on. The current
// CPU must be one of them.
void fake_cpus_set_count(unsigned count);
unsigned fake_cpus_count();

// From now on the code runs as CPU `cpu` (below the count).
void fake_cpus_set_current(unsigned cpu);

// Fault injection, for tests of bug finders: while set, a cross-CPU call
// returns (and counts its targets) without running the function anywhere,
// as if its interrupts were lost. A TLB shootdown then reaches only the
// CPU that makes it.
void fake_cpus_lose_calls(bool lose);
