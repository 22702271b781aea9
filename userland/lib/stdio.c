// stdout and stderr on top of write(), formatting through kernel/lib/fmt.
// See <stdio.h> for the buffering rules.

#include <stdio.h>

#include <osv.h>
#include <stdbool.h>
#include <unistd.h>

#include "kernel/lib/fmt.h"
#include "userland/lib/stdio_internal.h"

#define STDIO_BUFSIZE 1024

enum flush_policy {
    FLUSH_AT_NEWLINE,  // a console: people read lines as they come
    FLUSH_WHEN_FULL,   // a pipe: fewer, larger writes
    FLUSH_EVERY_CALL,  // stderr: each message out before anything else happens
};

struct FILE {
    int fd;
    enum flush_policy policy;
    bool failed;  // a write failed since the current call began
    size_t len;
    char buf[STDIO_BUFSIZE];
};

static FILE out = {.fd = STDOUT_FILENO, .policy = FLUSH_AT_NEWLINE};
static FILE err = {.fd = STDERR_FILENO, .policy = FLUSH_EVERY_CALL};

FILE *const stdout = &out;
FILE *const stderr = &err;

void stdio_init(void)
{
    struct osv_stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && st.type != FILE_TYPE_CONSOLE) {
        out.policy = FLUSH_WHEN_FULL;
    }
}

// Writes the buffer out, looping over short writes. On an error the rest is
// dropped: keeping it would only fail again at the next flush.
static int flush(FILE *f)
{
    size_t done = 0;
    while (done < f->len) {
        ssize_t n = write(f->fd, f->buf + done, f->len - done);
        if (n <= 0) {
            f->failed = true;
            break;
        }
        done += (size_t)n;
    }
    f->len = 0;
    return f->failed ? EOF : 0;
}

static void emit(void *ctx, char c)
{
    FILE *f = ctx;
    f->buf[f->len++] = c;
    if (f->len == STDIO_BUFSIZE || (c == '\n' && f->policy == FLUSH_AT_NEWLINE)) {
        flush(f);
    }
}

// Every output call goes through begin/end: end flushes stderr, and turns
// a failed write during the call into EOF.
static void begin(FILE *f)
{
    f->failed = false;
}

static int end(FILE *f, int result)
{
    if (f->policy == FLUSH_EVERY_CALL && f->len > 0) {
        flush(f);
    }
    return f->failed ? EOF : result;
}

int vfprintf(FILE *stream, const char *format, va_list args)
{
    begin(stream);
    int n = fmt_vformat(emit, stream, format, args);
    return end(stream, n);
}

int fprintf(FILE *stream, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stream, format, args);
    va_end(args);
    return n;
}

int vprintf(const char *format, va_list args)
{
    return vfprintf(stdout, format, args);
}

int printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stdout, format, args);
    va_end(args);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *format, va_list args)
{
    return fmt_vsnprintf(buf, size, format, args);
}

int snprintf(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = fmt_vsnprintf(buf, size, format, args);
    va_end(args);
    return n;
}

int fputs(const char *s, FILE *stream)
{
    begin(stream);
    int n = 0;
    for (; s[n] != '\0'; n++) {
        emit(stream, s[n]);
    }
    return end(stream, n);
}

int puts(const char *s)
{
    begin(stdout);
    for (; *s != '\0'; s++) {
        emit(stdout, *s);
    }
    emit(stdout, '\n');
    return end(stdout, 0);
}

int fputc(int c, FILE *stream)
{
    begin(stream);
    emit(stream, (char)c);
    return end(stream, (unsigned char)c);
}

int putchar(int c)
{
    return fputc(c, stdout);
}

int fflush(FILE *stream)
{
    if (stream == NULL) {
        int a = fflush(stdout);
        int b = fflush(stderr);
        return a == 0 && b == 0 ? 0 : EOF;
    }
    begin(stream);
    return flush(stream);
}
