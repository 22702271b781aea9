#pragma once

// The global descriptor table (GDT) and the task-state segment (TSS).
//
// In 64-bit mode segmentation is almost gone: code and data segments only
// carry the privilege level (ring 0 kernel, ring 3 user) and the 64-bit flag;
// bases and limits are ignored. What still matters is the TSS, which tells the
// CPU which stack to switch to when an interrupt or exception arrives:
//
//  - rsp0: the kernel stack used when the CPU was in ring 3. The scheduler
//    points it at the top of the running thread's kernel stack
//    (tss_set_kernel_stack) before that thread returns to user mode.
//  - the interrupt stack table (IST): stacks used for chosen vectors whatever
//    the ring. Double faults and NMIs get their own, so that a kernel stack
//    overflow (a fault that cannot push its frame on the current stack, hence
//    a double fault) still runs a handler that can say what happened.
//
// Selector order. The syscall/sysret instructions do not read the GDT: they
// compute selectors from the STAR MSR, which forces this order:
//
//   index  selector       segment
//   0      0x00           null
//   1      0x08           kernel code   STAR[47:32] = 0x08: syscall loads
//   2      0x10           kernel data     CS = 0x08 and SS = 0x08 + 8 = 0x10
//   3      0x18 (|3)      user data     STAR[63:48] = 0x10: sysret to 64-bit
//   4      0x20 (|3)      user code       loads SS = 0x10 + 8 = 0x18 | 3
//   5, 6   0x28           TSS             and CS = 0x10 + 16 = 0x20 | 3
//
// (user data must sit just below user code, and kernel data just above
// kernel code). The TSS descriptor is 16 bytes long, hence two slots. The
// kernel code and data selectors are the same as the boot GDT's
// (boot_layout.h), so nothing changes for code running across gdt_init.
//
// Each CPU has a GDT and a TSS of its own (and its own IST stacks): ltr
// marks a TSS busy, so two CPUs cannot share one.
//
// Lock rules: gdt_init runs once per CPU, on that CPU, with interrupts off.
// tss_set_kernel_stack changes the calling CPU's TSS; the scheduler calls it
// with interrupts off, around a thread switch.

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA   0x18
#define GDT_USER_CODE   0x20
#define GDT_TSS         0x28

// Requested privilege level 3: or-ed into a selector loaded for user mode.
#define SELECTOR_RPL_USER 3

// Interrupt stack table slots (1..7; 0 means "no IST" in an IDT gate).
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

// Bytes in each IST stack. A handler on one of them prints a report and
// stops the machine; it must not need more.
#define IST_STACK_SIZE 16384

#ifndef __ASSEMBLER__

#include "kernel/addr.h"

// Builds the GDT and TSS of CPU `cpu` (its percpu.h id, < CPUS_MAX), loads
// them (lgdt, ltr) and reloads every segment register: CS with a far return,
// SS/DS/ES with kernel data, FS/GS with the null selector (which clears the
// GS base: percpu_init comes after). Call once on each CPU, first thing,
// with interrupts off. The TSS starts with rsp0 = 0: nothing may enter
// ring 3 before the scheduler has called tss_set_kernel_stack.
void gdt_init(unsigned cpu);

// Sets the stack the CPU switches to when an interrupt or exception arrives
// in ring 3: `top` is one past the highest byte of the current thread's
// kernel stack, 16-byte aligned. Takes effect at the next ring-3 entry on
// the calling CPU. Call with interrupts off, after percpu_init.
void tss_set_kernel_stack(vaddr_t top);

#endif
