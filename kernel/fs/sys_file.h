#pragma once

// The file system calls: open, read, write, close, dup, pipe and fstat (see
// kernel/syscall_abi.h for the numbers and the user's view). Each is a
// handler in the form kernel/syscall.h gives: it takes the raw argument
// registers and returns the value for %rax, >= 0 or a negative err_t.
//
// Common rules:
//  - Arguments are whole 64-bit registers, checked as such (the C library
//    passes an int sign-extended). A descriptor not in 0..FD_MAX-1 (a
//    negative one arrives as a huge number), or not open, is ERR_BADF.
//  - Every user pointer goes through copyin/copyout/copyinstr
//    (kernel/uaccess.h); a bad one is ERR_FAULT, never a kernel fault.
//    ERR_NOMEM where serving a lazy or copy-on-write page needs memory.
//  - Data moves through a bounce buffer of SYS_FILE_CHUNK bytes on the
//    kernel stack (kernel/fs/file_io.h): a count is never allocated, and any
//    count is safe (it is a uint64_t; a "negative" one is just huge).
//  - Every call does a bounded amount of work once its process is killed:
//    read is one step and its waits give up, write stops between steps
//    (see write below), the others copy at most a fixed number of bytes.
//    The process then ends on its way back to user mode.
//  - The handlers act on the calling process's table (fdtable_current) and
//    may sleep (pipes, the console). While one sleeps its file holds an
//    extra reference, so a concurrent close cannot free it.

#include <stdint.h>

#include "kernel/fs/file_io.h"
#include "kernel/syscall.h"

#ifdef __cplusplus
extern "C" {
#endif

// open(const char *path, int flags): the lowest free descriptor for the
// initrd file or directory at path (kernel/fs/initrd_file.h). ERR_INVAL unless
// flags is O_RDONLY; ERR_FAULT (bad path pointer), ERR_TOOLONG (no NUL in
// PATH_MAX_BYTES bytes), ERR_NOENT, ERR_NOSPACE (all FD_MAX descriptors in
// use), ERR_NOMEM.
int64_t sys_open(const struct syscall_args *args);

// read(int fd, void *buf, uint64_t n): reads once from the file, at most
// min(n, SYS_FILE_CHUNK) bytes, and returns the count (0: end of file). A
// short count is normal: callers loop. ERR_BADF (not open, or not open for
// reading). n == 0 returns 0 without touching buf. A bad buf is ERR_FAULT,
// and then nothing is taken from the file (file_read_to_user in
// kernel/fs/file_io.h says how). ERR_KILLED when the process is killed while
// the read waits (only the kernel sees it: the process ends).
int64_t sys_read(const struct syscall_args *args);

// write(int fd, const void *buf, uint64_t n): writes all n bytes, in steps of
// SYS_FILE_CHUNK, and returns n. Stops early, returning the count written so
// far, when the process is killed (no step starts after the kill), when the
// file takes less than a step (a pipe whose reader has gone) or fails, or
// when buf turns bad part way through; if nothing was written it returns
// the reason instead: ERR_KILLED, ERR_BADF (not open, or not open for
// writing), ERR_FAULT, ERR_PIPE. A killed writer's result is seen only by
// the kernel (the process ends before it returns to user mode); what it
// wrote before the kill stays written (a pipe's reader gets it). n above
// INT64_MAX is taken as INT64_MAX (the count must fit the result; no user
// buffer is that large anyway). See file_write_from_user (kernel/fs/file_io.h).
int64_t sys_write(const struct syscall_args *args);

// close(int fd): 0. ERR_BADF.
int64_t sys_close(const struct syscall_args *args);

// dup(int fd): the lowest free descriptor, referring to the same file (and
// so sharing its offset). ERR_BADF, ERR_NOSPACE.
int64_t sys_dup(const struct syscall_args *args);

// pipe(int fds[2]): creates a pipe (kernel/fs/pipe.h), installs its read end at
// the lowest free descriptor and its write end at the next lowest, and
// stores them in fds[0] and fds[1] (two 32-bit ints); returns 0. ERR_NOMEM,
// ERR_NOSPACE (fewer than two free descriptors), ERR_FAULT (fds not
// writable). On any error no descriptor stays open and nothing leaks.
int64_t sys_pipe(const struct syscall_args *args);

// fstat(int fd, struct osv_stat *st): fills *st; returns 0. ERR_BADF,
// ERR_FAULT.
int64_t sys_fstat(const struct syscall_args *args);

#ifdef __cplusplus
}
#endif
