/*
 * _start: where every user program begins (the ELF entry point).
 *
 * exec leaves the process entry layout of kernel/syscall_abi.h: %rsp is
 * 16-byte aligned and points at argc (8 bytes), followed by argv[0..argc-1]
 * and a NULL pointer. Nothing else is assumed about the registers.
 *
 * %rbp = 0 ends the frame-pointer chain for debuggers and backtraces. The
 * call pushes a return address, so libc_start begins with %rsp = 8 mod 16,
 * as the System V ABI requires of every function entry.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    movq (%rsp), %rdi       /* argc */
    leaq 8(%rsp), %rsi      /* argv */
    call libc_start         /* never returns */
    ud2
    .size _start, . - _start
