#pragma once

// The worker's model of its own memory, and the objects in it that the
// fuzzed calls' pointers aim at.
//
// The model: text and rodata from USER_REGION_MIN, then data and bss (the
// writable segment, found in our own ELF file), then the heap up to the
// break rounded up to a page, all one run of mapped pages; the stack's
// pages below USTACK_UPPERBOUND, mapped on demand; nothing else in the
// user half (kernel/user_layout.h). The kernel half and non-canonical
// addresses are never the user's.

#include <stdint.h>

#include "arch/page.h"
#include "kernel/user_layout.h"

// The lowest stack page, and the end of the heap's room: the break may not
// reach into the stack's guard gap.
#define STACK_LO   (USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE)
#define HEAP_LIMIT (STACK_LO - USTACK_GUARD_PAGES * PAGE_SIZE)

// Addresses no user access may reach. No ABI header names them: the first
// two are where the kernel lies (the direct map at the bottom of the
// kernel half, arch/x86_64/direct_map.h; the kernel's text, at its link
// address), the third the lowest non-canonical address (bit 47 set, bits
// 48-63 clear), a fact of x86_64.
#define KERNEL_HALF  0xffff800000000000ull
#define KERNEL_TEXT  0xffffffff80000000ull
#define NONCANONICAL 0x0000800000000000ull

extern uint64_t heap_start;  // the break when main began
extern uint64_t data_start;  // the writable segment
extern uint64_t data_end;    // == heap_start
extern uint64_t brk_now;     // the worker's break, as the model has it

// The end of the heap's mapped pages.
uint64_t heap_top(void);

// A user address, and how many bytes from it on a user access could read
// and write (0: the first byte already fails). kind says what it is.
struct uptr {
    uint64_t addr;
    uint64_t rd, wr;
    const char *kind;
};

// What the model says of addr.
struct uptr at(uint64_t addr, const char *kind);

// Bytes at p up to a NUL, as the kernel's copyinstr sees them: 0 and *len
// (a string of *len bytes), ERR_TOOLONG (no NUL in max bytes) or ERR_FAULT
// (the memory ends first). Reads our own memory where the model says it
// is readable.
int64_t string_at(struct uptr p, uint64_t max, uint64_t *len);

// Sets data_start and data_end from our own ELF file ("sysfuzz" in the
// initrd), given heap_start. Prints a FAIL line and exits 1 if the file
// does not agree with where scratch and the heap are.
void read_layout(void);

// Big scratch areas in bss: path strings, argv arrays and their strings,
// buffers for the kernel to read and write.
extern char scratch[4 * PAGE_SIZE];
extern uint64_t argv_buf[48];
extern char argstr_buf[3 * PAGE_SIZE];

// Targets in memory the worker may read but not write: rodata, and a
// routine in text that children write to (it stays intact in the worker).
extern const char rodata_block[64];
int text_target(int x);

// 0, which the compiler cannot see.
extern volatile uint64_t volatile_zero;

// 1 KiB in the worker's outermost frame.
extern char *stack_scratch;
