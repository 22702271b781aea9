// Boot-time self-tests of the console file (see console_selftest.h).
//
// Criteria of console_selftest:
//  1. Bytes typed through console_input are echoed, and a read of a console
//     file returns the finished line, '\r' turned into '\n'.
//  2. Erasing (DEL, backspace) reaches the reader: it sees the edited line.
//  3. A read returns at most one line; a short read leaves the rest.
//  4. Ctrl-D at the start of a line reads as end of file (0).
//  5. A reader blocks until its line is finished: it has not returned while
//     half a line is typed, and returns the line once Enter comes.
//  6. write sends the bytes to the device and returns their count.
//  7. stat says FILE_TYPE_CONSOLE, size 0.
//  8. No leak: after the file is closed and the reader thread has exited,
//     free pages and threads are back at their values from before.

#include "kernel/selftest/console_selftest.h"

#include "kernel/fs/console.h"
#include "kernel/fs/file.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmem.h"
#include "kernel/sched.h"
#include "kernel/thread.h"

#define BLOCK_YIELDS 20  // yields after which a thread that has not returned is blocked
#define LINE_MAX     128

static void type(const char *bytes)
{
    while (*bytes != '\0') {
        console_input(*bytes++);
    }
}

// Prints n bytes in double quotes, with \r, \n, \b and other control bytes
// escaped, so that a qemu_test can match them on one line.
static void print_quoted(const char *bytes, size_t n)
{
    kprintf("\"");
    for (size_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (c == '\n') {
            kprintf("\\n");
        } else if (c == '\r') {
            kprintf("\\r");
        } else if ((unsigned char)c < 0x20 || c == 0x7F) {
            kprintf("\\x%02x", (unsigned char)c);
        } else {
            kprintf("%c", c);
        }
    }
    kprintf("\"");
}

// Types `typed`, then reads once with count n; true when the read returned
// `expected` (NULL: end of file, 0 bytes).
static bool type_and_read(struct file *file, const char *typed, size_t n, const char *expected)
{
    char buf[LINE_MAX];
    type(typed);
    int64_t got = file_read(file, buf, n);
    kprintf("console selftest: typed ");
    print_quoted(typed, strlen(typed));
    kprintf(", read(%lu) returned %ld: ", (unsigned long)n, (long)got);
    print_quoted(buf, got > 0 ? (size_t)got : 0);
    kprintf("\n");
    size_t want = expected != NULL ? strlen(expected) : 0;
    return got == (int64_t)want && memcmp(buf, expected != NULL ? expected : "", want) == 0;
}

static struct file *reader_file;
static char reader_buf[LINE_MAX];
static volatile int64_t reader_result;
static volatile int reader_started, reader_done;

static void reader(void *unused)
{
    (void)unused;
    reader_started = 1;
    reader_result = file_read(reader_file, reader_buf, sizeof reader_buf);
    reader_done = 1;
}

static bool done_within_yields(void)
{
    for (int i = 0; i < BLOCK_YIELDS && !reader_done; i++) {
        sched_yield_cpu();
    }
    return reader_done != 0;
}

// Criterion 5.
static bool test_blocked_reader(struct file *file)
{
    reader_file = file;
    reader_started = reader_done = 0;
    if (thread_create("console reader", reader, NULL, NULL) != ERR_OK) {
        kprintf("console selftest: cannot create the reader thread\n");
        return false;
    }
    while (!reader_started) {
        sched_yield_cpu();
    }
    type("wai");
    bool blocked = !done_within_yields();
    type("t\r");
    while (!reader_done) {
        sched_yield_cpu();
    }
    kprintf("console selftest: a reader %s while \"wai\" was typed; after \"t\\r\" it "
            "returned %ld: ",
            blocked ? "blocked" : "DID NOT BLOCK", (long)reader_result);
    print_quoted(reader_buf, reader_result > 0 ? (size_t)reader_result : 0);
    kprintf("\n");
    return blocked && reader_result == 5 && memcmp(reader_buf, "wait\n", 5) == 0;
}

bool console_selftest(void)
{
    size_t free_before = pmem_free_pages();
    int threads_before = thread_count();
    struct file *file;
    if (console_file_open(&file) != ERR_OK) {
        kprintf("console selftest: console_file_open failed\n");
        return false;
    }

    bool ok = type_and_read(file, "hello\r", LINE_MAX, "hello\n");
    ok = type_and_read(file, "cat\x7f\x7fow\b\bow\r", LINE_MAX, "cow\n") && ok;
    ok = type_and_read(file, "one\rtwo\r", LINE_MAX, "one\n") && ok;
    ok = type_and_read(file, "", 2, "tw") && ok;
    ok = type_and_read(file, "", LINE_MAX, "o\n") && ok;
    ok = type_and_read(file, "\x04", LINE_MAX, NULL) && ok;
    ok = test_blocked_reader(file) && ok;

    static const char message[] =
        "console selftest: this line was written through a console file\n";
    int64_t written = file_write(file, message, sizeof message - 1);
    kprintf("console selftest: write returned %ld of %lu\n", (long)written,
            (unsigned long)(sizeof message - 1));
    ok = ok && written == (int64_t)(sizeof message - 1);

    struct osv_stat st;
    file_stat(file, &st);
    kprintf("console selftest: stat type %u (console is %d), size %lu\n", st.type,
            FILE_TYPE_CONSOLE, (unsigned long)st.size);
    ok = ok && st.type == FILE_TYPE_CONSOLE && st.size == 0;

    file_put(file);
    while (thread_count() > threads_before) {
        sched_yield_cpu();
    }
    size_t free_after = pmem_free_pages();
    kprintf("console selftest: free pages %lu -> %lu\n", free_before, free_after);
    ok = ok && free_after == free_before;
    kprintf("console selftest: %s\n", ok ? "passed" : "FAILED");
    return ok;
}

// console_typing keeps what it read, to list it again once the input has
// ended: the echo of input that arrives while it prints (all at once, when
// it is fed to COM1) can interleave with the lines printed as they come.
#define TYPING_MAX_BYTES 1024

void console_typing(void)
{
    static char seen[TYPING_MAX_BYTES];
    static size_t line_end[TYPING_MAX_BYTES];
    size_t seen_bytes = 0;
    size_t lines = 0;
    struct file *file;
    if (console_file_open(&file) != ERR_OK) {
        kprintf("typing: console_file_open failed\n");
        return;
    }
    kprintf("typing: type lines; Ctrl-D at the start of a line ends\n");
    int64_t got;
    char buf[LINE_MAX];
    while ((got = file_read(file, buf, sizeof buf)) > 0) {
        kprintf("typing: read %ld bytes: ", (long)got);
        print_quoted(buf, (size_t)got);
        kprintf("\n");
        if (seen_bytes + (size_t)got <= TYPING_MAX_BYTES) {
            memcpy(seen + seen_bytes, buf, (size_t)got);
            seen_bytes += (size_t)got;
            line_end[lines++] = seen_bytes;
        }
    }
    file_put(file);
    kprintf("typing: read returned %ld after %lu reads; they were:\n", (long)got,
            (unsigned long)lines);
    for (size_t i = 0, start = 0; i < lines; start = line_end[i++]) {
        kprintf("typing: read %lu: ", (unsigned long)i + 1);
        print_quoted(seen + start, line_end[i] - start);
        kprintf("\n");
    }
}
