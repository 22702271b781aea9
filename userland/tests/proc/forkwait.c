// forkwait: fork, exit and wait, with many children at once and with orphans.
//
// Correctness criteria:
//  1. fork returns the child's pid to the parent (> 0, not the parent's own)
//     and 0 to the child, whose getpid() is that pid and whose getppid() is
//     the parent's pid.
//  2. NCHILD children alive at the same time, each exiting with its own
//     status (spread over 0..255, both ends included): wait(-1, &status)
//     returns every one of their pids exactly once, each with that child's
//     status; then wait(-1) returns ERR_NOCHILD.
//  3. wait(pid, &status) for NCHILD children, newest first, returns that pid
//     and its status; wait(pid, NULL) reaps without a status; a second
//     wait(pid) of a reaped child is ERR_NOCHILD.
//  4. wait(pid) of a child still running sleeps until that child exits, and
//     does not return another child that exited first (which wait(-1) then
//     returns).
//  5. wait(pid) of a process that is not our child returns ERR_NOCHILD at
//     once, also while we have live children: our parent (init), ourselves,
//     a pid never used, and -2.
//  6. Orphans: when a child forks a grandchild and exits first, the
//     grandchild's getppid() changes from the child's pid to 1 (init), the
//     child's status still reaches us, and the grandchild is not ours to
//     wait for (ERR_NOCHILD).
//  7. Init reaps the orphan once it exits: afterwards as many new processes
//     fit in the process table as before (counted by forking until fork
//     returns ERR_NOSPACE), so no zombie is left behind.
//
// Expected output: a line per step, then "forkwait: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define NCHILD 50

// A pid no process has had (pids count up from 1 and this run makes a few
// hundred).
#define UNUSED_PID 1000000

static int status_of(int i)
{
    return i * 255 / (NCHILD - 1);
}

// Forks a child that blocks until the write end of `go` is closed
// everywhere, then exits with `status`. Returns its pid.
static int fork_waiting_child(int go[2], int status)
{
    int pid = fork();
    if (pid == 0) {
        close(go[1]);
        char c;
        while (read(go[0], &c, 1) > 0) {
        }
        _exit(status);
    }
    return pid;
}

static void check_identity(void)
{
    printf("forkwait: fork returns the child's pid, the child sees 0\n");
    int self = getpid();
    int fds[2];
    if (!check_result(pipe(fds), 0, "pipe")) {
        return;
    }
    int pid = fork();
    if (pid == 0) {
        int ids[2] = {getpid(), getppid()};
        _exit(write(fds[1], ids, sizeof ids) == sizeof ids ? 0 : 1);
    }
    check(pid > 0 && pid != self, "fork returned %d to the parent (pid %d)", pid, self);
    close(fds[1]);
    int ids[2] = {0, 0};
    check_result(read(fds[0], ids, sizeof ids), sizeof ids, "read the child's ids");
    check_result(ids[0], pid, "the child's getpid()");
    check_result(ids[1], self, "the child's getppid()");
    int status = -2;
    check_result(wait(pid, &status), pid, "wait for the child");
    check_result(status, 0, "the child's status");
    close(fds[0]);
}

static void check_not_children(const char *when)
{
    int status = 12345;
    check_result(wait(1, &status), ERR_NOCHILD, "%s: wait(1) (init, our parent)", when);
    check_result(wait(getpid(), &status), ERR_NOCHILD, "%s: wait(own pid)", when);
    check_result(wait(UNUSED_PID, &status), ERR_NOCHILD, "%s: wait(unused pid)", when);
    check_result(wait(-2, &status), ERR_NOCHILD, "%s: wait(-2)", when);
    check_result(status, 12345, "%s: failed waits left *status alone", when);
}

static void check_wait_any(void)
{
    printf("forkwait: %d children at once, reaped by wait(-1)\n", NCHILD);
    int go[2];
    if (!check_result(pipe(go), 0, "pipe")) {
        return;
    }
    int pids[NCHILD];
    int seen[NCHILD] = {0};
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork_waiting_child(go, status_of(i));
        check(pids[i] > 0, "fork %d returned %d", i, pids[i]);
    }
    check_not_children("with live children");
    close(go[0]);
    close(go[1]);  // the children's reads return 0: they exit
    for (int n = 0; n < NCHILD; n++) {
        int status = -2;
        int pid = wait(-1, &status);
        int i = 0;
        while (i < NCHILD && pids[i] != pid) {
            i++;
        }
        if (!check(i < NCHILD, "wait(-1) returned %d, not one of our children", pid)) {
            continue;
        }
        check(!seen[i]++, "wait(-1) returned child %d (pid %d) twice", i, pid);
        check_result(status, status_of(i), "status of child %d (pid %d)", i, pid);
    }
    check_result(wait(-1, NULL), ERR_NOCHILD, "wait(-1) once all are reaped");
}

static void check_wait_pid(void)
{
    printf("forkwait: %d children, reaped by wait(pid) newest first\n", NCHILD);
    int go[2];
    if (!check_result(pipe(go), 0, "pipe")) {
        return;
    }
    int pids[NCHILD];
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork_waiting_child(go, status_of(i));
        check(pids[i] > 0, "fork %d returned %d", i, pids[i]);
    }
    close(go[0]);
    close(go[1]);
    for (int i = NCHILD - 1; i >= 0; i--) {
        if (i % 5 == 0) {
            check_result(wait(pids[i], NULL), pids[i], "wait(pid %d, NULL)", pids[i]);
            continue;
        }
        int status = -2;
        check_result(wait(pids[i], &status), pids[i], "wait(pid %d)", pids[i]);
        check_result(status, status_of(i), "status of child %d (pid %d)", i, pids[i]);
    }
    check_result(wait(pids[NCHILD - 1], NULL), ERR_NOCHILD, "wait(pid) of a reaped child");
    check_result(wait(-1, NULL), ERR_NOCHILD, "wait(-1) once all are reaped");
    check_not_children("with no children");
}

static void check_wait_pid_sleeps(void)
{
    printf("forkwait: wait(pid) waits for that child only\n");
    int slow = fork();
    if (slow == 0) {
        sleep(10);
        _exit(11);
    }
    int quick = fork();
    if (quick == 0) {
        _exit(22);
    }
    int status = -2;
    check_result(wait(slow, &status), slow, "wait(slow child)");
    check_result(status, 11, "the slow child's status");
    check_result(wait(-1, &status), quick, "wait(-1) after the slow child");
    check_result(status, 22, "the quick child's status");
}

// Forks children that block until released, until fork fails; releases and
// reaps them all. Returns how many fit.
static int process_room(void)
{
    int go[2];
    if (!check_result(pipe(go), 0, "pipe")) {
        return -1;
    }
    int count = 0;
    int err;
    for (;;) {
        err = fork_waiting_child(go, 0);
        if (err < 0) {
            break;
        }
        count++;
    }
    check_result(err, ERR_NOSPACE, "fork with the process table full");
    close(go[0]);
    close(go[1]);
    for (int i = 0; i < count; i++) {
        int status = -2;
        int pid = wait(-1, &status);
        check(pid > 0 && status == 0, "reaping the room probes: pid %d, status %d", pid, status);
    }
    return count;
}

// What the grandchild reports through the pipe.
struct orphan_report {
    int pid;
    int ppid_before;  // while its parent lives
    int ppid_after;   // once its parent has exited
};

static void check_orphans(void)
{
    printf("forkwait: orphans go to init, which reaps them\n");
    int room = process_room();
    printf("forkwait: %d more processes fit in the process table\n", room);

    int report[2];
    if (!check_result(pipe(report), 0, "pipe")) {
        return;
    }
    int child = fork();
    if (child == 0) {
        close(report[0]);
        int sync[2];
        if (pipe(sync) != 0) {
            _exit(1);
        }
        int grandchild = fork();
        if (grandchild == 0) {
            struct orphan_report r = {.pid = getpid(), .ppid_before = getppid()};
            write(sync[1], "x", 1);  // now the parent may exit
            r.ppid_after = r.ppid_before;
            for (int i = 0; i < 500 && r.ppid_after == r.ppid_before; i++) {
                sleep(1);
                r.ppid_after = getppid();
            }
            _exit(write(report[1], &r, sizeof r) == sizeof r ? 0 : 1);
        }
        char c;
        _exit(grandchild > 0 && read(sync[0], &c, 1) == 1 ? 33 : 1);
    }
    close(report[1]);
    int status = -2;
    check_result(wait(child, &status), child, "wait for the child");
    check_result(status, 33, "the child's status (33: forked the grandchild)");

    struct orphan_report r = {0, 0, 0};
    check_result(read(report[0], &r, sizeof r), sizeof r, "read the grandchild's report");
    check_result(r.ppid_before, child, "grandchild's getppid() while its parent lives");
    check_result(r.ppid_after, 1, "grandchild's getppid() once its parent exited");
    check_result(wait(r.pid, NULL), ERR_NOCHILD, "wait(grandchild) (init's child now)");
    char c;
    check_result(read(report[0], &c, 1), 0, "end of file once the grandchild exited");
    close(report[0]);

    // The grandchild has closed its files; init reaps it as soon as it runs.
    int after = 0;
    for (int tries = 0; tries < 20; tries++) {
        sleep(2);
        after = process_room();
        if (after == room) {
            break;
        }
    }
    check_result(after, room, "processes that fit once init reaped the orphan");
}

int main(void)
{
    check_init("forkwait");
    check_identity();
    check_wait_any();
    check_wait_pid();
    check_wait_pid_sleeps();
    check_orphans();
    return check_finish();
}
