// badptr: bad pointers passed to every system call that takes one.
//
// Correctness criteria:
//  1. Every pointer argument of read, write, open, exec (the path, the argv
//     array and an argv string), pipe, fstat, wait (the status) and sysinfo
//     is checked: NULL, a kernel address, a non-canonical address, an
//     unmapped user address, a range that wraps around the top of the
//     address space, and a range that starts in valid memory and runs into
//     unmapped memory each make the call return ERR_FAULT; where the kernel
//     writes (read's buffer, pipe's fds, fstat's and sysinfo's structures,
//     wait's status) so does read-only memory (the program's text).
//  2. Strings (open's and exec's paths, exec's arguments) that run into
//     unmapped memory before their NUL return ERR_FAULT; strings longer than
//     their limit (PATH_MAX_BYTES, EXEC_MAX_ARG_BYTES), terminated or not,
//     return ERR_TOOLONG.
//  3. A failed call has no effect: read takes nothing from the pipe, write
//     puts nothing in it, pipe and open leave no descriptor open, exec
//     leaves the caller running. A write whose buffer turns bad part way
//     through either fails or returns a short count of bytes that really
//     went out. wait with a bad status pointer still reaps the child (it
//     is gone afterwards: ERR_NOCHILD).
//  4. The pointers the documentation allows to be NULL are accepted: wait's
//     status, and read's buffer when the count is 0.
//  5. The kernel does not fault or panic, and the program goes on after
//     every call.
//
// Expected output: a line per system call, then "badptr: PASS".
//
// The program calls sbrk itself (for a page followed by unmapped memory),
// so it does not use malloc.

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define PAGE 4096

#define KERNEL_ADDR      0xffff800000000000ull  // the kernel half
#define NONCANONICAL     0x0000800000000000ull  // the first address past the user half
#define UNMAPPED_ADDR    0x0000100000000000ull  // between the heap and the stack
#define MAX_BAD_POINTERS 8

// A page of the heap right below unmapped memory: [edge, edge + PAGE).
static char *edge;

static void edge_setup(void)
{
    uintptr_t brk = (uintptr_t)sbrk(0);
    uintptr_t aligned = (brk + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    if (sbrk((intptr_t)(aligned - brk + PAGE)) == (void *)-1) {
        printf("badptr: FAIL: sbrk for the edge page\n");
        exit(1);
    }
    edge = (char *)aligned;
}

// Fills the edge page with 'a': no NUL anywhere.
static void edge_fill(void)
{
    memset(edge, 'a', PAGE);
}

static char *edge_end(void)
{
    return edge + PAGE;
}

struct bad_pointer {
    const char *what;
    uintptr_t addr;
};

// The bad places for an object of `size` bytes (size >= 2); `kernel_writes`
// adds read-only memory. Returns how many it stored in out.
static int bad_pointers(size_t size, bool kernel_writes, struct bad_pointer *out)
{
    int n = 0;
    out[n++] = (struct bad_pointer){"NULL", 0};
    out[n++] = (struct bad_pointer){"a kernel address", KERNEL_ADDR};
    out[n++] = (struct bad_pointer){"a non-canonical address", NONCANONICAL};
    out[n++] = (struct bad_pointer){"an unmapped user address", UNMAPPED_ADDR};
    out[n++] = (struct bad_pointer){"a range wrapping around", (uintptr_t)0 - size / 2};
    out[n++] = (struct bad_pointer){"a range running into unmapped memory",
                                    (uintptr_t)edge_end() - size / 2};
    if (kernel_writes) {
        out[n++] = (struct bad_pointer){"read-only memory (text)", (uintptr_t)&edge_setup};
    }
    return n;
}

// The lowest free descriptor, found with dup (and closed again).
static int lowest_free_fd(void)
{
    int fd = dup(STDIN_FILENO);
    close(fd);
    return fd;
}

static void check_read_write(void)
{
    printf("badptr: read and write\n");
    int fds[2];
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    check_result(write(fds[1], "hello", 5), 5, "write 5 bytes");
    edge_fill();

    struct bad_pointer bad[MAX_BAD_POINTERS];
    int n = bad_pointers(64, true, bad);
    // The brief's wrap: (void *)-8 with 64 bytes.
    bad[4].addr = (uintptr_t)-8;
    for (int i = 0; i < n; i++) {
        check_result(read(fds[0], (void *)bad[i].addr, 64), ERR_FAULT, "read into %s", bad[i].what);
    }
    for (int i = 0; i < n; i++) {
        if (bad[i].addr == (uintptr_t)&edge_setup) {
            continue;  // text is readable: writing from it is fine
        }
        check_result(write(fds[1], (const void *)bad[i].addr, 64), ERR_FAULT, "write from %s",
                     bad[i].what);
    }
    check_result(read(fds[0], NULL, 0), 0, "read of 0 bytes into NULL");

    // Nothing was taken or added: exactly "hello" is there.
    char buf[64];
    check_result(read(fds[0], buf, sizeof buf), 5, "read after the bad reads and writes");
    check(memcmp(buf, "hello", 5) == 0, "the pipe still holds \"hello\"");

    // A write whose buffer turns bad after 600 bytes: all or nothing of
    // each step; what the count says went out, went out.
    const char *start = edge_end() - 600;
    ssize_t wrote = write(fds[1], start, 1000);
    char text[CHECK_RESULT_TEXT];
    printf("badptr: write of 1000 bytes, 600 of them mapped, returned %s\n",
           check_fmt_result(text, wrote));
    check(wrote == ERR_FAULT || (wrote > 0 && wrote <= 600),
          "write of 1000 bytes, 600 of them mapped: returned %ld", (long)wrote);
    if (wrote > 0) {
        size_t got = 0;
        while (got < (size_t)wrote) {
            ssize_t r = read(fds[0], buf, sizeof buf);
            if (r <= 0 || memcmp(buf, start + got, (size_t)r) != 0) {
                check(false, "the bytes of the short write are in the pipe");
                break;
            }
            got += (size_t)r;
        }
    }
    close(fds[1]);
    check_result(read(fds[0], buf, sizeof buf), 0, "nothing more in the pipe");
    close(fds[0]);
}

// The bad strings for a limit of `max` bytes (NUL included): bad pointers,
// a string running into unmapped memory, and two too long. Each with the
// error it must give. The edge page must be filled with 'a'.
struct bad_string {
    const char *what;
    uintptr_t addr;
    int64_t err;
};

static char long_string[EXEC_MAX_ARG_BYTES + 100];

static int bad_strings(struct bad_string *out)
{
    int n = 0;
    out[n++] = (struct bad_string){"NULL", 0, ERR_FAULT};
    out[n++] = (struct bad_string){"a kernel address", KERNEL_ADDR, ERR_FAULT};
    out[n++] = (struct bad_string){"a non-canonical address", NONCANONICAL, ERR_FAULT};
    out[n++] = (struct bad_string){"an unmapped user address", UNMAPPED_ADDR, ERR_FAULT};
    out[n++] = (struct bad_string){"(char *)-8", (uintptr_t)-8, ERR_FAULT};
    out[n++] = (struct bad_string){"a string running into unmapped memory",
                                   (uintptr_t)edge_end() - 3, ERR_FAULT};
    out[n++] =
        (struct bad_string){"an overlong terminated string", (uintptr_t)long_string, ERR_TOOLONG};
    out[n++] = (struct bad_string){"an overlong unterminated string (a page of 'a')",
                                   (uintptr_t)edge, ERR_TOOLONG};
    return n;
}

static void check_open(void)
{
    printf("badptr: open\n");
    edge_fill();
    int free_fd = lowest_free_fd();
    struct bad_string bad[MAX_BAD_POINTERS];
    int n = bad_strings(bad);
    for (int i = 0; i < n; i++) {
        check_result(open((const char *)bad[i].addr, O_RDONLY), bad[i].err, "open(%s)",
                     bad[i].what);
        check_result(lowest_free_fd(), free_fd, "lowest free descriptor after open(%s)",
                     bad[i].what);
    }
}

// exec in a child, which exits with -err: the status tells the parent what
// exec returned; 0 would mean that `true` ran.
static void check_exec_in_child(const char *path, char *const argv[], int64_t want,
                                const char *what)
{
    int pid = fork();
    if (pid == 0) {
        int err = exec(path, argv);
        _exit(err < 0 ? -err : 100);
    }
    int status = -2;
    check_result(wait(pid, &status), pid, "wait for the child exec'ing %s", what);
    check_result(-status, want, "exec with %s (0: it ran)", what);
}

static void check_exec(void)
{
    printf("badptr: exec\n");
    edge_fill();
    char what[128];
    char *good_argv[] = {"true", NULL};
    struct bad_string strings[MAX_BAD_POINTERS];
    int n = bad_strings(strings);
    for (int i = 0; i < n; i++) {
        snprintf(what, sizeof what, "a path of %s", strings[i].what);
        check_exec_in_child((const char *)strings[i].addr, good_argv, strings[i].err, what);
    }
    for (int i = 1; i < n; i++) {  // a NULL string ends argv: not an error
        char *argv[] = {"true", (char *)strings[i].addr, NULL};
        snprintf(what, sizeof what, "argv[1] %s", strings[i].what);
        check_exec_in_child("true", argv, strings[i].err, what);
    }

    // The argv array itself. NULL is allowed (the program gets its path as
    // argv[0]), so it is not among these.
    struct bad_pointer bad[MAX_BAD_POINTERS];
    int m = bad_pointers(16, false, bad);
    for (int i = 1; i < m; i++) {
        snprintf(what, sizeof what, "an argv array at %s", bad[i].what);
        if (bad[i].addr == (uintptr_t)edge_end() - 8) {
            // Two good pointers at the end of the page, then no NULL.
            char **at_end = (char **)(edge_end() - 2 * sizeof(char *));
            at_end[0] = "true";
            at_end[1] = "x";
            bad[i].addr = (uintptr_t)at_end;
        }
        check_exec_in_child("true", (char *const *)bad[i].addr, ERR_FAULT, what);
    }
    edge_fill();

    // The caller goes on: a failed exec returns.
    check_result(exec(NULL, good_argv), ERR_FAULT, "exec(NULL) in this process");
}

static void check_pipe(void)
{
    printf("badptr: pipe\n");
    int free_fd = lowest_free_fd();
    struct bad_pointer bad[MAX_BAD_POINTERS];
    int n = bad_pointers(2 * sizeof(int), true, bad);
    for (int i = 0; i < n; i++) {
        check_result(pipe((int *)bad[i].addr), ERR_FAULT, "pipe(%s)", bad[i].what);
        check_result(lowest_free_fd(), free_fd, "lowest free descriptor after pipe(%s)",
                     bad[i].what);
    }
    int fds[2];
    check_result(pipe(fds), 0, "pipe after the bad ones");
    check(fds[0] == free_fd && fds[1] == free_fd + 1, "pipe's descriptors: %d and %d", fds[0],
          fds[1]);
    close(fds[0]);
    close(fds[1]);
}

static void check_fstat(void)
{
    printf("badptr: fstat\n");
    struct bad_pointer bad[MAX_BAD_POINTERS];
    int n = bad_pointers(sizeof(struct osv_stat), true, bad);
    for (int i = 0; i < n; i++) {
        check_result(fstat(STDOUT_FILENO, (struct osv_stat *)bad[i].addr), ERR_FAULT,
                     "fstat(1, %s)", bad[i].what);
    }
    struct osv_stat st;
    check_result(fstat(STDOUT_FILENO, &st), 0, "fstat(1) after the bad ones");
}

static void check_sysinfo(void)
{
    printf("badptr: sysinfo\n");
    struct bad_pointer bad[MAX_BAD_POINTERS];
    int n = bad_pointers(sizeof(struct osv_sysinfo), true, bad);
    for (int i = 0; i < n; i++) {
        check_result(sysinfo((struct osv_sysinfo *)bad[i].addr), ERR_FAULT, "sysinfo(%s)",
                     bad[i].what);
    }
    struct osv_sysinfo info;
    check_result(sysinfo(&info), 0, "sysinfo after the bad ones");
}

static void check_wait(void)
{
    printf("badptr: wait\n");
    struct bad_pointer bad[MAX_BAD_POINTERS];
    int n = bad_pointers(sizeof(int), true, bad);
    for (int i = 0; i < n; i++) {
        int pid = fork();
        if (pid == 0) {
            _exit(7);
        }
        if (i == 0) {
            check_result(wait(pid, NULL), pid, "wait(pid, NULL)");
            continue;
        }
        check_result(wait(pid, (int *)bad[i].addr), ERR_FAULT, "wait(pid, %s)", bad[i].what);
        check_result(wait(pid, NULL), ERR_NOCHILD, "wait again after wait(pid, %s)", bad[i].what);
    }
}

int main(void)
{
    check_init("badptr");
    edge_setup();
    memset(long_string, 'b', sizeof long_string - 1);
    check_read_write();
    check_open();
    check_exec();
    check_pipe();
    check_fstat();
    check_sysinfo();
    check_wait();
    return check_finish();
}
