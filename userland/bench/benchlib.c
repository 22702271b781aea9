// The benchmark programs' shared pieces (see benchlib.h).

#include "userland/bench/benchlib.h"

#include "userland/bench/forkbench_os.h"

bool line_quiet;
static char line[256];
static size_t line_len;

void line_start(void)
{
    line_len = 0;
}

void put(const char *s)
{
    while (*s != '\0' && line_len < sizeof(line) - 1) {
        line[line_len++] = *s++;
    }
}

void put_u64(uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0 && line_len < sizeof(line) - 1) {
        line[line_len++] = digits[--n];
    }
}

void put_fixed(uint64_t v, int decimals)
{
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++) {
        scale *= 10;
    }
    put_u64(v / scale);
    if (decimals > 0) {
        put(".");
        uint64_t frac = v % scale;
        for (uint64_t s = scale / 10; s > 0; s /= 10) {
            put_u64(frac / s % 10);
        }
    }
}

void line_end(void)
{
    if (!line_quiet) {
        line[line_len++] = '\n';  // put leaves room for it
        fb_write(1, line, line_len);
    }
    line_len = 0;
}

uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t lo, hi;
    __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
    if (c == 0 || hi >= c) {
        return UINT64_MAX;
    }
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c) : "cc");
    (void)r;
    return q;
}

void sort_u64(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        uint64_t x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1] > x; j--) {
            v[j] = v[j - 1];
        }
        v[j] = x;
    }
}

void touch(char *p, size_t pages, char value)
{
    volatile char *v = p;
    for (size_t i = 0; i < pages; i++) {
        v[i * BENCH_PAGE_SIZE] = value;
    }
}

bool starts_with(const char *s, const char *prefix, const char **rest)
{
    while (*prefix != '\0') {
        if (*s++ != *prefix++) {
            return false;
        }
    }
    *rest = s;
    return true;
}
