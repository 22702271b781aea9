#pragma once

// Reading and writing an open file from and to user memory: the work of the
// read and write system calls (kernel/fs/sys_file.h) once the file is known.
//
// Bytes move between the file (kernel/fs/file.h) and the user's buffer through
// a bounce buffer of SYS_FILE_CHUNK bytes on the kernel stack, with copyin
// and copyout (kernel/uaccess.h): a count is never allocated, and any count
// is safe.
//
// Bounded work: a read is one step. A write is as many steps as its count
// asks for, so it looks for a kill between steps: once the caller is
// killed, no further step starts. A killed writer gets back the count
// written so far, or ERR_KILLED when nothing was (its process then ends on
// the way back to user mode, so only the kernel sees either). One step
// does a bounded amount of work: a copyin of SYS_FILE_CHUNK bytes, then one
// file operation on them, which either does not sleep (the console, whose
// write polls the device for each byte) or gives up itself when the caller
// is killed (pipes; see kernel/fs/file.h).
//
// The caller holds a reference to the file. Both functions act on the
// current process's address space and may sleep.

#include <stdbool.h>
#include <stdint.h>

#include "kernel/addr.h"
#include "kernel/fs/file.h"

#ifdef __cplusplus
extern "C" {
#endif

// Bytes one read returns at most, and one step of a write.
#define SYS_FILE_CHUNK 512

// Reads once from the file into user buffer buf: at most
// min(n, SYS_FILE_CHUNK) bytes; returns the count (0: end of file) or the
// file's error (ERR_BADF when not open for reading, ERR_KILLED from a
// read that was waiting). n == 0 returns 0 without touching buf.
//
// A bad buf is ERR_FAULT, and nothing is taken from the file: first the
// first min(n, SYS_FILE_CHUNK) bytes of buf are copied in and back out
// unchanged, which proves them writable and makes their pages present and
// private (lazy and copy-on-write pages are served then). Bytes taken from
// a pipe or the console are consumed for good, so they must not be read
// into a buffer that turns out bad; after the check nothing can take buf's
// pages away from a process blocked in read (one thread per process), so
// the final copy succeeds. ERR_NOMEM where serving a page needs memory.
int64_t file_read_to_user(struct file *file, vaddr_t buf, uint64_t n);

// Writes the n bytes at user address buf to the file, in steps of
// SYS_FILE_CHUNK, and returns n. Before each step it calls killed() (the
// system call passes thread_killed, kernel/sched.h) and stops if it returns
// true. Stops early too when the file takes less than a step (a pipe whose
// reader has gone, or whose writer was killed part way) or fails, or buf
// turns bad part way through. Returns the count written so far when it
// stops early; if nothing was written, the reason instead: ERR_KILLED,
// ERR_BADF (not open for writing), ERR_FAULT, ERR_NOMEM, or the file's
// error (ERR_PIPE). n above INT64_MAX is taken as INT64_MAX (the count must
// fit the result; no user buffer is that large anyway). n == 0 returns 0
// (ERR_BADF if not open for writing) without calling killed().
int64_t file_write_from_user(struct file *file, vaddr_t buf, uint64_t n, bool (*killed)(void));

#ifdef __cplusplus
}
#endif
