#pragma once

// Formatted output on kernel/lib/fmt (the kernel's printf formatter): %d %i
// %u %x %X %o %c %s %p %%, flags - 0 + space, width and precision, length
// modifiers hh h l ll z t j. No floating point (user code is compiled
// without SSE: see userland/README.md).
//
// Two streams:
//  - stdout is buffered: when file descriptor 1 is the console it is
//    flushed at every newline, otherwise (a pipe) when the buffer is full;
//    always at exit(), fork(), exec() and fflush();
//  - stderr is written at the end of every call, so messages appear in
//    order even when the program then crashes.
// There is no input side: read(STDIN_FILENO, ...) from <unistd.h>.
//
// Calls return the number of characters output, or EOF if writing to the
// file descriptor failed (the rest of that output is dropped).

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)

typedef struct FILE FILE;

extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *format, va_list args);
int vfprintf(FILE *stream, const char *format, va_list args);

// As in C: at most size - 1 characters and a NUL into buf; returns the
// length the whole output would have had.
int snprintf(char *buf, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *format, va_list args);

int puts(const char *s);  // s and a newline, to stdout
int fputs(const char *s, FILE *stream);
int putchar(int c);  // returns c, or EOF
int fputc(int c, FILE *stream);

// Writes out what stream has buffered; fflush(NULL) flushes both streams.
// Returns 0, or EOF if writing failed.
int fflush(FILE *stream);

#ifdef __cplusplus
}
#endif
