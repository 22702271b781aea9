// killtest: processes the kernel ends, and kill().
//
// Correctness criteria:
//  1. A child that reads a kernel address is killed: the console shows
//     "pid P (killtest): killed: user access to a kernel address at 0x...",
//     and wait gives the parent EXIT_STATUS_KILLED.
//  2. A child that writes its own text is killed ("access not permitted
//     ..."), both at the first byte of the text (0x400000, where
//     userland/user.ld puts it) and at the address of a function.
//  3. A child that executes an invalid instruction (ud2) is killed
//     ("invalid opcode at" the instruction's address).
//  4. A child looping forever in user mode is ended by kill(pid), which
//     returns 0; a child that kills itself ends before its next
//     instruction; a child sleeping in wait for its own child is ended by
//     kill too. wait reports EXIT_STATUS_KILLED for each.
//  5. kill also ends a child blocked in the kernel: reading a pipe nobody
//     writes to, or in a long sleep; it ends at once, not when the wait
//     would have ended.
//  6. kill of a pid no process has, of a child that has exited but is not
//     reaped yet (a zombie: its status stays the one it exited with), and
//     of a reaped child returns ERR_SRCH; kill of init (pid 1) returns
//     ERR_PERM and init goes on.
//  7. The parent, and the kernel, go on after every one of these.
//
// The expected console lines are in BUILD.bazel: the kernel's "killed"
// lines name each child by pid, and pids are handed out in order (init 1,
// this program 2, its children 3, 4, ... in the order below). Before each
// case the program prints what the child will do and, where it varies with
// the build, at which address.
//
// Expected output: a line per case, the kernel's lines, then
// "killtest: PASS".

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define KERNEL_ADDR 0xffff800000000000ull
#define TEXT_START  0x400000ull

// Where the ud2 of execute_ud2 is (a label in its asm).
extern const char killtest_ud2[];

__attribute__((noinline)) static void execute_ud2(void)
{
    __asm__ volatile(".globl killtest_ud2\n"
                     "killtest_ud2: ud2\n");
}

// A function whose first byte the child overwrites.
__attribute__((noinline)) static int text_target(int x)
{
    return x + 1;
}

// Forks a child that runs `body`; returns its pid. If body returns, the
// child exits 0: a child meant to be killed that survives shows as 0.
static int spawn(void (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        body();
        printf("killtest: FAIL: child %d survived\n", getpid());
        _exit(0);
    }
    check(pid > 0, "fork returned %d", pid);
    return pid;
}

static void expect_killed(int pid, const char *what)
{
    int status = 0;
    check_result(wait(pid, &status), pid, "wait for the child that %s", what);
    check_result(status, EXIT_STATUS_KILLED, "status of the child that %s", what);
}

static void read_kernel_address(void)
{
    (void)*(volatile char *)KERNEL_ADDR;
}

static void write_text_start(void)
{
    *(volatile char *)TEXT_START = 0;
}

static void write_function(void)
{
    *(volatile char *)(uintptr_t)&text_target = 0;
}

static void loop_forever(void)
{
    for (volatile uint64_t i = 0;; i++) {
    }
}

static void kill_self(void)
{
    kill(getpid());
}

int main(void)
{
    check_init("killtest");
    int pid;

    printf("killtest: a child reads kernel address 0x%llx\n", KERNEL_ADDR);
    pid = spawn(read_kernel_address);
    expect_killed(pid, "read a kernel address");

    printf("killtest: a child writes the first byte of its text, 0x%llx\n", TEXT_START);
    check((uintptr_t)&main >= TEXT_START, "main at %p lies above the text's start", (void *)&main);
    pid = spawn(write_text_start);
    expect_killed(pid, "wrote its text");

    printf("killtest: a child writes function text_target, 0x%lx\n", (uintptr_t)&text_target);
    pid = spawn(write_function);
    expect_killed(pid, "wrote a function");
    check_result(text_target(1), 2, "text_target still works in the parent");

    printf("killtest: a child executes ud2 at 0x%lx\n", (uintptr_t)killtest_ud2);
    pid = spawn(execute_ud2);
    expect_killed(pid, "executed ud2");

    printf("killtest: a child loops forever until kill(pid)\n");
    pid = spawn(loop_forever);
    sleep(5);  // let it spin in user mode
    check_result(kill(pid), 0, "kill(looping child)");
    expect_killed(pid, "looped forever");

    printf("killtest: a child kills itself\n");
    pid = spawn(kill_self);
    expect_killed(pid, "killed itself");

    printf("killtest: a child waiting for its own child is killed\n");
    int hold[2];
    check_result(pipe(hold), 0, "pipe");
    pid = fork();
    if (pid == 0) {
        int grandchild = fork();
        if (grandchild == 0) {
            // Blocks until the test closes its end: then init reaps it.
            close(hold[1]);
            char c;
            read(hold[0], &c, 1);
            _exit(0);
        }
        wait(grandchild, NULL);
        printf("killtest: FAIL: the waiting child's wait returned\n");
        _exit(0);
    }
    close(hold[0]);
    sleep(5);  // let it reach wait
    check_result(kill(pid), 0, "kill(waiting child)");
    expect_killed(pid, "waited for its child");
    close(hold[1]);  // the orphaned grandchild exits

    printf("killtest: kill of processes that are not there: ERR_SRCH\n");
    check_result(kill(1000000), ERR_SRCH, "kill(unused pid)");
    // init keeps the machine up: no process may end it (it used to panic
    // the kernel, "init (pid 1) exited").
    check_result(kill(1), ERR_PERM, "kill(init)");
    check_result(kill(0), ERR_SRCH, "kill(0)");
    pid = fork();
    if (pid == 0) {
        _exit(9);
    }
    sleep(5);  // it exits at once: a zombie until we wait
    check_result(kill(pid), ERR_SRCH, "kill(zombie child)");
    int status = -2;
    check_result(wait(pid, &status), pid, "wait for the zombie");
    check_result(status, 9, "the zombie's own exit status");
    check_result(kill(pid), ERR_SRCH, "kill(reaped child)");

    printf("killtest: a child blocked reading a pipe is killed\n");
    int quiet[2];
    check_result(pipe(quiet), 0, "pipe");
    pid = fork();
    if (pid == 0) {
        char c;
        read(quiet[0], &c, 1);  // we keep the write end open: blocks forever
        printf("killtest: FAIL: the blocked read returned\n");
        _exit(0);
    }
    sleep(5);  // let it block
    check_result(kill(pid), 0, "kill(child blocked in read)");
    expect_killed(pid, "blocked reading a pipe");
    close(quiet[0]);
    close(quiet[1]);

    printf("killtest: a child in a long sleep is killed at once\n");
    pid = fork();
    if (pid == 0) {
        sleep(1000000);
        printf("killtest: FAIL: the long sleep ended\n");
        _exit(0);
    }
    sleep(5);
    uint64_t before = ticks();
    check_result(kill(pid), 0, "kill(sleeping child)");
    expect_killed(pid, "sleeping");
    check(ticks() - before < 100, "the sleeper ended within a second of the kill");

    return check_finish();
}
