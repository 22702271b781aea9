// Predictions and their checks (oracle.h).

#include "userland/tests/fuzz/sysfuzz/oracle.h"

#include <osv.h>
#include <stddef.h>
#include <stdio.h>

static uint32_t errbit(int64_t e)
{
    return e < 0 && e > -32 ? 1u << -e : 0;
}

struct expect ex_val(int64_t v)
{
    return (struct expect){v, v, 0};
}

struct expect ex_range(int64_t lo, int64_t hi)
{
    return (struct expect){lo, hi, 0};
}

struct expect ex_err(int64_t e)
{
    return (struct expect){1, 0, errbit(e)};
}

struct expect ex_or(struct expect x, int64_t e)
{
    x.errs |= errbit(e);
    return x;
}

bool ex_allows(struct expect want, int64_t got)
{
    return got >= 0 ? got >= want.lo && got <= want.hi : (want.errs & errbit(got)) != 0;
}

static void fmt_result(char *buf, size_t size, int64_t r)
{
    if (r >= 0) {
        snprintf(buf, size, "%ld", (long)r);
    } else {
        snprintf(buf, size, "%s", err_name((err_t)r));
    }
}

static void mismatch_line(const struct call *c, const char *got, const char *want)
{
    rep.mismatches++;
    diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s#%lu(0x%lx, 0x%lx, 0x%lx) [%s]: got %s, "
         "expected %s\n",
         (unsigned long)seed, (unsigned long)round_no, op_no, call_name(c->nr),
         (unsigned long)c->nr, (unsigned long)c->a[0], (unsigned long)c->a[1],
         (unsigned long)c->a[2], c->note ? c->note : "", got, want);
}

bool verify(const struct call *c, int64_t got, struct expect want)
{
    if (ex_allows(want, got)) {
        return true;
    }
    char g[40], w[200];
    fmt_result(g, sizeof g, got);
    int n = 0;
    if (want.lo <= want.hi) {
        n = want.lo == want.hi ? snprintf(w, sizeof w, "%ld", (long)want.lo)
                               : snprintf(w, sizeof w, "%ld..%ld", (long)want.lo, (long)want.hi);
    }
    for (int e = 1; e < 32; e++) {
        if ((want.errs & (1u << e)) && n < (int)sizeof w - 24) {
            n += snprintf(w + n, sizeof w - n, "%s%s", n ? " or " : "", err_name((err_t)-e));
        }
    }
    if (n == 0) {
        snprintf(w, sizeof w, "nothing");
    }
    mismatch_line(c, g, w);
    return false;
}

void expect_true(bool ok, const char *what, uint64_t detail)
{
    if (!ok) {
        rep.mismatches++;
        diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s (0x%lx)\n", (unsigned long)seed,
             (unsigned long)round_no, op_no, what, (unsigned long)detail);
    }
}

void expect_status(int status, int a, int b, const char *what)
{
    if (status != a && status != b) {
        rep.mismatches++;
        diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s: status %d, expected %d or %d\n",
             (unsigned long)seed, (unsigned long)round_no, op_no, what, status, a, b);
    }
}
