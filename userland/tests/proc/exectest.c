// exectest: exec with arguments, and exec's failures.
//
// Correctness criteria:
//  1. exec passes argv intact to the new program: argc, every string (empty
//     ones, spaces, bytes 0x01..0xff), argv[0] as given (not the path) and
//     argv[argc] == NULL; a leading '/' in the path is optional.
//  2. The limits are inclusive: EXEC_MAX_ARGS arguments whose strings take
//     exactly EXEC_MAX_ARG_BYTES bytes (NULs included) pass intact.
//  3. exec of a program that is not in the initrd returns ERR_NOENT, and the
//     caller goes on with its memory and files as they were.
//  4. exec of a file that is not a valid ELF executable returns ERR_NOEXEC:
//     a text file (notelf.txt) and a truncated ELF header (badelf).
//  5. One argument too many (EXEC_MAX_ARGS + 1), one byte too many
//     (EXEC_MAX_ARG_BYTES + 1), a single argument longer than
//     EXEC_MAX_ARG_BYTES, and a path of PATH_MAX_BYTES characters (no room
//     for its NUL) return ERR_TOOLONG; a path of PATH_MAX_BYTES - 1
//     characters is not too long (ERR_NOENT).
//
// The program runs as the test when started as "exectest" with no
// arguments. exec'd with argv[1] = "case:<name>" it is the target of an
// exec: it rebuilds the argument list of that case, compares it with what
// it got and exits 0 when they match, 1 (naming the difference) when not.
//
// Expected output: a line per step, then "exectest: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

// An argument list under construction: pointers into one string buffer.
struct args {
    int argc;
    char *argv[EXEC_MAX_ARGS + 2];         // room for one too many, and the NULL
    char strings[EXEC_MAX_ARG_BYTES * 2];  // room for too many bytes
    size_t used;
};

static void args_add(struct args *a, const char *s)
{
    size_t len = strlen(s) + 1;
    memcpy(a->strings + a->used, s, len);
    a->argv[a->argc++] = a->strings + a->used;
    a->argv[a->argc] = NULL;
    a->used += len;
}

// Adds a string of `len` bytes that every argument list of this program
// builds the same way: bytes 0x01..0xff, varying with seed.
static void args_add_pattern(struct args *a, size_t len, int seed)
{
    char *s = a->strings + a->used;
    for (size_t j = 0; j < len; j++) {
        s[j] = (char)(1 + (seed * 31 + (int)j * 7) % 255);
    }
    s[len] = '\0';
    a->argv[a->argc++] = s;
    a->argv[a->argc] = NULL;
    a->used += len + 1;
}

// Fills a with `argc` arguments taking `bytes` bytes (NULs included): the
// two given ones, then patterned ones sharing out the rest.
static void args_fill(struct args *a, const char *arg0, const char *arg1, int argc, size_t bytes)
{
    args_add(a, arg0);
    args_add(a, arg1);
    int rest = argc - 2;
    size_t left = bytes - a->used;
    for (int i = 0; i < rest; i++) {
        size_t share = left / (size_t)rest + ((size_t)i < left % (size_t)rest ? 1 : 0);
        args_add_pattern(a, share - 1, i);
    }
}

// The argument list of each case, as the caller builds it and as the target
// expects it. false for an unknown case.
static bool build_case(const char *name, struct args *a)
{
    *a = (struct args){.argc = 0};
    if (strcmp(name, "case:basic") == 0) {
        const char *list[] = {"custom argv0", "case:basic",       "one", "two words", "",
                              "  spaced  ",   "\x01\x7f\x80\xff", "last"};
        for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
            args_add(a, list[i]);
        }
        return true;
    }
    if (strcmp(name, "case:limits") == 0) {
        args_fill(a, "limits", "case:limits", EXEC_MAX_ARGS, EXEC_MAX_ARG_BYTES);
        return true;
    }
    return false;
}

// The exec'd side: compares argv with the case's list.
static int verify_case(int argc, char **argv)
{
    struct args want;
    if (argc < 2 || !build_case(argv[1], &want)) {
        printf("exectest: FAIL: exec'd with argc %d and no known case in argv[1]\n", argc);
        return 1;
    }
    int bad = 0;
    if (argc != want.argc) {
        printf("exectest: FAIL: %s: argc %d, want %d\n", argv[1], argc, want.argc);
        bad++;
    }
    for (int i = 0; i < argc && i < want.argc; i++) {
        if (strcmp(argv[i], want.argv[i]) != 0) {
            printf("exectest: FAIL: %s: argv[%d] differs (length %u, want %u)\n", argv[1], i,
                   (unsigned)strlen(argv[i]), (unsigned)strlen(want.argv[i]));
            bad++;
        }
    }
    if (argv[argc] != NULL) {
        printf("exectest: FAIL: %s: argv[argc] is not NULL\n", argv[1]);
        bad++;
    }
    return bad == 0 ? 0 : 1;
}

// Runs exec(path, case's argv) in a child; the child must exit 0.
static void check_exec_runs(const char *path, const char *name)
{
    printf("exectest: exec(\"%s\") with %s's arguments\n", path, name);
    static struct args a;
    build_case(name, &a);
    int pid = fork();
    if (pid == 0) {
        int err = exec(path, a.argv);
        printf("exectest: FAIL: exec(\"%s\"): %s\n", path, err_name(err));
        _exit(2);
    }
    int status = -2;
    check_result(wait(pid, &status), pid, "wait for the exec'd child");
    check_result(status, 0, "status of \"%s\" run with %s's arguments", path, name);
}

// What exec must leave alone when it fails.
static volatile int marker = 0x5eed;

static void check_exec_fails(const char *path, char *const argv[], int64_t want, const char *what)
{
    volatile int local = 0x10ca1;
    int got = exec(path, argv);
    check_result(got, want, "exec: %s", what);
    check(marker == 0x5eed && local == 0x10ca1, "exec: %s: memory changed", what);
}

static void check_exec_errors(void)
{
    static struct args a;
    char *plain[] = {"exectest", "case:must-not-run", NULL};

    printf("exectest: exec of a missing program: ERR_NOENT\n");
    check_exec_fails("no_such_program", plain, ERR_NOENT, "no_such_program");
    check_exec_fails("/no_such_program", plain, ERR_NOENT, "/no_such_program");

    printf("exectest: exec of files that are not ELF executables: ERR_NOEXEC\n");
    check_exec_fails("notelf.txt", plain, ERR_NOEXEC, "notelf.txt (text)");
    check_exec_fails("badelf", plain, ERR_NOEXEC, "badelf (truncated ELF header)");

    printf("exectest: too many or too long arguments: ERR_TOOLONG\n");
    a = (struct args){.argc = 0};
    args_fill(&a, "exectest", "case:must-not-run", EXEC_MAX_ARGS + 1, EXEC_MAX_ARG_BYTES / 2);
    check_exec_fails("exectest", a.argv, ERR_TOOLONG, "EXEC_MAX_ARGS + 1 arguments");

    a = (struct args){.argc = 0};
    args_fill(&a, "exectest", "case:must-not-run", EXEC_MAX_ARGS, EXEC_MAX_ARG_BYTES + 1);
    check_exec_fails("exectest", a.argv, ERR_TOOLONG, "EXEC_MAX_ARG_BYTES + 1 bytes of strings");

    a = (struct args){.argc = 0};
    args_fill(&a, "exectest", "case:must-not-run", 3, EXEC_MAX_ARG_BYTES + 500);
    check_exec_fails("exectest", a.argv, ERR_TOOLONG, "one argument over EXEC_MAX_ARG_BYTES");

    char path[PATH_MAX_BYTES + 1];
    memset(path, 'p', PATH_MAX_BYTES);
    path[PATH_MAX_BYTES] = '\0';
    check_exec_fails(path, plain, ERR_TOOLONG, "path of PATH_MAX_BYTES characters");
    path[PATH_MAX_BYTES - 1] = '\0';
    check_exec_fails(path, plain, ERR_NOENT, "path of PATH_MAX_BYTES - 1 characters");

    // Still here, with the console: the caller went on.
    struct osv_stat st;
    check_result(fstat(STDOUT_FILENO, &st), 0, "fstat(stdout) after the failed execs");
    check_result(st.type, FILE_TYPE_CONSOLE, "stdout's type after the failed execs");
}

int main(int argc, char **argv)
{
    if (argc != 1 || strcmp(argv[0], "exectest") != 0) {
        return verify_case(argc, argv);
    }
    check_init("exectest");
    check_exec_errors();
    check_exec_runs("exectest", "case:basic");
    check_exec_runs("/exectest", "case:basic");
    check_exec_runs("exectest", "case:limits");
    return check_finish();
}
