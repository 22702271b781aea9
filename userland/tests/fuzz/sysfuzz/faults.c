// Children that fault on purpose (faults.h). The kinds are numbered in the
// order of fault_names: a round replays only if the numbering stays.

#include "userland/tests/fuzz/sysfuzz/faults.h"

#include <osv.h>
#include <stddef.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"

static void recurse(volatile char *prev)
{
    volatile char frame[1024];
    frame[0] = prev != NULL ? prev[0] : 1;
    if (volatile_zero == 0) {
        recurse(frame);
    }
    frame[1] = frame[0];  // after the call: no tail call, every frame stays
}

static void (*volatile null_function)(void);
// A `ret`, in a no-execute page. Kept (used): the program only ever calls
// it, and link-time optimization drops a variable that nothing reads.
__attribute__((used)) static unsigned char data_code[16] = {0xc3};

const char *const fault_names[FAULT_KINDS] = {
    "read 0xffff800000000000",
    "read 0xffffffff80000000",
    "write own text",
    "read NULL",
    "write NULL",
    "stack overflow by recursion",
    "ud2",
    "divide by zero",
    "read a non-canonical address",
    "call NULL",
    "call a kernel address",
    "execute data",
    "int3",
    "int $0x80",
    "cli",
    "touch memory sbrk gave back",
    "push with a kernel-address stack",
    "push with a non-canonical stack",
    "write rodata",
    "read the stack guard",
    "syscall, then push, with a kernel-address stack",
    "in from a port",
    "load a null %ss",
    "divide INT64_MIN by -1",
    "jump to a non-canonical address",
    "hlt",
};

_Noreturn void fault_now(int kind)
{
    switch (kind) {
    case 0:
        (void)*(volatile char *)KERNEL_HALF;
        break;
    case 1:
        (void)*(volatile char *)KERNEL_TEXT;
        break;
    case 2:
        *(volatile char *)(uintptr_t)&text_target = 0;
        break;
    case 3:
        (void)*(volatile char *)(uintptr_t)volatile_zero;
        break;
    case 4:
        *(volatile char *)(uintptr_t)volatile_zero = 1;
        break;
    case 5:
        recurse(NULL);
        break;
    case 6:
        __asm__ volatile("ud2");
        break;
    case 7:
        __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n\tidiv %%ecx" ::
                             : "rax", "rcx", "rdx");
        break;
    case 8:
        (void)*(volatile char *)(uintptr_t)(NONCANONICAL + volatile_zero);
        break;
    case 9:
        null_function();
        break;
    case 10:
        ((void (*)(void))(uintptr_t)(KERNEL_TEXT + volatile_zero))();
        break;
    case 11:
        ((void (*)(void))(uintptr_t)data_code)();
        break;
    case 12:
        __asm__ volatile("int3");
        break;
    case 13:
        __asm__ volatile("int $0x80");
        break;
    case 14:
        __asm__ volatile("cli");
        break;
    case 15: {
        // The first page wholly above the break: grown into and touched,
        // given back, touched again. (If the heap cannot grow, it is the
        // gap or the stack guard: a fault too.)
        char *p = sbrk(0);
        volatile char *q = (volatile char *)(uintptr_t)pg_round_up((uint64_t)(uintptr_t)p);
        if (sbrk(2 * PAGE_SIZE) != (void *)-1) {
            *q = 1;
            sbrk(-(intptr_t)(2 * PAGE_SIZE));
        }
        *q = 2;
        break;
    }
    case 16:
        __asm__ volatile("mov %0, %%rsp\n\tpush %%rax" ::"r"(KERNEL_HALF + 64) : "memory");
        break;
    case 17:
        __asm__ volatile("mov %0, %%rsp\n\tpush %%rax" ::"r"(NONCANONICAL + 64) : "memory");
        break;
    case 18:
        *(volatile char *)(uintptr_t)rodata_block = 'x';
        break;
    case 19:
        (void)*(volatile char *)(uintptr_t)(STACK_LO - 8);
        break;
    case 20:
        __asm__ volatile("mov %0, %%rsp\n\tmov %1, %%eax\n\tsyscall\n\tpush %%rax" ::"r"(
                             KERNEL_HALF + PAGE_SIZE),
                         "i"(SYS_GETPID)
                         : "rax", "rcx", "r11", "memory");
        break;
    case 21:
        __asm__ volatile("inb $0x60, %%al" ::: "rax");
        break;
    case 22:
        __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%ss" ::: "rax");
        break;
    case 23:
        __asm__ volatile("mov %0, %%rax\n\tmov $-1, %%rcx\n\tcqto\n\tidiv %%rcx" ::"r"(INT64_MIN)
                         : "rax", "rcx", "rdx");
        break;
    case 24:
        __asm__ volatile("jmp *%0" ::"r"(NONCANONICAL | 0x1000));
        break;
    default:
        __asm__ volatile("hlt");
        break;
    }
    _exit(ST_FAULT_SURVIVED);
}
