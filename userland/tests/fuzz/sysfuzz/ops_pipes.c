// Pipes between the worker and its children: blocked readers and writers, woken by kill or by the
// other end closing, and a long transfer (ops.h).

#include "userland/tests/fuzz/sysfuzz/ops.h"

#include <osv.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

// Closes every descriptor of the worker that refers to ofile `of`.
static void close_all_of(int of)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fdmap[fd] == of) {
            struct call c = {.nr = SYS_CLOSE, .a = {(uint64_t)fd}, .note = "the other end"};
            verify(&c, issue(&c), ex_val(0));
            model_close(fd);
        }
    }
}

void op_block(void)
{
    struct call c = {.a = {junk(), junk(), junk(), junk(), junk(), junk()}};
    int pipe = -1;
    switch (below(5)) {
    case 0:
        c.nr = SYS_SLEEP;
        c.a[0] = chance(50) ? UINT64_MAX : 1ull << (20 + below(40));
        c.note = "a long sleep";
        break;
    case 4:
        // The console: nobody types in a test, so this blocks until kill.
        c.nr = SYS_READ;
        c.a[0] = DIAG_FD;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = 1 + below(CHUNK);
        c.note = "a console read";
        break;
    case 1:
    case 2:
        // Read a pipe that we keep the write end of (make one if need be).
        for (int fd = 0; fd < FD_MAX && pipe < 0; fd++) {
            if (fdmap[fd] >= 0 && ofiles[fdmap[fd]].kind == F_PIPE_R &&
                write_end_open(ofiles[fdmap[fd]].pipe)) {
                pipe = ofiles[fdmap[fd]].pipe;
                c.a[0] = (uint64_t)fd;
            }
        }
        if (pipe < 0) {
            return;
        }
        c.nr = SYS_READ;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = 1 + below(600);
        c.note = "a pipe read that may block";
        break;
    default:
        for (int fd = 0; fd < FD_MAX && pipe < 0; fd++) {
            if (fdmap[fd] >= 0 && ofiles[fdmap[fd]].kind == F_PIPE_W &&
                read_end_open(ofiles[fdmap[fd]].pipe)) {
                pipe = ofiles[fdmap[fd]].pipe;
                c.a[0] = (uint64_t)fd;
            }
        }
        if (pipe < 0) {
            return;
        }
        c.nr = SYS_WRITE;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = PIPE_CAPACITY + below(PAGE_SIZE);  // more than fits
        c.note = "a pipe write that may block";
        break;
    }
    blocking_in_child(&c, pipe);
}

// A child blocks reading a pipe (or writing one that is full) of which it
// holds only that end; the worker then closes every descriptor of the
// other end, which must wake the child: end of file for the reader, a short
// count or ERR_PIPE for the writer. No kill: if the wakeup is lost, the
// round hangs and the watchdog says so.
void op_wakeup(void)
{
    if (others_hold_fds()) {
        return;
    }
    bool reading = chance(50);
    int fd = -1;
    for (int i = 0; i < FD_MAX && fd < 0; i++) {
        int of = fdmap[i];
        if (of >= 0 && ofiles[of].kind == (reading ? F_PIPE_R : F_PIPE_W) &&
            (reading ? write_end_open(ofiles[of].pipe) : read_end_open(ofiles[of].pipe))) {
            fd = i;
        }
    }
    if (fd < 0) {
        return;
    }
    int pipe = ofiles[fdmap[fd]].pipe;
    uint64_t n = reading ? 1 + below(CHUNK) : PIPE_CAPACITY + 1 + below(2 * PAGE_SIZE);
    int pid = fork_checked(reading ? "a reader woken by close" : "a writer woken by close");
    if (pid == 0) {
        close_all_but(fd);
        int64_t r = osv_syscall(reading ? SYS_READ : SYS_WRITE, (uint64_t)fd,
                                (uint64_t)(uintptr_t)scratch, n, 0, 0, 0);
        // A reader gets data or end of file; a writer a count or ERR_PIPE.
        bool ok = reading ? r >= 0 : (r > 0 || r == ERR_PIPE);
        _exit(ok ? 0 : ST_EXEC_ERROR_BASE + (int)(r < 0 ? -r : 0));
    }
    if (pid < 0) {
        return;
    }
    count_child_call(reading ? SYS_READ : SYS_WRITE);
    osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);  // let it block first
    close_all_of(reading ? pipes[pipe].w : pipes[pipe].r);
    reap(pid, 0, 0, reading ? "a reader woken by close" : "a writer woken by close");
    pipes[pipe].fill = -1;
}

// The byte at position i of a transfer with key k.
static unsigned char transfer_byte(uint32_t k, uint64_t i)
{
    return (unsigned char)(k + i * 131 + (i >> 8));
}

// A child writes a few pipefuls through a new pipe, in chunks of random
// sizes; the worker reads them in chunks of other sizes until end of file,
// and checks every byte.
void op_transfer(void)
{
    if (free_fds() < 2 || others_hold_fds()) {
        return;
    }
    int32_t fds[2];
    struct call c = {.nr = SYS_PIPE, .a = {(uint64_t)(uintptr_t)fds}, .note = "for a transfer"};
    if (!verify(&c, issue(&c), ex_val(0))) {
        return;
    }
    model_pipe_created(fds[0], fds[1]);
    uint64_t total = 1 + below(3 * PIPE_CAPACITY);
    uint32_t key = (uint32_t)rnd();
    int pid = fork_checked("a transfer's writer");
    if (pid == 0) {
        close_all_but(fds[1]);
        char *buf = scratch + PAGE_SIZE;
        for (uint64_t sent = 0; sent < total;) {
            uint64_t n = 1 + below(1500);
            n = n < total - sent ? n : total - sent;
            for (uint64_t i = 0; i < n; i++) {
                buf[i] = (char)transfer_byte(key, sent + i);
            }
            int64_t r =
                osv_syscall(SYS_WRITE, (uint64_t)fds[1], (uint64_t)(uintptr_t)buf, n, 0, 0, 0);
            if (r <= 0) {
                _exit(ST_CHILD_BAD);
            }
            sent += (uint64_t)r;
            if (chance(10)) {
                osv_syscall(SYS_SLEEP, 1, 0, 0, 0, 0, 0);
            }
        }
        _exit(0);
    }
    struct call cl = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[1]}};
    verify(&cl, issue(&cl), ex_val(0));
    model_close(fds[1]);
    if (pid > 0) {
        uint64_t got = 0;
        for (;;) {
            uint64_t n = 1 + below(1000);
            unsigned char *buf = (unsigned char *)scratch + 2 * PAGE_SIZE;
            struct call r = {.nr = SYS_READ,
                             .a = {(uint64_t)fds[0], (uint64_t)(uintptr_t)buf, n},
                             .note = "a transfer"};
            int64_t k = issue(&r);
            if (!verify(&r, k, ex_range(0, n < CHUNK ? (int64_t)n : (int64_t)CHUNK)) || k == 0) {
                break;
            }
            for (int64_t i = 0; i < k; i++) {
                if (buf[i] != transfer_byte(key, got + (uint64_t)i)) {
                    expect_true(false, "a transfer's bytes arrive intact and in order",
                                got + (uint64_t)i);
                    break;
                }
            }
            got += (uint64_t)k;
        }
        expect_true(got == total, "a transfer delivers every byte", got);
        reap(pid, 0, 0, "a transfer's writer");
    }
    struct call cr = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[0]}};
    verify(&cr, issue(&cr), ex_val(0));
    model_close(fds[0]);
}
