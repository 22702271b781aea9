// The test helpers (see check.h).

#include "userland/tests/proc/check.h"

#include <osv.h>
#include <stdarg.h>
#include <stdio.h>

static const char *test_name = "test";
static int failures;
static int checks;

void check_init(const char *name)
{
    test_name = name;
    failures = 0;
    checks = 0;
}

const char *check_name(void)
{
    return test_name;
}

static void fail_line(const char *what, va_list args, const char *detail)
{
    char text[256];
    vsnprintf(text, sizeof text, what, args);
    printf("%s: FAIL: %s%s\n", test_name, text, detail);
    failures++;
}

bool check(bool ok, const char *what, ...)
{
    checks++;
    if (!ok) {
        va_list args;
        va_start(args, what);
        fail_line(what, args, "");
        va_end(args);
    }
    return ok;
}

const char *check_fmt_result(char *buf, int64_t result)
{
    if (result >= 0) {
        snprintf(buf, CHECK_RESULT_TEXT, "%ld", (long)result);
    } else {
        snprintf(buf, CHECK_RESULT_TEXT, "%s (%ld)", err_name((err_t)result), (long)result);
    }
    return buf;
}

bool check_result(int64_t got, int64_t want, const char *what, ...)
{
    checks++;
    if (got == want) {
        return true;
    }
    char got_text[CHECK_RESULT_TEXT], want_text[CHECK_RESULT_TEXT], detail[96];
    snprintf(detail, sizeof detail, ": got %s, want %s", check_fmt_result(got_text, got),
             check_fmt_result(want_text, want));
    va_list args;
    va_start(args, what);
    fail_line(what, args, detail);
    va_end(args);
    return false;
}

int check_failures(void)
{
    return failures;
}

int check_finish(void)
{
    if (failures == 0) {
        printf("%s: all %d checks passed\n", test_name, checks);
        printf("%s: PASS\n", test_name);
        return 0;
    }
    printf("%s: FAIL: %d of %d checks failed\n", test_name, failures, checks);
    return 1;
}
