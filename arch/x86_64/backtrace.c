// Frame-pointer backtraces on x86_64. See arch/backtrace.h.
//
// Every function compiled for osv starts with `push %rbp; mov %rsp, %rbp`, so
// %rbp points at a two-word record on the stack:
//
//     frame + 8   return address into the caller
//     frame + 0   the caller's %rbp  -->  the caller's record, higher up
//
// The chain ends with a frame pointer of 0: boot.S clears %rbp before the
// first C call, and trap entry clears it before calling a handler (so a
// backtrace taken in a handler stops at the trap; the interrupted code's
// chain is printed from its trap frame).
//
// A record is read only when that cannot fault: the frame pointer must be
// 8-byte aligned and the record must lie where kernel stacks live and memory
// is always mapped -- the kernel image's data and bss (boot and IST stacks)
// or the direct map of RAM (stacks made from physical pages). Each record
// must also lie above the previous one (stacks grow down, callers' records
// are higher) by less than MAX_FRAME_BYTES, and each return address must be
// in the kernel's text. The first rule broken ends the walk, with the reason.

#include "arch/backtrace.h"

#include <stdbool.h>
#include <stddef.h>

#include "arch/x86_64/direct_map.h"
#include "arch/x86_64/kstack_x86.h"
#include "kernel/kprintf.h"

#define MAX_FRAMES      32
#define MAX_FRAME_BYTES (64 * 1024)

// Where the kernel's ELF with symbols is after `bazel build //:kernel`.
#define KERNEL_ELF "bazel-bin/arch/x86_64/kernel.elf"

// From kernel.ld.
extern const char kernel_text_start[], kernel_text_end[];
extern const char kernel_data_start[], kernel_end[];

static bool within(uintptr_t addr, size_t size, uintptr_t start, uintptr_t end)
{
    return addr >= start && addr <= end && size <= end - addr;
}

static bool record_readable(uintptr_t frame)
{
    const size_t record = 2 * sizeof(uintptr_t);
    if (frame % sizeof(uintptr_t) != 0) {
        return false;
    }
    return within(frame, record, (uintptr_t)kernel_data_start, (uintptr_t)kernel_end) ||
           within(frame, record, DIRECT_MAP_BASE, DIRECT_MAP_BASE + DIRECT_MAP_SIZE) ||
           kstack_contains(frame, record);
}

static bool in_kernel_text(uintptr_t addr)
{
    return addr >= (uintptr_t)kernel_text_start && addr < (uintptr_t)kernel_text_end;
}

void backtrace_print(uintptr_t pc, const void *frame)
{
    uintptr_t addrs[MAX_FRAMES];
    size_t n = 0;
    const char *stop = NULL;  // why the walk ended early, about `culprit`
    uintptr_t culprit = 0;

    if (pc != 0) {
        addrs[n++] = pc;
    }
    uintptr_t fp = (uintptr_t)frame;
    uintptr_t prev = 0;
    while (fp != 0) {
        culprit = fp;
        if (n == MAX_FRAMES) {
            stop = "more frames, not shown, from frame";
            break;
        }
        if (!record_readable(fp)) {
            stop = "frame pointer outside the kernel's stacks";
            break;
        }
        if (prev != 0 && (fp <= prev || fp - prev > MAX_FRAME_BYTES)) {
            stop = "frame pointer out of order";
            break;
        }
        const uintptr_t *record = (const uintptr_t *)fp;
        uintptr_t ret = record[1];
        if (!in_kernel_text(ret)) {
            stop = "return address outside the kernel's text";
            culprit = ret;
            break;
        }
        // ret - 1 lies inside the call instruction, so a symbolizer names the
        // line of the call itself. The return address can be past the end of
        // the calling function when the callee never returns (panic), and
        // would then be named after whatever follows it.
        addrs[n++] = ret - 1;
        prev = fp;
        fp = record[0];
    }

    kprintf("backtrace (most recent call first):\n");
    for (size_t i = 0; i < n; i++) {
        kprintf("  #%-2lu 0x%016lx\n", i, addrs[i]);
    }
    if (stop != NULL) {
        kprintf("  (stopped: %s 0x%016lx)\n", stop, culprit);
    } else {
        kprintf("  (end of the frame chain)\n");
    }
    if (n == 0) {
        return;
    }
    kprintf("symbolize: llvm-symbolizer-19 --obj=" KERNEL_ELF);
    for (size_t i = 0; i < n; i++) {
        kprintf(" 0x%lx", addrs[i]);
    }
    kprintf("\n       or: addr2line -fip -e " KERNEL_ELF " <addresses>\n");
}
