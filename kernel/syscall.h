#pragma once

// System call dispatch. The architecture's entry code (arch/x86_64) saves the
// user registers and calls syscall_dispatch; kernel/syscall.c looks the number
// up in a table of handlers, one per SYS_* of kernel/syscall_abi.h.
//
// A handler receives the six raw argument registers and returns the value
// for %rax: >= 0 on success, a negative err_t on failure. Handlers treat
// every pointer argument as a user address (vaddr_t) and go through
// kernel/uaccess.h; an unknown number returns ERR_NOSYS.
//
// Kills: kill() marks the process, and it ends on its next return to user
// mode (kernel/proc.h), so a handler must stop soon after a kill. A wait
// gives up when its thread is killed (the waits of kernel/sched.h that a
// kill interrupts, pipes, the console); a loop whose length the user
// chooses looks at thread_killed() between steps of bounded work and stops
// (write, kernel/fs/file_io.h). Other work needs no check when a kernel
// constant bounds it (exec's path and arguments: PATH_MAX_BYTES,
// EXEC_MAX_ARGS, EXEC_MAX_ARG_BYTES; read's one step) or the process's
// own pages do (fork, exit, sbrk's shrinking, exec's loading).

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct syscall_args {
    uint64_t arg[6];
};

typedef int64_t (*syscall_handler)(const struct syscall_args *args);

// Runs system call `number` for the current process.
int64_t syscall_dispatch(uint64_t number, const struct syscall_args *args);

#ifdef __cplusplus
}
#endif
