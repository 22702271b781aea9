// System calls about processes, memory and time.

#include "kernel/sys_proc.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpus.h"
#include "arch/cycles.h"
#include "arch/machine.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/kprintf.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm_check.h"
#include "kernel/mm/vm_view.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/sync/intr.h"
#include "kernel/sync/sleeplock.h"
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
    // The parent's address space is read, and made copy-on-write, under its
    // lock (kernel/mm/vm.h); the child's is the child's alone until it runs.
    struct addrspace *as = proc_current()->as;
    int pid;
    sleeplock_acquire(&as->lock);
    err_t err = proc_fork(&pid);
    sleeplock_release(&as->lock);
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

int64_t sys_getcpu(const struct syscall_args *args)
{
    (void)args;
    intr_push_off();
    unsigned cpu = cpus_current();
    intr_pop_off();
    return cpu;
}

int64_t sys_thread_start(const struct syscall_args *args)
{
    int tid;
    err_t err = proc_thread_start(args->arg[0], args->arg[1], args->arg[2], &tid);
    return err != ERR_OK ? err : tid;
}

int64_t sys_thread_exit(const struct syscall_args *args)
{
    // Like exit's, the status is 0..255.
    proc_thread_exit((int)(args->arg[0] & 0xff));
}

int64_t sys_thread_join(const struct syscall_args *args)
{
    int tid = (int)args->arg[0];
    if ((uint64_t)tid != args->arg[0]) {
        return ERR_SRCH;
    }
    int status;
    err_t err = proc_thread_join(tid, &status);
    if (err != ERR_OK || args->arg[1] == 0) {
        return err != ERR_OK ? err : tid;
    }
    // The thread is joined either way; a bad status pointer loses its status.
    err = copyout(args->arg[1], &status, sizeof(status));
    return err != ERR_OK ? err : tid;
}

int64_t sys_gettid(const struct syscall_args *args)
{
    (void)args;
    return thread_current()->tid;
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
    struct addrspace *as = proc_current()->as;
    vaddr_t old_brk;
    sleeplock_acquire(&as->lock);
    err_t err = as_sbrk(as, (int64_t)args->arg[0], &old_brk);
    sleeplock_release(&as->lock);
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
    struct addrspace *as = proc_current()->as;
    struct vpmap_shootdowns shootdowns = vpmap_shootdowns();
    struct vm_check_rest_counts rest = vm_check_rest_counts();
    sleeplock_acquire(&as->lock);
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
        .tlb_shootdowns = shootdowns.rounds,
        .tlb_shootdown_ipis = shootdowns.cpus_called,
        .vmcheck_checks_idle = rest.checked_idle,
        .vmcheck_checks_parked = rest.checked_parked,
        .vmcheck_skipped = rest.skipped,
    };
    sleeplock_release(&as->lock);
    return copyout(args->arg[0], &info, sizeof(info));
}

// vmmap's snapshot of an address space: its records, in page-sized blocks
// (kmalloc's largest) linked in order. It is taken while the process cannot
// run (proc_with_addrspace), where nothing may sleep or allocate, and copied
// out after: so the blocks are allocated first, from a count taken the same
// way.
#define VMMAP_BLOCK_RECORDS ((PAGE_SIZE - sizeof(void *)) / sizeof(struct osv_vmmap_entry))

struct vmmap_block {
    struct vmmap_block *next;
    struct osv_vmmap_entry records[VMMAP_BLOCK_RECORDS];
};
_Static_assert(sizeof(struct vmmap_block) <= KMALLOC_MAX_SIZE, "a block is one kmalloc");

struct vmmap_snapshot {
    uint32_t flags;
    struct vmmap_block *first;
    struct vmmap_block *last;
    size_t room;                  // records the blocks hold
    size_t total;                 // records in the description, at the last take
    struct vmmap_block *filling;  // during a take: the block of the next record
};

// vm_view's slot: records go to the blocks in order while there is room.
static struct osv_vmmap_entry *vmmap_slot(void *ctx, size_t index)
{
    struct vmmap_snapshot *s = ctx;
    if (index >= s->room) {
        return NULL;
    }
    size_t in_block = index % VMMAP_BLOCK_RECORDS;
    if (index > 0 && in_block == 0) {
        s->filling = s->filling->next;
    }
    return &s->filling->records[in_block];
}

static void vmmap_take(struct addrspace *as, void *ctx)
{
    struct vmmap_snapshot *s = ctx;
    s->filling = s->first;
    s->total = vm_view_describe(as, s->flags, vmmap_slot, s);
}

// Adds blocks until they hold `records`. ERR_NOMEM (the blocks added so far
// stay, for vmmap_free).
static err_t vmmap_grow(struct vmmap_snapshot *s, size_t records)
{
    while (s->room < records) {
        void *memory;
        err_t err = kmalloc(sizeof(struct vmmap_block), &memory);
        if (err != ERR_OK) {
            return err;
        }
        struct vmmap_block *block = memory;
        block->next = NULL;
        if (s->last != NULL) {
            s->last->next = block;
        } else {
            s->first = block;
        }
        s->last = block;
        s->room += VMMAP_BLOCK_RECORDS;
    }
    return ERR_OK;
}

static void vmmap_free(struct vmmap_snapshot *s)
{
    while (s->first != NULL) {
        struct vmmap_block *next = s->first->next;
        kfree(s->first);
        s->first = next;
    }
}

// Copies the first n records of the snapshot to user address buf.
static err_t vmmap_copyout(const struct vmmap_snapshot *s, vaddr_t buf, size_t n)
{
    size_t done = 0;
    for (const struct vmmap_block *b = s->first; done < n; b = b->next) {
        size_t count = n - done < VMMAP_BLOCK_RECORDS ? n - done : VMMAP_BLOCK_RECORDS;
        err_t err = copyout(buf + done * sizeof(struct osv_vmmap_entry), b->records,
                            count * sizeof(struct osv_vmmap_entry));
        if (err != ERR_OK) {
            return err;
        }
        done += count;
    }
    return ERR_OK;
}

int64_t sys_vmmap(const struct syscall_args *args)
{
    int pid;
    if (!pid_arg(args->arg[0], &pid)) {
        return ERR_SRCH;
    }
    if (pid == 0) {
        pid = proc_current()->pid;
    }
    if ((args->arg[1] & ~(uint64_t)OSV_VMMAP_PAGES) != 0) {
        return ERR_INVAL;
    }
    vaddr_t buf = args->arg[2];
    uint64_t capacity = args->arg[3];

    // Count, make room, take the snapshot; again if the process grew in
    // between (only another process can: the caller is in this call).
    struct vmmap_snapshot s = {.flags = (uint32_t)args->arg[1]};
    err_t err;
    for (;;) {
        err = proc_with_addrspace(pid, vmmap_take, &s);
        if (err != ERR_OK) {
            break;
        }
        size_t wanted = s.total < capacity ? s.total : capacity;
        if (wanted <= s.room) {
            err = vmmap_copyout(&s, buf, wanted);
            break;
        }
        err = vmmap_grow(&s, wanted);
        if (err != ERR_OK) {
            break;
        }
    }
    vmmap_free(&s);
    return err != ERR_OK ? err : (int64_t)s.total;
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
        kprintf("vmcheck: %zu checks at rest points (%zu with the other CPUs idle, %zu with them "
                "parked by a rendezvous), %zu skipped (another thread was part way through kernel "
                "code; %zu of them after a failed rendezvous)\n",
                rest.checked_idle + rest.checked_parked, rest.checked_idle, rest.checked_parked,
                rest.skipped, rest.rendezvous_failed);
    }
    machine_shutdown(failed ? MACHINE_EXIT_FAILURE : MACHINE_EXIT_SUCCESS);
}
