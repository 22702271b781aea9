// pidargs: a pid argument is the whole 64-bit register.
//
// The C library passes a pid as an int, sign-extended to 64 bits; any other
// register value names no process. The kernel once truncated it to 32 bits
// first, so kill(2^32 + 1) ended init (and the kernel panicked) and
// wait(2^32 + pid) reaped that child. sysfuzz found it.
//
// Correctness criteria (a child that sleeps until killed stands in for a
// process such a value must not reach):
//  1. kill(k * 2^32 + pid), for several k >= 1, returns ERR_SRCH and the
//     child lives on.
//  2. wait(k * 2^32 + pid) and wait(0xffffffff) (not -1 as a 64-bit value)
//     return ERR_NOCHILD and leave the child alone.
//  3. Sign-extended negative values are ordinary: kill(-1) and
//     kill(INT32_MIN) return ERR_SRCH, wait(INT32_MIN) ERR_NOCHILD, and
//     wait(-1) waits for any child.
//  4. After all that, kill(pid) returns 0 and wait(-1) reaps the child with
//     EXIT_STATUS_KILLED.
//
// Expected output: "pidargs: PASS".

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static int failures;

static void expect(int64_t got, int64_t want, const char *what, uint64_t arg)
{
    if (got != want) {
        printf("pidargs: FAIL: %s(0x%lx) returned %ld (%s), expected %ld (%s)\n", what,
               (unsigned long)arg, (long)got, got < 0 ? err_name((err_t)got) : "a value",
               (long)want, want < 0 ? err_name((err_t)want) : "a value");
        failures++;
    }
}

static int64_t raw_kill(uint64_t pid)
{
    return osv_syscall(SYS_KILL, pid, 0, 0, 0, 0, 0);
}

static int64_t raw_wait(uint64_t pid)
{
    return osv_syscall(SYS_WAIT, pid, 0, 0, 0, 0, 0);
}

int main(void)
{
    int pid = fork();
    if (pid == 0) {
        for (;;) {
            sleep(1000);
        }
    }
    if (pid < 0) {
        printf("pidargs: FAIL: fork: %s\n", err_name(pid));
        return 1;
    }
    static const uint64_t high[] = {1, 2, 0x7fffffff, 0x80000000, 0xffffffff};
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++) {
        uint64_t v = high[i] << 32 | (uint32_t)pid;
        expect(raw_kill(v), ERR_SRCH, "kill", v);
        expect(raw_wait(v), ERR_NOCHILD, "wait", v);
    }
    expect(raw_wait(0xffffffffull), ERR_NOCHILD, "wait", 0xffffffffull);
    expect(raw_kill((uint64_t)-1), ERR_SRCH, "kill", (uint64_t)-1);
    expect(raw_kill((uint64_t)(int64_t)INT32_MIN), ERR_SRCH, "kill", (uint64_t)(int64_t)INT32_MIN);
    expect(raw_wait((uint64_t)(int64_t)INT32_MIN), ERR_NOCHILD, "wait",
           (uint64_t)(int64_t)INT32_MIN);
    printf("pidargs: pids beyond 32 bits name no process\n");

    // The child survived all of it.
    int before = failures;
    expect(kill(pid), 0, "kill", (uint64_t)pid);
    int status = 0;
    expect(osv_syscall(SYS_WAIT, (uint64_t)-1, (uint64_t)(uintptr_t)&status, 0, 0, 0, 0), pid,
           "wait", (uint64_t)-1);
    if (status != EXIT_STATUS_KILLED) {
        printf("pidargs: FAIL: the child's status is %d, not EXIT_STATUS_KILLED\n", status);
        failures++;
    }
    if (failures == before) {
        printf("pidargs: the child lived until kill(%d), and wait(-1) reaped it\n", pid);
    }
    if (failures > 0) {
        printf("pidargs: FAIL: %d checks failed\n", failures);
        return 1;
    }
    printf("pidargs: PASS\n");
    return 0;
}
