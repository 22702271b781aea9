// killwrite: kill() ends a long write within a bounded amount of work.
//
// A write copies its buffer in steps of SYS_FILE_CHUNK (512) bytes
// (kernel/fs/file_io.h); between steps it gives up once the writer is killed.
// The count a killed writer would get back never reaches user code (the
// process ends on its way out of the kernel): the host test of the write
// loop, //kernel/fs:file_io_test, checks it. What user code can see is
// checked here.
//
// Correctness criteria:
//  1. A child that writes CONSOLE_BYTES (16 MiB) of filler to the console
//     in one write, started just before its parent kills it, is ended by
//     the kill: wait reports EXIT_STATUS_KILLED within 2 s of the kill
//     (measured in ticks). The whole write takes over 20 s on the emulated
//     serial port (2200 ticks, before writes looked for kills), so a write
//     that runs on after the kill fails the bound.
//  2. The same for a child writing PIPE_BYTES (16 MiB) of a known stream
//     to a pipe in one write, blocked on the full pipe when it is killed:
//     wait reports EXIT_STATUS_KILLED within 2 s, and the pipe delivers
//     what was written before the kill intact: the parent, reading on to
//     end of file, gets an unbroken prefix of the stream (every byte the
//     one at its offset), shorter than the whole.
//  3. The write stops within one step of the kill: after the kill the
//     parent reads at most what the full pipe held (PIPE_SIZE) plus one
//     step (SYS_FILE_CHUNK). A writer that went on until the pipe filled
//     again would deliver up to PIPE_SIZE more.
//  4. The parent, and the kernel, go on, and every page the children took
//     comes back: the free pages plus the parent's own are the same after
//     the two cases as before.
//
// The console case's noise is the filler written before the kill took
// effect: about three ticks of output (some hundreds of lines "killwrite:
// filler ....", tens of KiB). At least one such line must appear (BUILD.bazel
// expects it): without it the child was killed before its write began,
// and the case would have tested nothing.
//
// Expected output: a line per case, the kernel's "killed" line for each
// child, then "killwrite: PASS".

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define CONSOLE_BYTES (16u << 20)
#define PIPE_BYTES    (16u << 20)
#define PIPE_SIZE     4096                  // kernel/fs/pipe.h
#define CHUNK         512                   // SYS_FILE_CHUNK, kernel/fs/file_io.h
#define FILLER_LINE   80                    // bytes per line of console filler, '\n' included
#define FILLER        "killwrite: filler "  // then dots

// Ticks within which a killed child must be reaped: 2 s.
static uint64_t kill_bound_ticks(void)
{
    struct osv_sysinfo info;
    check_result(sysinfo(&info), 0, "sysinfo");
    return 2 * info.ticks_per_second;
}

// The byte at `offset` of the pipe stream: a period (251) that no step or
// pipe size divides, so a lost or repeated step shows.
static unsigned char stream_byte(uint64_t offset)
{
    return (unsigned char)(offset % 251);
}

// A buffer of n bytes from the heap, or exit 2 (the parent sees a status
// other than EXIT_STATUS_KILLED).
static unsigned char *big_buffer(size_t n)
{
    unsigned char *buf = malloc(n);
    if (buf == NULL) {
        printf("killwrite: FAIL: no memory for %zu bytes\n", n);
        _exit(2);
    }
    return buf;
}

// Waits for the killed child; checks its status and that it ended within
// the bound of `killed_at`.
static void expect_killed_soon(int pid, uint64_t killed_at, const char *what)
{
    int status = 0;
    check_result(wait(pid, &status), pid, "wait for the child that %s", what);
    uint64_t took = ticks() - killed_at;
    check_result(status, EXIT_STATUS_KILLED, "status of the child that %s", what);
    check(took <= kill_bound_ticks(),
          "the child that %s ended %lu ticks after the kill (bound %lu)", what, (unsigned long)took,
          (unsigned long)kill_bound_ticks());
}

// Returns just after a tick, one tick before this process's time slice
// ends, so that the write the child starts next has the CPU for about one
// tick (10 ms, some 8 KiB of filler) before the parent runs and kills it:
// a wakeup does not preempt, so the parent runs when the slice ends
// (kernel/sched.h). The process is alone on the CPU (its parent and init
// wait), so its slice of SCHED_SLICE_TICKS (2) ticks starts when sleep
// returns, just after a tick. Starting the write with a tick to spare,
// not closer to the end, keeps a late tick (a busy host) from killing the
// child before its write begins; the filler line expected on the console
// shows that it did begin.
static void one_tick_before_the_slice_ends(void)
{
    sleep(1);
    uint64_t now = ticks();
    while (ticks() == now) {
    }
}

static void console_case(void)
{
    printf("killwrite: a child writing 16 MiB to the console is killed\n");
    int go[2];
    check_result(pipe(go), 0, "pipe");
    int pid = fork();
    if (pid == 0) {
        close(go[0]);
        unsigned char *buf = big_buffer(CONSOLE_BYTES);
        memset(buf, '.', CONSOLE_BYTES);
        for (size_t i = 0; i + FILLER_LINE <= CONSOLE_BYTES; i += FILLER_LINE) {
            memcpy(buf + i, FILLER, sizeof FILLER - 1);
            buf[i + FILLER_LINE - 1] = '\n';
        }
        one_tick_before_the_slice_ends();
        uint64_t at = ticks();
        write(go[1], &at, sizeof at);  // wakes the parent, which runs when the slice ends
        write(1, buf, CONSOLE_BYTES);
        printf("\nkillwrite: FAIL: the console write returned in the killed child\n");
        _exit(0);
    }
    check(pid > 0, "fork returned %d", pid);
    close(go[1]);
    uint64_t go_tick = 0;
    check_result(read(go[0], &go_tick, sizeof go_tick), sizeof go_tick, "read the go-ahead");
    // Two more ticks of writing: the rest of the child's slice alone could
    // be lost to the host (a busy host that stops QEMU for a tick lets the
    // guest's clock run on), and the child would be killed before its first
    // line.
    sleep(2);
    uint64_t killed_at = ticks();
    check_result(kill(pid), 0, "kill(child writing to the console)");
    // Had the parent run before a tick ended the child's slice, the child
    // could have been killed before its write began.
    check(killed_at > go_tick, "the kill (tick %lu) came after the child's slice ended (tick %lu)",
          (unsigned long)killed_at, (unsigned long)go_tick);
    expect_killed_soon(pid, killed_at, "wrote to the console");
    close(go[0]);
    // The filler stopped wherever the kill caught it: end its line.
    printf("\nkillwrite: the console write ended\n");
}

// Reads from fd until end of file or until `until` bytes in all (*got
// counts them), checking each byte against the stream. Returns false on a
// read error or a wrong byte (reported).
static bool read_stream(int fd, uint64_t *got, uint64_t until)
{
    static unsigned char buf[CHUNK];
    while (*got < until) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) {
            return true;
        }
        if (!check(n > 0, "read the stream at offset %lu: %ld", (unsigned long)*got, (long)n)) {
            return false;
        }
        for (ssize_t i = 0; i < n; i++) {
            uint64_t at = *got + (uint64_t)i;
            if (buf[i] != stream_byte(at)) {
                check(false, "stream byte at offset %lu is %u, want %u", (unsigned long)at, buf[i],
                      stream_byte(at));
                return false;
            }
        }
        *got += (uint64_t)n;
    }
    return true;
}

static void pipe_case(void)
{
    printf("killwrite: a child writing 16 MiB to a pipe is killed\n");
    int fds[2];
    check_result(pipe(fds), 0, "pipe");
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        unsigned char *buf = big_buffer(PIPE_BYTES);
        for (uint64_t i = 0; i < PIPE_BYTES; i++) {
            buf[i] = stream_byte(i);
        }
        ssize_t n = write(fds[1], buf, PIPE_BYTES);
        printf("killwrite: FAIL: the pipe write returned %ld in the killed child\n", (long)n);
        _exit(0);
    }
    check(pid > 0, "fork returned %d", pid);
    close(fds[1]);
    // Take 16 pipefuls, then leave the pipe full: the child blocks in its
    // write, part way through the stream.
    uint64_t got = 0;
    bool intact = read_stream(fds[0], &got, 16 * PIPE_SIZE);
    sleep(5);
    uint64_t killed_at = ticks();
    check_result(kill(pid), 0, "kill(child writing to a pipe)");
    uint64_t before_kill = got;
    if (intact) {
        intact = read_stream(fds[0], &got, UINT64_MAX);
    }
    close(fds[0]);
    expect_killed_soon(pid, killed_at, "wrote to a pipe");
    check(intact, "the stream read from the pipe is intact");
    check(got < PIPE_BYTES, "the parent got %lu bytes, less than the %u written",
          (unsigned long)got, PIPE_BYTES);
    uint64_t after_kill = got - before_kill;
    check(after_kill <= PIPE_SIZE + CHUNK,
          "%lu bytes arrived after the kill, at most the full pipe and one step (%u)",
          (unsigned long)after_kill, PIPE_SIZE + CHUNK);
    printf("killwrite: the pipe write ended; the stream up to it arrived intact\n");
}

// Free pages plus the pages this process maps: what the children took must
// all come back when they are killed.
static uint64_t pages_not_held_by_children(void)
{
    struct osv_sysinfo info;
    check_result(sysinfo(&info), 0, "sysinfo");
    return info.free_pages + info.proc_pages_mapped;
}

int main(void)
{
    check_init("killwrite");
    uint64_t before = pages_not_held_by_children();
    console_case();
    pipe_case();
    uint64_t after = pages_not_held_by_children();
    check(after == before, "free pages (plus this process's own) back at %lu after the kills: %lu",
          (unsigned long)before, (unsigned long)after);
    return check_finish();
}
