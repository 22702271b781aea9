// Trap dispatch, and the report printed for exceptions nobody handles.
// See trap.h.

#include "arch/x86_64/trap.h"

#include <stddef.h>

#include "arch/backtrace.h"
#include "arch/cpus.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_call.h"
#include "arch/x86_64/cpu_stop.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/rflags.h"
#include "arch/x86_64/serial_input.h"
#include "kernel/addr.h"
#include "kernel/kprintf.h"
#include "kernel/mm/vm_check.h"
#include "kernel/mm/vm_view.h"
#include "kernel/panic.h"
#include "kernel/pgfault.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/timer.h"

#define CHECK_OFFSET(field, offset)                                                                \
    _Static_assert(offsetof(struct trap_frame, field) == (offset),                                 \
                   "trap_entry.S and struct trap_frame disagree on " #field)
CHECK_OFFSET(rax, TF_RAX);
CHECK_OFFSET(rbx, TF_RBX);
CHECK_OFFSET(rcx, TF_RCX);
CHECK_OFFSET(rdx, TF_RDX);
CHECK_OFFSET(rsi, TF_RSI);
CHECK_OFFSET(rdi, TF_RDI);
CHECK_OFFSET(rbp, TF_RBP);
CHECK_OFFSET(r8, TF_R8);
CHECK_OFFSET(r9, TF_R9);
CHECK_OFFSET(r10, TF_R10);
CHECK_OFFSET(r11, TF_R11);
CHECK_OFFSET(r12, TF_R12);
CHECK_OFFSET(r13, TF_R13);
CHECK_OFFSET(r14, TF_R14);
CHECK_OFFSET(r15, TF_R15);
CHECK_OFFSET(vector, TF_VECTOR);
CHECK_OFFSET(error_code, TF_ERROR_CODE);
CHECK_OFFSET(rip, TF_RIP);
CHECK_OFFSET(cs, TF_CS);
CHECK_OFFSET(rflags, TF_RFLAGS);
CHECK_OFFSET(rsp, TF_RSP);
CHECK_OFFSET(ss, TF_SS);
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame size");
_Static_assert(TF_SIZE % 16 == 0, "trap frames keep the stack 16-byte aligned");

// Error codes of #TS, #NP, #SS and #GP name a segment selector (SDM vol.
// 3A, 6.13).
#define SEL_EXTERNAL (1u << 0)  // raised by an external event
#define SEL_IDT      (1u << 1)  // the index is into the IDT
#define SEL_LDT      (1u << 2)  // ...else the LDT if set, else the GDT

// Mnemonic and name of each exception (SDM vol. 3A, table 6-1).
static const struct {
    const char *mnemonic;
    const char *name;
} exceptions[VECTOR_NUM_EXCEPTIONS] = {
    [0] = {"#DE", "divide error"},
    [1] = {"#DB", "debug"},
    [2] = {"NMI", "non-maskable interrupt"},
    [3] = {"#BP", "breakpoint"},
    [4] = {"#OF", "overflow"},
    [5] = {"#BR", "bound range exceeded"},
    [6] = {"#UD", "invalid opcode"},
    [7] = {"#NM", "device not available"},
    [8] = {"#DF", "double fault"},
    [9] = {"#CSO", "coprocessor segment overrun"},
    [10] = {"#TS", "invalid TSS"},
    [11] = {"#NP", "segment not present"},
    [12] = {"#SS", "stack-segment fault"},
    [13] = {"#GP", "general protection"},
    [14] = {"#PF", "page fault"},
    [15] = {"#15", "reserved"},
    [16] = {"#MF", "x87 floating-point error"},
    [17] = {"#AC", "alignment check"},
    [18] = {"#MC", "machine check"},
    [19] = {"#XM", "SIMD floating-point exception"},
    [20] = {"#VE", "virtualization exception"},
    [21] = {"#CP", "control protection"},
    [22] = {"#22", "reserved"},
    [23] = {"#23", "reserved"},
    [24] = {"#24", "reserved"},
    [25] = {"#25", "reserved"},
    [26] = {"#26", "reserved"},
    [27] = {"#27", "reserved"},
    [28] = {"#HV", "hypervisor injection"},
    [29] = {"#VC", "VMM communication"},
    [30] = {"#SX", "security exception"},
    [31] = {"#31", "reserved"},
};

static void print_error_code(const struct trap_frame *tf)
{
    uint64_t err = tf->error_code;
    kprintf("  error code 0x%lx", err);
    switch (tf->vector) {
    case VECTOR_PAGE_FAULT:
        kprintf(": %s, %s, %s mode%s%s\n",
                err & PF_PRESENT ? "protection violation" : "not present",
                err & PF_WRITE ? "write" : "read", err & PF_USER ? "user" : "kernel",
                err & PF_RESERVED ? ", reserved bit set in a paging entry" : "",
                err & PF_FETCH ? ", instruction fetch" : "");
        break;
    case 10:
    case 11:
    case 12:
    case 13:
        if (err == 0) {
            kprintf(" (no selector involved)\n");
        } else {
            kprintf(": selector index %lu in the %s%s\n", (err >> 3) & 0x1FFF,
                    err & SEL_IDT ? "IDT" : (err & SEL_LDT ? "LDT" : "GDT"),
                    err & SEL_EXTERNAL ? ", external event" : "");
        }
        break;
    default:
        kprintf("\n");
        break;
    }
}

static void print_registers(const struct trap_frame *tf)
{
    kprintf("  rip 0x%016lx  cs 0x%04lx  rflags 0x%08lx (interrupts %s)\n", tf->rip, tf->cs,
            tf->rflags, tf->rflags & RFLAGS_IF ? "on" : "off");
    kprintf("  rsp 0x%016lx  ss 0x%04lx\n", tf->rsp, tf->ss);
    kprintf("  rax 0x%016lx  rbx 0x%016lx  rcx 0x%016lx\n", tf->rax, tf->rbx, tf->rcx);
    kprintf("  rdx 0x%016lx  rsi 0x%016lx  rdi 0x%016lx\n", tf->rdx, tf->rsi, tf->rdi);
    kprintf("  rbp 0x%016lx  r8  0x%016lx  r9  0x%016lx\n", tf->rbp, tf->r8, tf->r9);
    kprintf("  r10 0x%016lx  r11 0x%016lx  r12 0x%016lx\n", tf->r10, tf->r11, tf->r12);
    kprintf("  r13 0x%016lx  r14 0x%016lx  r15 0x%016lx\n", tf->r13, tf->r14, tf->r15);
}

// Everything known about an exception: what, where, the registers, and the
// interrupted code's backtrace. `fault_addr` is CR2, read at entry; it is
// printed for page faults only (for anything else CR2 is stale).
static void report_exception(const struct trap_frame *tf, vaddr_t fault_addr)
{
    kprintf("\ntrap: %s %s (vector %lu) in %s mode\n", exceptions[tf->vector].mnemonic,
            exceptions[tf->vector].name, tf->vector, trap_from_user(tf) ? "user" : "kernel");
    print_error_code(tf);
    if (tf->vector == VECTOR_PAGE_FAULT) {
        kprintf("  cr2 0x%016lx (the address that faulted)\n", fault_addr);
    }
    kprintf("  cr3 0x%016lx (the page table in use)\n", read_cr3());
    if (tf->vector == VECTOR_DOUBLE_FAULT) {
        kprintf("  A double fault in the kernel is most often a kernel stack overflow: the CPU\n"
                "  could not push the frame of another exception. See rsp.\n");
    }
    print_registers(tf);
    backtrace_print(tf->rip, (const void *)tf->rbp);
}

// An exception in kernel mode that nothing handles: a kernel bug.
_Noreturn static void kernel_exception(const struct trap_frame *tf, vaddr_t fault_addr)
{
    report_exception(tf, fault_addr);
    panic("unexpected %s (%s) in kernel mode at rip 0x%lx", exceptions[tf->vector].mnemonic,
          exceptions[tf->vector].name, tf->rip);
}

// An exception raised in ring 3 other than a page fault it can serve: the
// program did something no program may (divide by zero, an invalid opcode, a
// general protection fault such as touching a non-canonical address). It
// ends that process with a one-line reason; the kernel goes on.
_Noreturn static void user_exception(const char *reason, vaddr_t addr)
{
    proc_kill_current(reason, addr);
}

// Vector 14. The x86 decoding ends here: the portable page-fault handler
// takes exactly these four facts and returns a verdict, applied here.
static void page_fault(struct trap_frame *tf)
{
    // CR2 first, before anything else can fault and overwrite it. Interrupts
    // are off (interrupt gate), so no handler runs in between.
    vaddr_t fault_addr = read_cr2();
    bool present = (tf->error_code & PF_PRESENT) != 0;
    bool write = (tf->error_code & PF_WRITE) != 0;
    bool user = trap_from_user(tf);

    // A user fault changes the address space: under its lock (kernel/mm/vm.h).
    struct addrspace *as = user ? as_current() : NULL;
    if (as != NULL) {
        sleeplock_acquire(&as->lock);
    }
    enum fault_verdict verdict = handle_page_fault(fault_addr, present, write, user);
    if (as != NULL) {
        sleeplock_release(&as->lock);
    }
    if (verdict == FAULT_RESOLVED) {
        return;
    }
    if (verdict == FAULT_KERNEL_BUG) {
        kernel_exception(tf, fault_addr);
    }
    // After the one-line reason, the address space around the address, so
    // that the console shows why (the regions, the pages next to it).
    proc_kill_current_explained(fault_reason(verdict), fault_addr, vm_view_report_fault);
}

static void dispatch(struct trap_frame *tf)
{
    uint64_t vector = tf->vector;

    if (vector == VECTOR_PAGE_FAULT) {
        page_fault(tf);
        return;
    }
    if (vector == VECTOR_NMI && cpu_stop_requested()) {
        cpu_stop_here();  // another CPU panicked
    }
    if (vector < VECTOR_NUM_EXCEPTIONS) {
        if (trap_from_user(tf)) {
            user_exception(exceptions[vector].name, tf->rip);
        }
        kernel_exception(tf, 0);
    }
    if (vector == VECTOR_TIMER) {
        // Acknowledge first: the scheduler may switch to another thread
        // before this handler returns, and until the EOI the local APIC holds
        // back further timer interrupts.
        lapic_eoi();
        if (cpus_current() == 0) {
            timer_interrupt();  // every CPU has a timer; the clock counts one
        }
        sched_tick();
        sched_preempt(!trap_from_user(tf));
        return;
    }
    if (vector == VECTOR_CPU_CALL) {
        cpu_call_interrupt();
        return;
    }
    if (vector == VECTOR_KICK) {
        cpu_kick_interrupt();
        sched_kicked(trap_from_user(tf));  // perhaps a rest point's rendezvous
        return;
    }
    if (vector == VECTOR_COM1) {
        serial_input_interrupt();
        lapic_eoi();
        return;
    }
    if (vector == VECTOR_SPURIOUS) {
        // The local APIC withdrew an interrupt it had signalled. Nothing is
        // in service, so no EOI (SDM vol. 3A, 10.9).
        return;
    }
    if (vector == VECTOR_PIC_BASE + 7 || vector == VECTOR_PIC_BASE + 15) {
        // A spurious interrupt from the 8259s (a line raised and dropped
        // before the CPU acknowledged it, e.g. one raised just as pic_disable
        // masked it) arrives as IRQ 7 or 15. It sets no in-service bit: no
        // EOI, nothing to do.
        return;
    }
    panic("unexpected interrupt: vector %lu (0x%lx) at rip 0x%lx", vector, vector, tf->rip);
}

void trap_check_entry_flags(const char *entry)
{
    uint64_t rflags = rflags_read();
    if ((rflags & (RFLAGS_KERNEL_FORBIDDEN | RFLAGS_IF)) != 0) {
        panic("%s: entered with rflags 0x%lx (0x%lx must be clear)", entry, rflags,
              (uint64_t)(RFLAGS_KERNEL_FORBIDDEN | RFLAGS_IF));
    }
}

void trap_check_user_flags(const struct trap_frame *tf)
{
    if ((tf->rflags & (RFLAGS_IF | RFLAGS_IOPL | RFLAGS_VM)) != RFLAGS_IF) {
        panic("return to user mode with rflags 0x%lx (want IF set, IOPL 0)", tf->rflags);
    }
}

// Kernel code interrupted by a trap ran with the flags the frame holds:
// none of the forbidden ones either. (RF aside: the CPU sets it in the
// frame of a fault, so that iretq does not take an instruction breakpoint
// twice.)
static void check_interrupted_kernel_flags(const struct trap_frame *tf)
{
    const uint64_t forbidden = RFLAGS_KERNEL_FORBIDDEN & ~(uint64_t)RFLAGS_RF;
    if ((tf->rflags & forbidden) != 0) {
        panic("kernel code at rip 0x%lx ran with rflags 0x%lx (0x%lx must be clear)", tf->rip,
              tf->rflags, forbidden);
    }
}

void trap_dispatch(struct trap_frame *tf)
{
    trap_check_entry_flags("trap_dispatch");
    if (!trap_from_user(tf)) {
        check_interrupted_kernel_flags(tf);
    }
    dispatch(tf);
    if (trap_from_user(tf)) {
        proc_on_return_to_user();
        if (tf->vector == VECTOR_PAGE_FAULT) {
            // Not after other traps: a check can outlast a timer tick, and
            // checking on every tick would then leave no time for anything.
            sched_rest_point("a page fault");
        }
        trap_check_user_flags(tf);
    }
}
