// Boot-time self-test of pipes (see pipe_selftest.h).
//
// Criteria:
//  1. Stream: a writer thread sends STREAM_BYTES bytes of a pattern that
//     depends on each byte's position, in writes of varying sizes; a reader
//     thread reads them with varying counts and checks every byte. The bytes
//     arrive intact and in order across dozens of wraps of the ring, and
//     every write returns its full count (it blocks while the pipe is full).
//  2. End of file: once the writer has closed its end, the reader's next
//     read returns 0, right after the last byte.
//  3. A reader blocked on an empty pipe wakes and gets 0 when the write end
//     closes.
//  4. A writer blocked on a full pipe returns the count it wrote when the
//     read end closes; a write with no read end returns ERR_PIPE.
//  5. No leak: once the threads have exited and every end is closed, free
//     pages and live threads are back at their values from before the test.

#include "kernel/selftest/pipe_selftest.h"

#include "kernel/fs/file.h"
#include "kernel/fs/pipe.h"
#include "kernel/kprintf.h"
#include "kernel/mm/pmem.h"
#include "kernel/sched.h"
#include "kernel/thread.h"

#define STREAM_BYTES 100003  // about 24 trips around the ring; not a multiple of anything
#define WRITE_MAX    3001
#define READ_MAX     1499
#define BLOCK_YIELDS 20  // yields after which a thread that has not returned is blocked

static unsigned char pattern(size_t position)
{
    return (unsigned char)(position * 131 + position / PIPE_SIZE);
}

// Shared with the helper threads; each is written by one side and read by
// the other after a flag says it is ready, so plain volatile suffices on
// one CPU.
static struct file *volatile read_end;
static struct file *volatile write_end;
static volatile int started;
static volatile int finished;
static volatile int writer_done, reader_done;
static volatile int64_t result;
static volatile int64_t second_result;

// Yields until `flag` is set, or BLOCK_YIELDS times: a thread that has not
// set it by then is blocked.
static bool set_within_yields(volatile int *flag)
{
    for (int i = 0; i < BLOCK_YIELDS && !*flag; i++) {
        sched_yield_cpu();
    }
    return *flag != 0;
}

static void wait_for(volatile int *flag)
{
    while (!*flag) {
        sched_yield_cpu();
    }
}

// Criteria 1 and 2, writer side.
static volatile size_t writes, short_writes;
static unsigned char write_buf[WRITE_MAX];

static void stream_writer(void *unused)
{
    (void)unused;
    size_t sent = 0;
    for (size_t i = 0; sent < STREAM_BYTES; i++) {
        size_t n = 1 + (i * 53) % WRITE_MAX;
        if (n > STREAM_BYTES - sent) {
            n = STREAM_BYTES - sent;
        }
        for (size_t k = 0; k < n; k++) {
            write_buf[k] = pattern(sent + k);
        }
        int64_t r = file_write(write_end, write_buf, n);
        writes++;
        if (r != (int64_t)n) {
            short_writes++;
            break;
        }
        sent += n;
    }
    file_put(write_end);
    writer_done = 1;
}

// Criteria 1 and 2, reader side.
static volatile size_t reads, received, mismatches, eof_reads;
static unsigned char read_buf[READ_MAX];

static void stream_reader(void *unused)
{
    (void)unused;
    for (size_t i = 0;; i++) {
        size_t n = 1 + (i * 37) % READ_MAX;
        int64_t r = file_read(read_end, read_buf, n);
        reads++;
        if (r <= 0) {
            eof_reads = r == 0;
            result = r;
            break;
        }
        for (int64_t k = 0; k < r; k++) {
            if (read_buf[k] != pattern(received + (size_t)k)) {
                mismatches++;
            }
        }
        received += (size_t)r;
    }
    file_put(read_end);
    reader_done = 1;
}

static bool test_stream(void)
{
    struct file *r, *w;
    if (pipe_create(&r, &w) != ERR_OK) {
        kprintf("pipe selftest: pipe_create failed\n");
        return false;
    }
    read_end = r;
    write_end = w;
    writer_done = reader_done = 0;
    if (thread_create("pipe reader", stream_reader, NULL, NULL) != ERR_OK ||
        thread_create("pipe writer", stream_writer, NULL, NULL) != ERR_OK) {
        kprintf("pipe selftest: cannot create threads\n");
        return false;
    }
    wait_for(&writer_done);
    wait_for(&reader_done);
    kprintf("pipe selftest: %lu bytes through a %d-byte pipe in %lu writes and %lu reads: "
            "%lu received, %lu wrong, %lu short writes\n",
            (unsigned long)STREAM_BYTES, PIPE_SIZE, (unsigned long)writes, (unsigned long)reads,
            (unsigned long)received, (unsigned long)mismatches, (unsigned long)short_writes);
    bool ok = received == STREAM_BYTES && mismatches == 0 && short_writes == 0;
    if (eof_reads && received == STREAM_BYTES) {
        kprintf("pipe selftest: the read after the last byte returned 0 (end of file)\n");
    } else {
        kprintf("pipe selftest: the stream ended with %ld after %lu bytes\n", (long)result,
                (unsigned long)received);
        ok = false;
    }
    return ok;
}

// Criterion 3.
static void blocked_reader(void *unused)
{
    (void)unused;
    unsigned char byte;
    started = 1;
    result = file_read(read_end, &byte, 1);
    finished = 1;
}

static bool test_reader_wakes_at_close(void)
{
    struct file *r, *w;
    if (pipe_create(&r, &w) != ERR_OK) {
        kprintf("pipe selftest: pipe_create failed\n");
        return false;
    }
    read_end = r;
    started = finished = 0;
    result = -99;
    if (thread_create("pipe blocked reader", blocked_reader, NULL, NULL) != ERR_OK) {
        kprintf("pipe selftest: cannot create threads\n");
        return false;
    }
    wait_for(&started);
    bool blocked = !set_within_yields(&finished);
    file_put(w);
    wait_for(&finished);
    file_put(r);
    kprintf("pipe selftest: a reader of an empty pipe %s; closing the write end woke it "
            "with %ld\n",
            blocked ? "blocked" : "DID NOT BLOCK", (long)result);
    return blocked && result == 0;
}

// Criterion 4.
#define BLOCKED_WRITE 100
#define DRAINED       10

static void blocked_writer(void *unused)
{
    (void)unused;
    static unsigned char bytes[BLOCKED_WRITE];
    started = 1;
    result = file_write(write_end, bytes, sizeof bytes);
    second_result = file_write(write_end, bytes, 1);
    finished = 1;
}

static bool test_writer_fails_without_reader(void)
{
    static unsigned char full[PIPE_SIZE];
    struct file *r, *w;
    if (pipe_create(&r, &w) != ERR_OK) {
        kprintf("pipe selftest: pipe_create failed\n");
        return false;
    }
    int64_t filled = file_write(w, full, sizeof full);  // fits: does not block
    write_end = w;
    started = finished = 0;
    result = second_result = -99;
    if (thread_create("pipe blocked writer", blocked_writer, NULL, NULL) != ERR_OK) {
        kprintf("pipe selftest: cannot create threads\n");
        return false;
    }
    wait_for(&started);
    bool blocked = !set_within_yields(&finished);
    unsigned char drained[DRAINED];
    int64_t got = file_read(r, drained, sizeof drained);
    bool still_blocked = !set_within_yields(&finished);  // 10 more in, 90 to go
    file_put(r);
    wait_for(&finished);
    file_put(w);
    kprintf("pipe selftest: filled with %ld; a writer of %d more %s, got room for %ld of them, "
            "%s; closing the read end made it return %ld, and the next write %ld (%s)\n",
            (long)filled, BLOCKED_WRITE, blocked ? "blocked" : "DID NOT BLOCK", (long)got,
            still_blocked ? "blocked again" : "DID NOT BLOCK AGAIN", (long)result,
            (long)second_result, err_name((err_t)second_result));
    return filled == PIPE_SIZE && blocked && got == DRAINED && still_blocked && result == DRAINED &&
           second_result == ERR_PIPE;
}

bool pipe_selftest(void)
{
    size_t free_before = pmem_free_pages();
    int threads_before = thread_count();

    bool ok = test_stream();
    ok = test_reader_wakes_at_close() && ok;
    ok = test_writer_fails_without_reader() && ok;

    while (thread_count() > threads_before) {
        sched_yield_cpu();
    }
    size_t free_after = pmem_free_pages();
    kprintf("pipe selftest: free pages %lu -> %lu\n", free_before, free_after);
    ok = ok && free_after == free_before;
    kprintf("pipe selftest: %s\n", ok ? "passed" : "FAILED");
    return ok;
}
