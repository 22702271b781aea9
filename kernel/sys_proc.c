// System calls about processes, memory and time.

#include "kernel/sys_proc.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/cycles.h"
#include "arch/machine.h"
#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/kprintf.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm_check.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/syscall_abi.h"
#include "kernel/timer.h"
#include "kernel/uaccess.h"

// The pid in a raw argument register, checked as the full 64-bit value (as
// sys_file.c's fd_arg does for descriptors): the C library passes an int
// sign-extended, so anything else names no process. Truncating first would
// turn 2^32 + 1 into 1, and kill() would end init.
static bool pid_arg(uint64_t raw, int *pid)
{
    int64_t value = (int64_t)raw;
    if (value < INT32_MIN || value > INT32_MAX) {
        return false;
    }
    *pid = (int)value;
    return true;
}

int64_t sys_exit(const struct syscall_args *args)
{
    // exit's status is 0..255; EXIT_STATUS_KILLED stays the kernel's.
    proc_exit((int)(args->arg[0] & 0xff));
}

int64_t sys_fork(const struct syscall_args *args)
{
    (void)args;
    int pid;
    err_t err = proc_fork(&pid);
    return err != ERR_OK ? err : pid;
}

int64_t sys_wait(const struct syscall_args *args)
{
    int which;
    if (!pid_arg(args->arg[0], &which)) {
        return ERR_NOCHILD;
    }
    int status;
    int64_t pid = proc_wait(which, &status);
    if (pid < 0 || args->arg[1] == 0) {
        return pid;
    }
    // The child is reaped either way; a bad status pointer loses its status.
    err_t err = copyout(args->arg[1], &status, sizeof(status));
    return err != ERR_OK ? err : pid;
}

int64_t sys_getpid(const struct syscall_args *args)
{
    (void)args;
    return proc_current()->pid;
}

int64_t sys_getppid(const struct syscall_args *args)
{
    (void)args;
    return proc_parent_pid(proc_current());
}

int64_t sys_kill(const struct syscall_args *args)
{
    int pid;
    if (!pid_arg(args->arg[0], &pid)) {
        return ERR_SRCH;
    }
    if (pid == 1) {
        // init keeps the machine running: ending it would stop everything.
        return ERR_PERM;
    }
    return proc_kill(pid);
}

int64_t sys_sleep(const struct syscall_args *args)
{
    return sched_sleep_ticks(args->arg[0]);
}

int64_t sys_ticks(const struct syscall_args *args)
{
    (void)args;
    return (int64_t)timer_ticks();
}

int64_t sys_sbrk(const struct syscall_args *args)
{
    vaddr_t old_brk;
    err_t err = as_sbrk(proc_current()->as, (int64_t)args->arg[0], &old_brk);
    return err != ERR_OK ? err : (int64_t)old_brk;
}

int64_t sys_exec(const struct syscall_args *args)
{
    char path[PATH_MAX_BYTES];
    err_t err = copyinstr(path, args->arg[0], sizeof(path), NULL);
    if (err != ERR_OK) {
        return err;
    }
    // The argument strings, packed one after the other.
    char strings[EXEC_MAX_ARG_BYTES];
    const char *argv[EXEC_MAX_ARGS + 1];
    size_t used = 0;
    int argc = 0;
    vaddr_t user_argv = args->arg[1];
    if (user_argv == 0) {
        argv[argc++] = path;  // no argv: the program gets its path as argv[0]
    }
    while (user_argv != 0) {
        uint64_t user_string;
        err = copyin(&user_string, user_argv + (uint64_t)argc * sizeof(uint64_t),
                     sizeof(user_string));
        if (err != ERR_OK) {
            return err;
        }
        if (user_string == 0) {
            break;
        }
        if (argc == EXEC_MAX_ARGS) {
            return ERR_TOOLONG;
        }
        size_t len;
        err = copyinstr(strings + used, user_string, sizeof(strings) - used, &len);
        if (err != ERR_OK) {
            return err;
        }
        argv[argc++] = strings + used;
        used += len + 1;
    }
    return proc_exec(path, argc, argv);
}

int64_t sys_sysinfo(const struct syscall_args *args)
{
    const struct addrspace *as = proc_current()->as;
    struct osv_sysinfo info = {
        .total_pages = pmem_total_pages(),
        .free_pages = pmem_free_pages(),
        .page_faults = vm_global_stats.page_faults,
        .demand_zero_faults = vm_global_stats.demand_zero_faults,
        .cow_faults = vm_global_stats.cow_faults,
        .cow_copies = vm_global_stats.cow_copies,
        .cow_reused = vm_global_stats.cow_reused,
        .pages_shared = vm_global_stats.pages_shared,
        .proc_page_faults = as->stats.page_faults,
        .proc_demand_zero_faults = as->stats.demand_zero_faults,
        .proc_cow_faults = as->stats.cow_faults,
        .proc_cow_copies = as->stats.cow_copies,
        .proc_cow_reused = as->stats.cow_reused,
        .proc_pages_mapped = as->pages_mapped,
        .ticks = timer_ticks(),
        .ticks_per_second = TIMER_HZ,
        .tsc_per_second = cycles_per_second(),
        .processes = (uint64_t)proc_count(),
        .proc_table_pages = vpmap_table_pages(as->vpmap),
    };
    return copyout(args->arg[0], &info, sizeof(info));
}

int64_t sys_shutdown(const struct syscall_args *args)
{
    if (proc_current()->pid != 1) {
        return ERR_PERM;
    }
    bool failed = args->arg[0] != 0;
    kprintf("osv: shutdown by init (%s); %lu of %lu pages free, %d processes\n",
            failed ? "failure" : "success", pmem_free_pages(), pmem_total_pages(), proc_count());
    if (vm_check_enabled()) {
        struct vm_check_rest_counts rest = vm_check_rest_counts();
        kprintf("vmcheck: %zu checks at rest points, %zu skipped (another thread was part way "
                "through kernel code)\n",
                rest.checked, rest.skipped);
    }
    machine_shutdown(failed ? MACHINE_EXIT_FAILURE : MACHINE_EXIT_SUCCESS);
}
