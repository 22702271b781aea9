// User mode on x86_64: user frames, system call MSRs, the syscall C entry.

#include "arch/user_mode.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/rflags.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/user_mode_x86.h"
#include "kernel/lib/string.h"
#include "kernel/mm/vm_check.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"

#define MSR_EFER  0xC0000080
#define MSR_STAR  0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define EFER_SCE  (1ull << 0)

// A user frame is the trap frame that traps and syscall_entry.S build.
struct user_frame {
    struct trap_frame tf;
};

// syscall_entry.S
void syscall_entry(void);

void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    // syscall: CS = STAR[47:32], SS = +8. sysret to 64-bit: CS = STAR[63:48]
    // + 16, SS = STAR[63:48] + 8, both with RPL 3 (gdt.h orders the GDT so).
    wrmsr(MSR_STAR, ((uint64_t)GDT_KERNEL_CODE << 32) | ((uint64_t)(GDT_USER_DATA - 8) << 48));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    // Flags cleared on entry: all of them, so that syscall_entry starts with
    // RFLAGS = 0x2 whatever the program set (it gets its own back from %r11
    // at sysret). Listing only the harmful ones would leave the kernel to
    // whatever the list forgot, as it once forgot NT: the kernel went on
    // with the user's NT, and the first iretq after a thread switch raised
    // #GP. Among them:
    //  - IF: interrupts stay off until we are on the kernel stack;
    //  - TF: the CPU decides on a single-step trap after syscall from the
    //    flags syscall leaves, so with TF cleared here none is taken in ring
    //    0 (it would come after syscall_entry's first instruction, with the
    //    user's %rsp still loaded, and the CPU would push its frame there);
    //    the program's single step resumes after sysret, in user mode;
    //  - DF: the C ABI wants it clear at every call;
    //  - NT: iretq with NT set raises #GP in 64-bit mode;
    //  - AC: on a CPU with SMAP it would let the kernel touch user memory
    //    unchecked;
    //  - IOPL, RF: not the program's to give to the kernel (ring 3 cannot
    //    set IOPL; RF would hide an instruction breakpoint at the entry);
    //  - the status flags and ID: no meaning in the kernel, and clearing
    //    them leaves nothing of the program's in RFLAGS.
    wrmsr(MSR_FMASK, RFLAGS_ALL);
}

size_t user_frame_size(void)
{
    return sizeof(struct trap_frame);
}

void user_frame_init(struct user_frame *f, vaddr_t entry, vaddr_t sp)
{
    memset(f, 0, sizeof(*f));
    f->tf.rip = entry;
    f->tf.cs = GDT_USER_CODE | SELECTOR_RPL_USER;
    // Interrupts on, IOPL 0, nothing else. Ring 3 can change neither IF nor
    // IOPL itself, and every later user frame descends from this one (fork
    // copies it, syscall and traps save what the CPU had), so they stay
    // so; trap_check_user_flags checks it at every return.
    f->tf.rflags = RFLAGS_IF | RFLAGS_ONE;
    f->tf.rsp = sp;
    f->tf.ss = GDT_USER_DATA | SELECTOR_RPL_USER;
}

void user_frame_set_return(struct user_frame *f, int64_t value)
{
    f->tf.rax = (uint64_t)value;
}

void user_frame_set_arg(struct user_frame *f, uint64_t value)
{
    f->tf.rdi = value;
}

vaddr_t user_frame_pc(const struct user_frame *f)
{
    return f->tf.rip;
}

// trap_entry.S: restores the frame at %rsp and irets.
void trap_return(void);

_Noreturn void user_mode_enter(struct user_frame *f)
{
    trap_check_user_flags(&f->tf);
    __asm__ volatile("cli; mov %0, %%rsp; jmp trap_return" : : "r"(f) : "memory");
    __builtin_unreachable();
}

void user_mode_set_kernel_stack(vaddr_t top)
{
    tss_set_kernel_stack(top);
    this_cpu()->syscall_kernel_rsp = top;
}

void syscall_trap(struct trap_frame *tf)
{
    trap_check_entry_flags("syscall_trap");
    // On the kernel stack now: interrupts may come in (syscall_entry kept
    // them off only while it switched stacks).
    __asm__ volatile("sti");
    struct syscall_args args = {{tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9}};
    int64_t result = syscall_dispatch(tf->rax, &args);
    // exec replaces the frame and fork's parent keeps its own: either way
    // %rax gets the call's result (exec's is 0 and unseen).
    tf->rax = (uint64_t)result;
    proc_on_return_to_user();
    sched_rest_point("a system call");
    trap_check_user_flags(tf);
    __asm__ volatile("cli");
}
