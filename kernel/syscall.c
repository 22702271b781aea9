// The system call table (see kernel/syscall.h).

#include "kernel/syscall.h"

#include <stddef.h>

#include "kernel/err.h"
#include "kernel/fs/sys_file.h"
#include "kernel/sys_proc.h"
#include "kernel/syscall_abi.h"

static const syscall_handler handlers[SYS_COUNT] = {
    [SYS_EXIT] = sys_exit,
    [SYS_FORK] = sys_fork,
    [SYS_WAIT] = sys_wait,
    [SYS_GETPID] = sys_getpid,
    [SYS_KILL] = sys_kill,
    [SYS_SLEEP] = sys_sleep,
    [SYS_TICKS] = sys_ticks,
    [SYS_SBRK] = sys_sbrk,
    [SYS_EXEC] = sys_exec,
    [SYS_OPEN] = sys_open,
    [SYS_READ] = sys_read,
    [SYS_WRITE] = sys_write,
    [SYS_CLOSE] = sys_close,
    [SYS_DUP] = sys_dup,
    [SYS_PIPE] = sys_pipe,
    [SYS_FSTAT] = sys_fstat,
    [SYS_SYSINFO] = sys_sysinfo,
    [SYS_GETPPID] = sys_getppid,
    [SYS_SHUTDOWN] = sys_shutdown,
    [SYS_VMMAP] = sys_vmmap,
    [SYS_GETCPU] = sys_getcpu,
    [SYS_THREAD_START] = sys_thread_start,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_THREAD_JOIN] = sys_thread_join,
    [SYS_GETTID] = sys_gettid,
};

int64_t syscall_dispatch(uint64_t number, const struct syscall_args *args)
{
    if (number >= SYS_COUNT || handlers[number] == NULL) {
        return ERR_NOSYS;
    }
    return handlers[number](args);
}
