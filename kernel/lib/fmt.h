#pragma once

// fmt: printf-style formatting with no C library underneath.
//
// The kernel's kprintf and the user C library's printf both format through
// this module, and host tests check it directly. It writes characters one at
// a time through a caller-supplied emit function, so it needs no buffer of its
// own and works before any memory allocator exists.
//
// Conversions: %d %i (signed), %u (unsigned), %x %X (hex), %o (octal), %c, %s,
// %p (0x followed by hex digits), %%.
// Flags: '-' (left-justify), '0' (pad numbers with zeros), '+' and ' ' (sign of
// positive signed numbers). A width may be a number or '*'; a precision ('.'
// then a number or '*') bounds the characters taken from %s and sets the
// minimum digits of a number.
// Length modifiers: hh, h, l, ll, z, t, j.
// An unknown conversion is printed as written, so a typo shows in the output.
// %s with NULL prints "(null)".

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Receives one output character. ctx is the pointer given to fmt_vformat.
typedef void (*fmt_emit_fn)(void *ctx, char c);

// Formats `format` with `args`, passing each character to emit(ctx, c).
// Returns the number of characters emitted.
int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *format, va_list args);

// Like C's vsnprintf: writes at most size - 1 characters and a terminating NUL
// into buf (nothing at all when size is 0). Returns the length the whole
// output would have had, so a result >= size means it was truncated.
int fmt_vsnprintf(char *buf, size_t size, const char *format, va_list args);

// fmt_vsnprintf with variadic arguments.
int fmt_snprintf(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
