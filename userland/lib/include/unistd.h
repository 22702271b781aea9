#pragma once

// osv's process and file descriptor system calls, under their Unix names.
//
// Every call returns what the kernel returns: a value >= 0 on success, or a
// negative err_t (kernel/err.h; err_name() turns one into text) on failure.
// There is no errno. Where osv differs from POSIX, the comment says so.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t ssize_t;

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

// Creates a child process with a copy of this one's memory (copy-on-write)
// and file descriptors. Returns the child's pid to the parent and 0 to the
// child; ERR_NOMEM or ERR_NOSPACE (process table full). Buffered stdout and
// stderr output is flushed first, so it is not printed twice.
int fork(void);

// Replaces this program with the initrd file `path` (a leading '/' is
// optional), run with the NULL-terminated argument list argv (argv[0] is
// conventionally the program's name; at most EXEC_MAX_ARGS entries and
// EXEC_MAX_ARG_BYTES bytes of strings). Only returns on failure: ERR_NOENT,
// ERR_NOEXEC, ERR_TOOLONG, ERR_FAULT, ERR_NOMEM. Buffered output is flushed
// first. (POSIX calls this execv.)
int exec(const char *path, char *const argv[]);

// Waits for the child `pid` (or any child if pid is -1) to exit, stores its
// exit status in *status if status is not NULL (EXIT_STATUS_KILLED if the
// kernel or kill() ended it) and returns its pid. ERR_NOCHILD when there is
// no such child. (POSIX: waitpid(pid, status, 0), with the status as is.)
int wait(int pid, int *status);

// Ends this process at once with `status` (0..255), without flushing stdio:
// exit() in <stdlib.h> is what programs normally call.
_Noreturn void _exit(int status);

int getpid(void);
int getppid(void);  // 0 for init
int getcpu(void);   // the CPU running the caller (0, 1, ...), as it was when asked

// Moves the program break (the end of the heap) by `increment` bytes and
// returns the old break. sbrk(0) reports the break; a negative increment
// gives memory back (whole pages are unmapped). Returns (void *)-1 on
// failure (ERR_NOMEM: the heap would run into another region or out of
// memory); the break is then unchanged. malloc() owns the break: programs
// that use malloc should not move it themselves.
void *sbrk(intptr_t increment);

// Reads up to n bytes from fd; returns the count, 0 at end of file (a pipe
// whose writers have all closed it). Blocks until something is there.
// ERR_BADF, ERR_FAULT.
ssize_t read(int fd, void *buf, size_t n);

// Writes up to n bytes to fd; returns the count written. ERR_BADF,
// ERR_FAULT, ERR_PIPE (a pipe that nobody can read any more).
ssize_t write(int fd, const void *buf, size_t n);

int close(int fd);  // ERR_BADF

// A new descriptor for the same open file: the lowest one free. ERR_BADF,
// ERR_NOSPACE (FD_MAX open already).
int dup(int fd);

// Creates a pipe: fds[0] reads what fds[1] writes. ERR_NOSPACE, ERR_NOMEM.
int pipe(int fds[2]);

// Sleeps for `ticks` timer ticks (ticks_per_second of struct osv_sysinfo,
// 100 on osv), NOT seconds as POSIX's sleep.
int sleep(uint64_t ticks);

// Ends process pid; wait() reports EXIT_STATUS_KILLED for it. ERR_SRCH if
// there is no such process; ERR_PERM for init (pid 1), which must not end.
// (POSIX has signals; osv only kills.)
int kill(int pid);

#ifdef __cplusplus
}
#endif
