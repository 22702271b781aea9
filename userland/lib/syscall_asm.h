#pragma once

// The `syscall` instruction, as kernel/syscall_abi.h's calling convention
// wants it: the number in %rax, arguments in %rdi, %rsi, %rdx, %r10, %r8,
// %r9; the result in %rax (>= 0, or a negative err_t). The kernel clobbers
// %rcx (the return address) and %r11 (the saved flags) and preserves every
// other register. "memory" tells the compiler that the kernel may read and
// write anything the arguments point to.
//
// Private to the C library: programs call the named wrappers of <unistd.h>
// and <osv.h> (or osv_syscall for raw access).

#include <stdint.h>

static inline int64_t syscall6(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                               uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    int64_t result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

static inline int64_t syscall0(uint64_t number)
{
    int64_t result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

static inline int64_t syscall1(uint64_t number, uint64_t a0)
{
    int64_t result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a0) : "rcx", "r11", "memory");
    return result;
}

static inline int64_t syscall2(uint64_t number, uint64_t a0, uint64_t a1)
{
    int64_t result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1)
                     : "rcx", "r11", "memory");
    return result;
}

static inline int64_t syscall3(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2)
{
    int64_t result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1), "d"(a2)
                     : "rcx", "r11", "memory");
    return result;
}
