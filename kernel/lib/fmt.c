#include "kernel/lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

// One conversion specification, as parsed from the format string.
struct spec {
    bool left_justify;
    bool zero_pad;
    char sign_char;  // '+', ' ' or 0: what a non-negative signed number gets
    int width;
    int precision;  // -1 when none was given
    int length;     // how many 'l's (2 for ll, z, t, j); -1 for h, -2 for hh
};

struct out {
    fmt_emit_fn emit;
    void *ctx;
    int count;
};

static void put(struct out *o, char c)
{
    o->emit(o->ctx, c);
    o->count++;
}

static void pad(struct out *o, char c, int n)
{
    for (; n > 0; n--) {
        put(o, c);
    }
}

static void format_string(struct out *o, const struct spec *s, const char *str)
{
    if (str == NULL) {
        str = "(null)";
    }
    int len = 0;
    while (str[len] != '\0' && (s->precision < 0 || len < s->precision)) {
        len++;
    }
    if (!s->left_justify) {
        pad(o, ' ', s->width - len);
    }
    for (int i = 0; i < len; i++) {
        put(o, str[i]);
    }
    if (s->left_justify) {
        pad(o, ' ', s->width - len);
    }
}

// Prints magnitude in the given base, with prefix ("-", "0x", ...) in front of
// any zero padding and the digits after it.
static void format_number(struct out *o, const struct spec *s, uint64_t magnitude, unsigned base,
                          bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[64];
    int ndigits = 0;
    do {
        buf[ndigits++] = digits[magnitude % base];
        magnitude /= base;
    } while (magnitude != 0);

    // An explicit precision of 0 prints nothing for the value 0 (as C does).
    if (s->precision == 0 && ndigits == 1 && buf[0] == '0') {
        ndigits = 0;
    }
    int nprefix = 0;
    while (prefix[nprefix] != '\0') {
        nprefix++;
    }
    int min_digits = s->precision > ndigits ? s->precision : ndigits;
    int body = nprefix + min_digits;
    // A precision turns the '0' flag off, as in C.
    bool zeros = s->zero_pad && !s->left_justify && s->precision < 0;

    if (!s->left_justify && !zeros) {
        pad(o, ' ', s->width - body);
    }
    for (int i = 0; i < nprefix; i++) {
        put(o, prefix[i]);
    }
    if (zeros) {
        pad(o, '0', s->width - body);
    }
    pad(o, '0', min_digits - ndigits);
    while (ndigits > 0) {
        put(o, buf[--ndigits]);
    }
    if (s->left_justify) {
        pad(o, ' ', s->width - body);
    }
}

static int64_t take_signed(const struct spec *s, va_list *args)
{
    switch (s->length) {
    case -2:
        return (signed char)va_arg(*args, int);
    case -1:
        return (short)va_arg(*args, int);
    case 0:
        return va_arg(*args, int);
    case 1:
        return va_arg(*args, long);
    default:
        return va_arg(*args, long long);
    }
}

static uint64_t take_unsigned(const struct spec *s, va_list *args)
{
    switch (s->length) {
    case -2:
        return (unsigned char)va_arg(*args, unsigned int);
    case -1:
        return (unsigned short)va_arg(*args, unsigned int);
    case 0:
        return va_arg(*args, unsigned int);
    case 1:
        return va_arg(*args, unsigned long);
    default:
        return va_arg(*args, unsigned long long);
    }
}

static int parse_number(const char **p)
{
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        n = n * 10 + (**p - '0');
        (*p)++;
    }
    return n;
}

// Parses flags, width, precision and length after a '%'. Advances *p to the
// conversion character.
static void parse_spec(const char **p, struct spec *s, va_list *args)
{
    *s = (struct spec){.precision = -1};
    for (;; (*p)++) {
        if (**p == '-') {
            s->left_justify = true;
        } else if (**p == '0') {
            s->zero_pad = true;
        } else if (**p == '+') {
            s->sign_char = '+';
        } else if (**p == ' ' && s->sign_char != '+') {
            s->sign_char = ' ';
        } else if (**p != ' ') {
            break;
        }
    }
    if (**p == '*') {
        s->width = va_arg(*args, int);
        if (s->width < 0) {
            s->left_justify = true;
            s->width = -s->width;
        }
        (*p)++;
    } else {
        s->width = parse_number(p);
    }
    if (**p == '.') {
        (*p)++;
        if (**p == '*') {
            s->precision = va_arg(*args, int);
            (*p)++;
        } else {
            s->precision = parse_number(p);
        }
    }
    if (**p == 'h') {
        (*p)++;
        s->length = -1;
        if (**p == 'h') {
            (*p)++;
            s->length = -2;
        }
    } else if (**p == 'l') {
        (*p)++;
        s->length = 1;
        if (**p == 'l') {
            (*p)++;
            s->length = 2;
        }
    } else if (**p == 'z' || **p == 't' || **p == 'j') {
        (*p)++;
        s->length = 2;
    }
}

int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *format, va_list args)
{
    struct out o = {.emit = emit, .ctx = ctx, .count = 0};
    va_list ap;
    va_copy(ap, args);

    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        const char *start = p;
        p++;
        struct spec s;
        parse_spec(&p, &s, &ap);
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = take_signed(&s, &ap);
            char sign[2] = {v < 0 ? '-' : s.sign_char, '\0'};
            // Negate in unsigned arithmetic: -INT64_MIN overflows int64_t.
            uint64_t magnitude = v < 0 ? -(uint64_t)v : (uint64_t)v;
            format_number(&o, &s, magnitude, 10, false, sign);
            break;
        }
        case 'u':
            format_number(&o, &s, take_unsigned(&s, &ap), 10, false, "");
            break;
        case 'x':
        case 'X':
            format_number(&o, &s, take_unsigned(&s, &ap), 16, *p == 'X', "");
            break;
        case 'o':
            format_number(&o, &s, take_unsigned(&s, &ap), 8, false, "");
            break;
        case 'p':
            format_number(&o, &s, (uintptr_t)va_arg(ap, void *), 16, false, "0x");
            break;
        case 'c':
            if (!s.left_justify) {
                pad(&o, ' ', s.width - 1);
            }
            put(&o, (char)va_arg(ap, int));
            if (s.left_justify) {
                pad(&o, ' ', s.width - 1);
            }
            break;
        case 's':
            format_string(&o, &s, va_arg(ap, const char *));
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            // Unknown conversion, or the format ended after '%': print what
            // was written, so the mistake is visible.
            for (const char *q = start; q < p; q++) {
                put(&o, *q);
            }
            if (*p == '\0') {
                va_end(ap);
                return o.count;
            }
            put(&o, *p);
            break;
        }
    }
    va_end(ap);
    return o.count;
}

struct buffer {
    char *buf;
    size_t size;
    size_t len;
};

static void buffer_emit(void *ctx, char c)
{
    struct buffer *b = ctx;
    if (b->len + 1 < b->size) {
        b->buf[b->len] = c;
    }
    b->len++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *format, va_list args)
{
    struct buffer b = {.buf = buf, .size = size, .len = 0};
    int n = fmt_vformat(buffer_emit, &b, format, args);
    if (size > 0) {
        buf[b.len < size ? b.len : size - 1] = '\0';
    }
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = fmt_vsnprintf(buf, size, format, args);
    va_end(args);
    return n;
}
