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
    SYS_EXIT = 1,       // exit(int status): never returns
    SYS_FORK = 2,       // fork(): child pid to the parent, 0 to the child
    SYS_WAIT = 3,       // wait(int pid, int *status): pid -1 = any child; returns its pid
    SYS_GETPID = 4,     // getpid()
    SYS_KILL = 5,       // kill(int pid): ends that process (status EXIT_STATUS_KILLED);
                        // ERR_SRCH if there is none, ERR_PERM for init (pid 1)
    SYS_SLEEP = 6,      // sleep(uint64_t ticks)
    SYS_TICKS = 7,      // ticks(): timer ticks since boot (TIMER_HZ per second)
    SYS_SBRK = 8,       // sbrk(int64_t increment): the old break
    SYS_EXEC = 9,       // exec(const char *path, char *const argv[]): only returns on error
    SYS_OPEN = 10,      // open(const char *path, int flags): a file descriptor
    SYS_READ = 11,      // read(int fd, void *buf, uint64_t n): bytes read, 0 at end of file
    SYS_WRITE = 12,     // write(int fd, const void *buf, uint64_t n): bytes written
    SYS_CLOSE = 13,     // close(int fd)
    SYS_DUP = 14,       // dup(int fd): the lowest free descriptor, sharing the file
    SYS_PIPE = 15,      // pipe(int fds[2]): fds[0] reads, fds[1] writes
    SYS_FSTAT = 16,     // fstat(int fd, struct osv_stat *st)
    SYS_SYSINFO = 17,   // sysinfo(struct osv_sysinfo *info)
    SYS_GETPPID = 18,   // getppid()
    SYS_SHUTDOWN = 19,  // shutdown(int failed): stops the machine; init (pid 1) only
    SYS_COUNT,          // one past the last number
};

// Limits of exec.
#define EXEC_MAX_ARGS      32    // argv entries, not counting the final NULL
#define EXEC_MAX_ARG_BYTES 2048  // all argument strings, NULs included
#define PATH_MAX_BYTES     128   // a path, its NUL included

// Per-process limit on open file descriptors.
#define FD_MAX 16

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
};

#ifdef __cplusplus
}
#endif
