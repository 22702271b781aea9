// Making, counting and reporting the worker's calls (calls.h).

#include "userland/tests/fuzz/sysfuzz/calls.h"

#include <stdarg.h>
#include <stdio.h>

uint64_t seed;
uint64_t round_no;
int op_no;
bool tracing;
struct report rep;

static const char *const call_names[] = {
    [SYS_EXIT] = "exit",
    [SYS_FORK] = "fork",
    [SYS_WAIT] = "wait",
    [SYS_GETPID] = "getpid",
    [SYS_KILL] = "kill",
    [SYS_SLEEP] = "sleep",
    [SYS_TICKS] = "ticks",
    [SYS_SBRK] = "sbrk",
    [SYS_EXEC] = "exec",
    [SYS_OPEN] = "open",
    [SYS_READ] = "read",
    [SYS_WRITE] = "write",
    [SYS_CLOSE] = "close",
    [SYS_DUP] = "dup",
    [SYS_PIPE] = "pipe",
    [SYS_FSTAT] = "fstat",
    [SYS_SYSINFO] = "sysinfo",
    [SYS_GETPPID] = "getppid",
    [SYS_SHUTDOWN] = "shutdown",
    [SYS_VMMAP] = "vmmap",
    [SYS_GETCPU] = "getcpu",
    [SYS_THREAD_START] = "thread_start",
    [SYS_THREAD_EXIT] = "thread_exit",
    [SYS_THREAD_JOIN] = "thread_join",
    [SYS_GETTID] = "gettid",
};

static void count_calls(uint64_t nr, uint64_t n)
{
    rep.syscalls += n;
    rep.by_call[nr < SYS_COUNT && nr != 0 ? nr : SYS_COUNT] += n;
}

static void count_result(int64_t r, uint64_t n)
{
    rep.by_result[r >= 0 ? 0 : r > -32 ? -r : 31] += n;
}

int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
           uint64_t a5)
{
    count_calls(nr, 1);
    int64_t r = osv_syscall(nr, a0, a1, a2, a3, a4, a5);
    count_result(r, 1);
    if (tracing) {
        diag("sysfuzz: trace op %d: #%lu(0x%lx, 0x%lx, 0x%lx) = %ld\n", op_no, (unsigned long)nr,
             (unsigned long)a0, (unsigned long)a1, (unsigned long)a2, (long)r);
    }
    return r;
}

int64_t issue(const struct call *c)
{
    return sc(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

void count_child_call(uint64_t nr)
{
    count_calls(nr, 1);
}

void count_thread_calls(uint64_t nr, int64_t result, uint64_t n)
{
    count_calls(nr, n);
    count_result(result, n);
}

const char *call_name(uint64_t nr)
{
    return nr < SYS_COUNT && call_names[nr] ? call_names[nr] : "nosys";
}

void diag(const char *format, ...)
{
    char line[320];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > (int)sizeof line - 1) {
        n = sizeof line - 1;
    }
    // Not sc(): the worker's own lines are not fuzzed calls.
    osv_syscall(SYS_WRITE, DIAG_FD, (uint64_t)line, (uint64_t)n, 0, 0, 0);
}
