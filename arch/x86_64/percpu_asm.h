#pragma once

// Where assembly finds fields of struct cpu (percpu.h) through GS, as
// %gs:OFFSET: plain numbers, so that .S files can include this. percpu.c
// checks them against the struct.

#define CPU_SYSCALL_KERNEL_RSP 8   // syscall_entry.S: the kernel stack to switch to
#define CPU_SYSCALL_USER_RSP   16  // syscall_entry.S: the user %rsp, for a moment
