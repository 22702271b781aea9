#pragma once

// The contract between the kernel and user programs: system call numbers,
// the calling convention, and the structures system calls exchange. The
// kernel (kernel/syscall.c) and the user C library (userland/) both include
// this header; nothing else is shared between them. Errors are the negative
// err_t codes of kernel/err.h.
//
// Calling convention (x86_64 `syscall` instruction): the system call number
// in %rax, arguments in %rdi, %rsi, %rdx, %r10, %r8, %r9 (at most six); the
// result comes back in %rax: a non-negative value on success, a negative
// err_t on failure. %rcx and %r11 are clobbered; all other registers are
// preserved.
//
// Process entry: what exec leaves for the program's first instruction
// (_start in userland/lib/crt0.S, which relies on exactly this):
//  - %rip is the ELF entry point, in user mode, with interrupts enabled and
//    RFLAGS.DF clear (the C ABI's assumption at every function entry);
//  - %rsp is 16-byte aligned and points at
//
//        %rsp + 0               argc           8 bytes, 0 <= argc <= EXEC_MAX_ARGS
//        %rsp + 8               argv[0]        8-byte pointers to NUL-terminated
//        ...                                   strings (argv[0] conventionally
//        %rsp + 8 * argc        argv[argc-1]   the program's name)
//        %rsp + 8 * (argc + 1)  NULL
//        above                  the strings themselves, inside the stack
//
//    so that argv is %rsp + 8 and argv[argc] == NULL. There is no return
//    address (_start never returns: it calls exit), no environment and no
//    auxiliary vector (Linux puts envp and auxv after argv's NULL; osv does
//    not);
//  - every other general register is unspecified: _start reads none of
//    them, and the kernel should zero them so that no kernel value leaks.

#include <stdint.h>

#include "kernel/user_layout.h"  // the user address space

#ifdef __cplusplus
extern "C" {
#endif

enum syscall_number {
    SYS_EXIT = 1,           // exit(int status): never returns
    SYS_FORK = 2,           // fork(): child pid to the parent, 0 to the child
    SYS_WAIT = 3,           // wait(int pid, int *status): pid -1 = any child; returns its pid
    SYS_GETPID = 4,         // getpid()
    SYS_KILL = 5,           // kill(int pid): ends that process (status EXIT_STATUS_KILLED);
                            // ERR_SRCH if there is none, ERR_PERM for init (pid 1)
    SYS_SLEEP = 6,          // sleep(uint64_t ticks)
    SYS_TICKS = 7,          // ticks(): timer ticks since boot (TIMER_HZ per second)
    SYS_SBRK = 8,           // sbrk(int64_t increment): the old break
    SYS_EXEC = 9,           // exec(const char *path, char *const argv[]): only returns on error
    SYS_OPEN = 10,          // open(const char *path, int flags): a file descriptor
    SYS_READ = 11,          // read(int fd, void *buf, uint64_t n): bytes read, 0 at end of file
    SYS_WRITE = 12,         // write(int fd, const void *buf, uint64_t n): bytes written
    SYS_CLOSE = 13,         // close(int fd)
    SYS_DUP = 14,           // dup(int fd): the lowest free descriptor, sharing the file
    SYS_PIPE = 15,          // pipe(int fds[2]): fds[0] reads, fds[1] writes
    SYS_FSTAT = 16,         // fstat(int fd, struct osv_stat *st)
    SYS_SYSINFO = 17,       // sysinfo(struct osv_sysinfo *info)
    SYS_GETPPID = 18,       // getppid()
    SYS_SHUTDOWN = 19,      // shutdown(int failed): stops the machine; init (pid 1) only
    SYS_VMMAP = 20,         // vmmap(int pid, uint32_t flags, struct osv_vmmap_entry *buf,
                            //       uint64_t capacity): a process's address space (below)
    SYS_GETCPU = 21,        // getcpu(): the number of the CPU running the caller (0, 1, ...);
                            // it may have moved on by the time the caller looks
    SYS_THREAD_START = 22,  // thread_start(void *entry, void *stack, uint64_t arg): a new
                            // thread of the caller's process, at entry with the stack
                            // pointer at stack and arg in the first argument register;
                            // returns its tid
    SYS_THREAD_EXIT = 23,   // thread_exit(int status): ends the calling thread; the
                            // last thread's exit ends the process with that status
    SYS_THREAD_JOIN = 24,   // thread_join(int tid, int *status): waits for thread tid of
                            // this process to end; returns tid
    SYS_GETTID = 25,        // gettid(): the calling thread's id
    SYS_COUNT,              // one past the last number
};

// Limits of exec.
#define EXEC_MAX_ARGS      32    // argv entries, not counting the final NULL
#define EXEC_MAX_ARG_BYTES 2048  // all argument strings, NULs included
#define PATH_MAX_BYTES     128   // a path, its NUL included

// Per-process limit on open file descriptors.
#define FD_MAX 16

// Per-process limit on threads, the first included, and ended ones not yet
// joined.
#define THREADS_MAX 16

// Flags of open. The initrd is read-only: O_RDONLY is the only mode.
#define O_RDONLY 0

// Exit status that wait() reports for a process ended by the kernel (a bad
// memory access, out of memory) or by kill(): not a value exit() can give,
// which ranges over 0..255.
#define EXIT_STATUS_KILLED (-1)

enum osv_file_type {
    FILE_TYPE_REGULAR = 1,  // a file of the initrd
    FILE_TYPE_DIRECTORY,    // "/": read() returns struct osv_dirent records
    FILE_TYPE_PIPE,
    FILE_TYPE_CONSOLE,
};

struct osv_stat {
    uint32_t type;  // enum osv_file_type
    uint32_t reserved;
    uint64_t size;  // bytes, for regular files; 0 otherwise
};

// One entry of a directory listing.
#define DIRENT_NAME_MAX 60
struct osv_dirent {
    uint32_t size;  // the file's size in bytes
    char name[DIRENT_NAME_MAX];
};

// What sysinfo reports: memory and page-fault accounting, system-wide and for
// the calling process (fields named proc_*).
struct osv_sysinfo {
    uint64_t total_pages;  // physical pages the kernel manages
    uint64_t free_pages;   // of those, free right now

    // Counted since boot, over all processes.
    uint64_t page_faults;         // user page faults of every kind
    uint64_t demand_zero_faults;  // served with a fresh zeroed page (stack, heap)
    uint64_t cow_faults;          // writes to a copy-on-write page
    uint64_t cow_copies;          // of those, resolved by copying the page
    uint64_t cow_reused;          // of those, resolved in place: last sharer
    uint64_t pages_shared;        // mappings made shared by fork so far

    // The calling process, since it started (fork or exec).
    uint64_t proc_page_faults;
    uint64_t proc_demand_zero_faults;
    uint64_t proc_cow_faults;
    uint64_t proc_cow_copies;
    uint64_t proc_cow_reused;
    uint64_t proc_pages_mapped;  // user pages its page table maps now (shared ones included)

    uint64_t ticks;  // timer ticks since boot
    uint64_t ticks_per_second;
    uint64_t tsc_per_second;  // calibrated rate of the CPU's time-stamp counter

    // Appended: the fields above keep their offsets.
    uint64_t processes;         // process table slots in use: live processes, zombies not
                                // yet reaped, processes that fork is still building
    uint64_t proc_table_pages;  // page-table pages the calling process's page table
                                // holds now, its root included (not in proc_pages_mapped)

    // TLB shootdowns since boot, over all processes: rounds of flushes of a
    // page table's changed translations that had to reach other CPUs (those
    // with that table loaded; one round per unmap, write-protect or
    // copy-on-write step), and the cross-CPU calls they made (one interrupt
    // per CPU reached). A flush that stays on the calling CPU is not one.
    uint64_t tlb_shootdowns;
    uint64_t tlb_shootdown_ipis;

    // The kernel's invariant checker (the `vmcheck` option; all 0 without
    // it), since boot: rest points where it checked every address space
    // while the other CPUs were idle (or there were none), where it checked
    // while a rendezvous held the other CPUs, busy running threads, parked
    // where they were at rest, and rest points it skipped because another
    // thread might have been part way through kernel code.
    uint64_t vmcheck_checks_idle;
    uint64_t vmcheck_checks_parked;
    uint64_t vmcheck_skipped;
};

// vmmap: what a process's address space holds, as an array of records.
//
// vmmap(pid, flags, buf, capacity) describes process pid (0: the caller;
// any live process may be described, not only the caller's children). The
// description is a sequence of struct osv_vmmap_entry records in ascending
// address order:
//   - one OSV_VMMAP_REGION record per memory region;
//   - with OSV_VMMAP_PAGES in flags, also one OSV_VMMAP_PAGE record per
//     mapped page, right after the record of its region. (A page mapped
//     outside every region, which the kernel's checker reports as a bug, is
//     listed in address order with kind OSV_VMMAP_NOKIND.)
//
// Truncation rule: the call returns the number of records in the whole
// description and writes the first min(that number, capacity) of them to
// buf. So vmmap(pid, flags, NULL, 0) only counts, and a result larger than
// capacity means that buf was too small (call again with a larger one; the
// process may have changed meanwhile).
//
// The description is one snapshot, taken before anything is written to buf:
// writing the records can itself fault in pages of buf (lazy or
// copy-on-write ones), which the snapshot does not show. It is exact when
// the process described is at rest (running user code, or sleeping); one
// preempted part way through changing its own address space may show half
// of that one change (a page mapped whose refcount is not raised yet).
//
// Errors:
//   ERR_SRCH   no live process pid (none, a zombie, one that fork is still
//              building, or one that is exiting);
//   ERR_INVAL  a bit in flags other than OSV_VMMAP_PAGES;
//   ERR_FAULT  the records to write do not fit in writable user memory at
//              buf (NULL, kernel or unmapped addresses, read-only memory);
//              buf may then hold some of them;
//   ERR_NOMEM  no kernel memory to hold the snapshot.
#define OSV_VMMAP_PAGES 1u  // flags: list each mapped page too

enum osv_vmmap_type {
    OSV_VMMAP_REGION = 1,
    OSV_VMMAP_PAGE = 2,
};

// What a region is for (a page's record carries its region's kind).
enum osv_vmmap_kind {
    OSV_VMMAP_NOKIND = 0,  // a page in no region
    OSV_VMMAP_CODE = 1,
    OSV_VMMAP_DATA = 2,
    OSV_VMMAP_HEAP = 3,
    OSV_VMMAP_STACK = 4,
};

// How a mapped page's frame is held, from its mapped permission, its
// region's permission and its reference count (the number of mappings of
// the frame, in every process).
enum osv_vmmap_sharing {
    OSV_VMMAP_PRIVATE = 0,     // refcount 1, mapped with its region's permission
    OSV_VMMAP_SHARED = 1,      // refcount > 1 and not copy-on-write: a read-only
                               // region's page shared by fork (code). (Writable and
                               // shared would be a kernel bug.)
    OSV_VMMAP_COW_SHARED = 2,  // read-only in a writable region, refcount > 1:
                               // a write copies the frame
    OSV_VMMAP_COW_LAST = 3,    // read-only in a writable region, refcount 1: the
                               // last sharer, whose write makes it writable in place
};

// Permission bits of a region or a mapping (always user-accessible).
#define OSV_VMMAP_READ  1u
#define OSV_VMMAP_WRITE 2u
#define OSV_VMMAP_EXEC  4u

struct osv_vmmap_entry {
    uint32_t type;     // enum osv_vmmap_type
    uint32_t kind;     // enum osv_vmmap_kind: the region's, or the page's region's
    uint32_t perm;     // OSV_VMMAP_READ | ...: the region's, or the page's as mapped
    uint32_t sharing;  // page: enum osv_vmmap_sharing; region: 0
    uint64_t start;    // region: its first address; page: the page's address
    uint64_t end;      // region: its end (exclusive; == start for an empty heap);
                       // page: start + the page size
    uint64_t pages;    // region: how many of its pages are mapped; page: 1
    uint64_t frame;    // page: physical address of the frame it maps; region: 0
    uint64_t refs;     // page: the frame's reference count; region: 0
};

// Names for printing: "code", "data", "heap", "stack", "none".
static inline const char *osv_vmmap_kind_name(uint32_t kind)
{
    switch (kind) {
    case OSV_VMMAP_CODE:
        return "code";
    case OSV_VMMAP_DATA:
        return "data";
    case OSV_VMMAP_HEAP:
        return "heap";
    case OSV_VMMAP_STACK:
        return "stack";
    default:
        return "none";
    }
}

// "private", "shared", "cow-shared", "cow-last".
static inline const char *osv_vmmap_sharing_name(uint32_t sharing)
{
    switch (sharing) {
    case OSV_VMMAP_SHARED:
        return "shared";
    case OSV_VMMAP_COW_SHARED:
        return "cow-shared";
    case OSV_VMMAP_COW_LAST:
        return "cow-last";
    default:
        return "private";
    }
}

// perm as "rwx", "r-x", "r--": three characters and a NUL in out.
static inline void osv_vmmap_perm_string(uint32_t perm, char out[4])
{
    out[0] = (perm & OSV_VMMAP_READ) ? 'r' : '-';
    out[1] = (perm & OSV_VMMAP_WRITE) ? 'w' : '-';
    out[2] = (perm & OSV_VMMAP_EXEC) ? 'x' : '-';
    out[3] = '\0';
}

#ifdef __cplusplus
}
#endif
