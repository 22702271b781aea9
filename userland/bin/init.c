// init: the first user process (pid 1), started by the kernel with the
// console open as file descriptors 0, 1 and 2.
//
// With arguments (the kernel passes the words after " -- " on its command
// line as argv[1..]): runs argv[1] with the arguments argv[1..], waits for
// it, prints "init: <prog> exited with status N" and shuts the machine down,
// as a failure when N != 0. This is how a QEMU test runs one program.
//
// Without arguments: runs the shell, and a new one whenever it exits. If the
// shell cannot be started (its exec fails: status 127), the machine is shut
// down as a failure rather than retrying forever.
//
// The kernel makes init the parent of every orphan, so while init waits for
// its child it also reaps whatever other processes end.

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define EXEC_FAILED 127  // a child's status when exec did not work

// Starts argv[0] with argv in a child. Returns its pid or an err_t.
static int spawn(char *const argv[])
{
    int pid = fork();
    if (pid == 0) {
        int err = exec(argv[0], argv);
        fprintf(stderr, "init: cannot run %s: %s\n", argv[0], err_name(err));
        exit(EXEC_FAILED);
    }
    if (pid < 0) {
        fprintf(stderr, "init: fork: %s\n", err_name(pid));
    }
    return pid;
}

// Waits until `pid` ends, reaping orphans on the way; returns its status.
static int wait_for(int pid)
{
    for (;;) {
        int status;
        int done = wait(-1, &status);
        if (done == pid) {
            return status;
        }
        if (done < 0) {
            fprintf(stderr, "init: wait: %s\n", err_name(done));
            return EXIT_STATUS_KILLED;
        }
    }
}

static _Noreturn void stop(int failed)
{
    int err = shutdown(failed);
    fprintf(stderr, "init: shutdown: %s\n", err_name(err));
    for (;;) {
        sleep(1000);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int pid = spawn(argv + 1);
        if (pid < 0) {
            stop(1);
        }
        int status = wait_for(pid);
        printf("init: %s exited with status %d\n", argv[1], status);
        stop(status != 0);
    }

    char *sh_argv[] = {"sh", NULL};
    for (;;) {
        int pid = spawn(sh_argv);
        if (pid < 0) {
            sleep(100);  // out of processes or memory: give it a second
            continue;
        }
        int status = wait_for(pid);
        if (status == EXEC_FAILED) {
            fprintf(stderr, "init: no shell to run; shutting down\n");
            stop(1);
        }
        printf("init: sh exited with status %d; starting a new one\n", status);
    }
}
