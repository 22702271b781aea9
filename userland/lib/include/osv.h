#pragma once

// osv's own system calls and the definitions they share with the kernel
// (kernel/syscall_abi.h: struct osv_stat, struct osv_sysinfo, struct
// osv_dirent, struct osv_vmmap_entry, EXIT_STATUS_KILLED, O_RDONLY, limits; kernel/err.h: the err_t
// codes and err_name).
//
// As in <unistd.h>, every call returns what the kernel returns: >= 0 on
// success, a negative err_t on failure.

#include <stddef.h>
#include <stdint.h>

#include "kernel/err.h"
#include "kernel/syscall_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

// Opens the initrd file `path` ("/" for the directory, which reads as
// struct osv_dirent records). flags: O_RDONLY. Returns a file descriptor;
// ERR_NOENT, ERR_INVAL (flags), ERR_NOSPACE (FD_MAX open), ERR_FAULT,
// ERR_TOOLONG (longer than PATH_MAX_BYTES).
int open(const char *path, int flags);

// Describes the open file fd in *st. ERR_BADF, ERR_FAULT.
int fstat(int fd, struct osv_stat *st);

// Fills *info with memory and page-fault counts. ERR_FAULT.
int sysinfo(struct osv_sysinfo *info);

// Prints every field of *info on stdout, one a line, "name value", in the
// structure's order (what the meminfo program shows).
void sysinfo_print(const struct osv_sysinfo *info);

// Describes the address space of process pid (0: the caller; any live
// process) as records: one per region and, with OSV_VMMAP_PAGES in flags,
// one per mapped page after its region's (kernel/syscall_abi.h has the
// records and the rules). Returns the number of records in the whole
// description and writes the first min(that, capacity) to buf: vmmap(pid,
// flags, NULL, 0) counts. ERR_SRCH (no live process pid), ERR_INVAL (flags),
// ERR_FAULT (buf), ERR_NOMEM.
int64_t vmmap(int pid, uint32_t flags, struct osv_vmmap_entry *buf, uint64_t capacity);

// Prints n records on stdout, one a line, as the vmmap program shows them:
//
//   region 0x400000-0x403000 r-x code 3/3 pages
//     page 0x400000 r-x refs 2 shared -> frame 0x1d4000
//     page 0x401000 r-x refs 2 shared -> frame 0x1d5000
//     ...
//   region 0x405000-0x802000 rw- heap 2/1021 pages
//     page 0x800000 r-- refs 2 cow-shared -> frame 0x1f0000
//
// A region's pages are mapped/all; a page shows its permission as mapped,
// its frame's refcount and sharing (enum osv_vmmap_sharing), and "in no
// region" if it lies outside every region.
void vmmap_print(const struct osv_vmmap_entry *records, size_t n);

// Threads: more flows of control in the calling process, sharing its
// memory and files, perhaps running on several CPUs at once. Of this C
// library only the system call wrappers may be called by several threads
// at once: malloc, free and stdio keep state without locks, so a program
// uses them from one thread at a time (or from one thread only).
//
// thread_create starts a thread running fn(arg) on the stack
// [stack, stack + size), memory of the caller's that must stay unused by
// anything else until the thread has been joined; when fn returns r the
// thread exits with status r & 0xff. Returns the new thread's id, or
// ERR_INVAL (a stack under THREAD_STACK_MIN bytes), ERR_NOSPACE (the
// process has THREADS_MAX threads, counting ended ones not yet
// joined), ERR_NOMEM, ERR_FAULT (a stack outside user memory), ERR_KILLED
// (the process is ending).
#define THREAD_STACK_MIN 256
int thread_create(int (*fn)(void *arg), void *arg, void *stack, size_t size);

// Ends the calling thread with `status` (0..255). The last thread of a
// process to end ends the process, with that status. exit() ends every
// thread of the process.
_Noreturn void thread_exit(int status);

// Waits until thread `tid` of this process has ended, stores its status in
// *status (unless NULL) and forgets it. Returns tid, or ERR_SRCH (no such
// thread, joined already, or the caller), ERR_KILLED (the process is
// ending), ERR_FAULT (status; the thread is forgotten all the same).
int thread_join(int tid, int *status);

// The calling thread's id (unique among all threads).
int gettid(void);

// The system call under thread_create: a thread that starts at `entry`
// with the stack pointer at `stack` and `arg` as its first argument.
// Returns its id, or the errors above.
int thread_start(void (*entry)(void *), void *stack, void *arg);

// Timer ticks since boot (sysinfo's ticks_per_second per second).
uint64_t ticks(void);

// Stops the machine; QEMU exits with the success code, or the failure code
// if `failed` is nonzero. Only init (pid 1) may: ERR_PERM for the others.
// Flushes stdout and stderr first.
int shutdown(int failed);

// Any system call, raw: the number in %rax, a0..a5 in %rdi, %rsi, %rdx,
// %r10, %r8, %r9. For tests of the kernel's checks (unknown numbers, bad
// pointers); programs use the wrappers.
int64_t osv_syscall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t a4, uint64_t a5);

#ifdef __cplusplus
}
#endif
