// pipetest: pipes between processes.
//
// Correctness criteria:
//  1. STREAM_BYTES (100 KiB, 25 times the pipe's 4 KiB buffer) of a
//     deterministic pseudo-random stream, written by a child in writes of
//     pseudo-random sizes (1..2000 bytes), reach the parent intact through
//     reads of other pseudo-random sizes (1..700 bytes): the same count, every
//     byte equal to the regenerated stream, the same checksum (printed).
//  2. read returns 0 (end of file) only once every write end is closed: with
//     two writers, one of them late, both messages arrive before the 0, and
//     a read at end of file returns 0 again. A read of 0 bytes returns 0 at
//     once, even from an empty pipe that still has a writer.
//  3. write to a pipe whose read end is closed everywhere returns ERR_PIPE,
//     and the writer goes on. A writer blocked on a full pipe whose only
//     reader exits gets back a short count (at least what the reader took,
//     less than it asked), and its next write returns ERR_PIPE.
//  4. A pipeline of three processes (producer | filter | consumer, each pipe
//     end moved onto descriptor 0 or 1 with close and dup) delivers the
//     producer's stream, transformed byte by byte by the filter, to the
//     consumer intact; all three exit 0.
//  5. fstat of either end of a pipe reports FILE_TYPE_PIPE.
//
// Expected output: a line per step (criterion 1's with the stream's
// checksum), then "pipetest: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define STREAM_BYTES   (100 * 1024)
#define PIPELINE_BYTES (50 * 1024)

// xorshift32: the deterministic pseudo-random source of streams and sizes.
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

// FNV-1a, over the stream as it goes by.
static uint32_t checksum_add(uint32_t sum, const unsigned char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sum = (sum ^ bytes[i]) * 16777619u;
    }
    return sum;
}
#define CHECKSUM_INIT 2166136261u

// The stream: one pseudo-random byte after another.
struct stream {
    uint32_t state;
};

static void stream_fill(struct stream *s, unsigned char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = (unsigned char)(next_random(&s->state) >> 24);
    }
}

// Writes all n bytes (a short count only if the reader is gone).
static ssize_t write_all(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);
        if (w <= 0) {
            return done > 0 ? (ssize_t)done : w;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

// Writes `total` stream bytes from seed to fd in pseudo-random chunks of
// 1..max_chunk bytes; returns 0 when all went out.
static int produce(int fd, uint32_t seed, size_t total, size_t max_chunk)
{
    static unsigned char buf[2048];
    struct stream s = {seed};
    uint32_t sizes = 0x2545f491u;
    size_t sent = 0;
    while (sent < total) {
        size_t n = 1 + next_random(&sizes) % max_chunk;
        n = n < total - sent ? n : total - sent;
        stream_fill(&s, buf, n);
        if (write_all(fd, buf, n) != (ssize_t)n) {
            return 1;
        }
        sent += n;
    }
    return 0;
}

// Reads fd to end of file in pseudo-random chunks of 1..max_chunk bytes and
// compares with the stream from seed, each byte transformed by ^ xor.
// Returns the first mismatching offset, or -1 if all matched; sets *count
// and *sum.
static long consume(int fd, uint32_t seed, unsigned char xor, size_t max_chunk, size_t *count,
                    uint32_t *sum)
{
    static unsigned char got[2048], want[2048];
    struct stream s = {seed};
    uint32_t sizes = 0x9e3779b9u;
    long mismatch = -1;
    *count = 0;
    *sum = CHECKSUM_INIT;
    for (;;) {
        size_t n = 1 + next_random(&sizes) % max_chunk;
        ssize_t r = read(fd, got, n);
        if (r <= 0) {
            break;
        }
        stream_fill(&s, want, (size_t)r);
        for (ssize_t i = 0; i < r; i++) {
            if (mismatch < 0 && got[i] != (unsigned char)(want[i] ^ xor)) {
                mismatch = (long)(*count + (size_t)i);
            }
        }
        *sum = checksum_add(*sum, got, (size_t)r);
        *count += (size_t)r;
    }
    return mismatch;
}

static void check_stream(void)
{
    int fds[2];
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    struct osv_stat st = {0};
    check_result(fstat(fds[0], &st), 0, "fstat(read end)");
    check_result(st.type, FILE_TYPE_PIPE, "read end's type");
    check_result(fstat(fds[1], &st), 0, "fstat(write end)");
    check_result(st.type, FILE_TYPE_PIPE, "write end's type");

    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        _exit(produce(fds[1], 12345, STREAM_BYTES, 2000));
    }
    close(fds[1]);
    size_t count;
    uint32_t sum;
    long mismatch = consume(fds[0], 12345, 0, 700, &count, &sum);
    close(fds[0]);
    printf("pipetest: %u bytes from a child, checksum 0x%08x\n", (unsigned)count, sum);
    check_result((int64_t)count, STREAM_BYTES, "bytes received");
    check(mismatch < 0, "the stream differs from byte %ld on", mismatch);
    int status = -2;
    check_result(wait(pid, &status), pid, "wait for the writer");
    check_result(status, 0, "the writer's status");
}

static void check_end_of_file(void)
{
    printf("pipetest: end of file once every writer has closed\n");
    int fds[2];
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    char buf[64];
    check_result(read(fds[0], buf, 0), 0, "read of 0 bytes from an empty pipe");
    int early = fork();
    if (early == 0) {
        _exit(write(fds[1], "early.", 6) == 6 ? 0 : 1);
    }
    int late = fork();
    if (late == 0) {
        sleep(20);
        _exit(write(fds[1], "late.", 5) == 5 ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (r <= 0) {
            check_result(r, 0, "read at the end");
            break;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    check(strcmp(buf, "early.late.") == 0, "both writers' bytes before end of file: got \"%s\"",
          buf);
    check_result(read(fds[0], buf, sizeof buf), 0, "read again at end of file");
    close(fds[0]);
    int status = -2;
    check_result(wait(early, &status), early, "wait for the early writer");
    check_result(status, 0, "the early writer's status");
    check_result(wait(late, &status), late, "wait for the late writer");
    check_result(status, 0, "the late writer's status");
}

static void check_no_reader(void)
{
    printf("pipetest: write with no reader: ERR_PIPE\n");
    int fds[2];
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    close(fds[0]);
    check_result(write(fds[1], "x", 1), ERR_PIPE, "write with the read end closed");
    check_result(write(fds[1], "xyz", 3), ERR_PIPE, "a second write with the read end closed");
    close(fds[1]);

    // A writer blocked on a full pipe when its reader leaves.
    enum { TAKEN = 1000, ASKED = 8192 };
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    int reader = fork();
    if (reader == 0) {
        close(fds[1]);
        static char sink[TAKEN];
        size_t got = 0;
        while (got < TAKEN) {
            ssize_t r = read(fds[0], sink + got, TAKEN - got);
            if (r <= 0) {
                _exit(1);
            }
            got += (size_t)r;
        }
        _exit(0);  // closes the only read end
    }
    close(fds[0]);
    static char data[ASKED];
    memset(data, 'd', sizeof data);
    ssize_t wrote = write(fds[1], data, sizeof data);
    check(wrote >= TAKEN && wrote < ASKED,
          "write of %d bytes when the reader leaves after %d: returned %ld", ASKED, TAKEN,
          (long)wrote);
    check_result(write(fds[1], data, 1), ERR_PIPE, "write once the reader has gone");
    close(fds[1]);
    int status = -2;
    check_result(wait(reader, &status), reader, "wait for the reader");
    check_result(status, 0, "the reader's status");
}

// Moves fd onto descriptor `target` (0 or 1): close, then dup takes the
// lowest free one.
static void move_fd(int fd, int target)
{
    close(target);
    if (dup(fd) != target) {
        _exit(10 + target);
    }
    close(fd);
}

static void check_pipeline(void)
{
    printf("pipetest: a pipeline of three processes\n");
    int a[2], b[2];
    if (!check_result(pipe(a), 0, "pipe a") || !check_result(pipe(b), 0, "pipe b")) {
        return;
    }
    int producer = fork();
    if (producer == 0) {
        close(a[0]);
        close(b[0]);
        close(b[1]);
        move_fd(a[1], STDOUT_FILENO);
        _exit(produce(STDOUT_FILENO, 777, PIPELINE_BYTES, 1500));
    }
    int filter = fork();
    if (filter == 0) {
        close(a[1]);
        close(b[0]);
        move_fd(a[0], STDIN_FILENO);
        move_fd(b[1], STDOUT_FILENO);
        static unsigned char buf[600];
        for (;;) {
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r < 0) {
                _exit(2);
            }
            if (r == 0) {
                _exit(0);
            }
            for (ssize_t i = 0; i < r; i++) {
                buf[i] ^= 0xa5;
            }
            if (write_all(STDOUT_FILENO, buf, (size_t)r) != r) {
                _exit(3);
            }
        }
    }
    int consumer = fork();
    if (consumer == 0) {
        close(a[0]);
        close(a[1]);
        close(b[1]);
        move_fd(b[0], STDIN_FILENO);
        size_t count;
        uint32_t sum;
        long mismatch = consume(STDIN_FILENO, 777, 0xa5, 900, &count, &sum);
        _exit(count == PIPELINE_BYTES && mismatch < 0 ? 0 : 4);
    }
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    const int pids[3] = {producer, filter, consumer};
    const char *names[3] = {"producer", "filter", "consumer"};
    for (int i = 0; i < 3; i++) {
        int status = -2;
        check_result(wait(pids[i], &status), pids[i], "wait for the %s", names[i]);
        check_result(status, 0, "the %s's status", names[i]);
    }
}

int main(void)
{
    check_init("pipetest");
    check_stream();
    check_end_of_file();
    check_no_reader();
    check_pipeline();
    return check_finish();
}
