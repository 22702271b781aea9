#pragma once

// What the application processors' startup code (ap_trampoline.S) and smp.c
// share: where the code is copied and the parameters it reads. Plain numbers
// only: included from assembly too.

// The physical page the startup code is copied to: below 1 MiB (a startup
// IPI names a real-mode page), clear of the BIOS data in page 0 and of the
// multiboot information QEMU puts at 0x9000, and unused by the kernel before
// pmem takes over low memory (the processors are started before that).
#define AP_TRAMPOLINE_PADDR 0x7000

// Offsets of the parameters at ap_trampoline_params, each 8 bytes.
#define AP_PARAM_CR3   0   // the page-table root to enable paging with (< 4 GiB)
#define AP_PARAM_STACK 8   // the stack top to run the entry on
#define AP_PARAM_CPU   16  // the struct cpu *, the entry's argument
#define AP_PARAM_ENTRY 24  // the C entry: _Noreturn void entry(struct cpu *)
#define AP_PARAMS_SIZE 32

#ifndef __ASSEMBLER__

// The startup code and its parameter block, at their link addresses.
extern const char ap_trampoline_start[], ap_trampoline_params[], ap_trampoline_end[];

#endif
