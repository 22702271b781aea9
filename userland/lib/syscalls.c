// One wrapper per system call of kernel/syscall_abi.h. Declared in
// <unistd.h> (the Unix ones) and <osv.h> (osv's own).

#include <osv.h>
#include <stdio.h>
#include <unistd.h>

#include "userland/lib/syscall_asm.h"

// A new system call number needs a wrapper here (and a line in the header
// that declares it).
_Static_assert(SYS_COUNT == SYS_GETTID + 1, "a system call without a wrapper");

#define U(x) ((uint64_t)(x))

_Noreturn void _exit(int status)
{
    syscall1(SYS_EXIT, U(status));
    for (;;) {
        // The kernel never returns from exit; if it did, spinning is the
        // only thing left that cannot do harm.
    }
}

int fork(void)
{
    fflush(NULL);
    return (int)syscall0(SYS_FORK);
}

int wait(int pid, int *status)
{
    return (int)syscall2(SYS_WAIT, U(pid), U(status));
}

int getpid(void)
{
    return (int)syscall0(SYS_GETPID);
}

int kill(int pid)
{
    return (int)syscall1(SYS_KILL, U(pid));
}

int sleep(uint64_t ticks)
{
    return (int)syscall1(SYS_SLEEP, ticks);
}

uint64_t ticks(void)
{
    return (uint64_t)syscall0(SYS_TICKS);
}

void *sbrk(intptr_t increment)
{
    int64_t old = syscall1(SYS_SBRK, U(increment));
    return old < 0 ? (void *)-1 : (void *)old;
}

int exec(const char *path, char *const argv[])
{
    fflush(NULL);
    return (int)syscall2(SYS_EXEC, U(path), U(argv));
}

int open(const char *path, int flags)
{
    return (int)syscall2(SYS_OPEN, U(path), U(flags));
}

ssize_t read(int fd, void *buf, size_t n)
{
    return syscall3(SYS_READ, U(fd), U(buf), n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    return syscall3(SYS_WRITE, U(fd), U(buf), n);
}

int close(int fd)
{
    return (int)syscall1(SYS_CLOSE, U(fd));
}

int dup(int fd)
{
    return (int)syscall1(SYS_DUP, U(fd));
}

int pipe(int fds[2])
{
    return (int)syscall1(SYS_PIPE, U(fds));
}

int fstat(int fd, struct osv_stat *st)
{
    return (int)syscall2(SYS_FSTAT, U(fd), U(st));
}

int sysinfo(struct osv_sysinfo *info)
{
    return (int)syscall1(SYS_SYSINFO, U(info));
}

int getppid(void)
{
    return (int)syscall0(SYS_GETPPID);
}

int getcpu(void)
{
    return (int)syscall0(SYS_GETCPU);
}

int thread_start(void (*entry)(void *), void *stack, void *arg)
{
    return (int)syscall3(SYS_THREAD_START, U(entry), U(stack), U(arg));
}

_Noreturn void thread_exit(int status)
{
    syscall1(SYS_THREAD_EXIT, U(status));
    for (;;) {
        // As in _exit: the kernel never returns from it.
    }
}

int thread_join(int tid, int *status)
{
    return (int)syscall2(SYS_THREAD_JOIN, U(tid), U(status));
}

int gettid(void)
{
    return (int)syscall0(SYS_GETTID);
}

int shutdown(int failed)
{
    fflush(NULL);
    return (int)syscall1(SYS_SHUTDOWN, U(failed));
}

int64_t vmmap(int pid, uint32_t flags, struct osv_vmmap_entry *buf, uint64_t capacity)
{
    return syscall6(SYS_VMMAP, U(pid), flags, U(buf), capacity, 0, 0);
}

int64_t osv_syscall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t a4, uint64_t a5)
{
    return syscall6(number, a0, a1, a2, a3, a4, a5);
}
