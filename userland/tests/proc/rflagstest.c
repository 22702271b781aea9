// rflagstest: flags a user program sets in RFLAGS stay its own business.
//
// A program in ring 3 can set, with popfq, the flags NT (nested task), AC
// (alignment check), DF (direction) and TF (trap, single step); an attempt
// to set IOPL is ignored by the CPU at CPL 3. The kernel must never run with
// any of them, whichever way it was entered, and must never hand them to
// another thread; the program itself must get them back as it left them.
//
// Correctness criteria:
//  1. For each of NT, AC and DF: with the flag set, the program makes a
//     system call (a pipe round trip, whose bytes arrive intact), forks and
//     waits (child and parent both go on and both still see the flag),
//     sleeps while another process runs (the kernel switches threads while
//     the flag is in the sleeper's saved state), spins in user mode across
//     several timer interrupts, and takes a page fault on a fresh heap page
//     from sbrk. The process is alive after each, and reads its own flag
//     back, still set (pushfq).
//  2. IOPL: popfq with IOPL 3 leaves IOPL 0 at CPL 3; after each of the
//     entries above it still reads 0, and a child that then executes an I/O
//     instruction (inb) is killed ("general protection"): no path hands a
//     user IOPL 3.
//  3. TF: a child that sets TF is ended by the kernel at the single-step
//     trap after its next instruction, in user mode, with the one-line
//     reason "killed: debug at <address>"; wait gives EXIT_STATUS_KILLED and
//     the kernel goes on. The same for a child that sets TF right before a
//     `syscall` instruction: the system call (a sleep) completes, since the
//     syscall flag mask clears TF and the CPU decides on a single-step trap
//     after `syscall` from the flags it leaves, so none is taken in ring 0;
//     the trap arrives back in user mode, at the instruction after the
//     `syscall` (under QEMU: sysretq restores TF and the trap is taken at
//     once).
//  4. AC: osv runs with CR0.AM clear (boot.S says why), so AC has no effect
//     in user mode: an unaligned load with AC set is served like any other
//     (no #AC), and the process goes on. (QEMU raises no #AC even with AM
//     set, so under QEMU this holds either way; on a real CPU it is AM
//     clear that makes it hold.)
//  5. The parent, every other process and the kernel go on after all of
//     it.
//
// The flag helpers are functions in assembly (below) rather than inline
// pushfq: user programs may keep locals in the red zone below %rsp, which a
// push inside inline asm would overwrite.
//
// Expected output: a line per flag and case, the kernel's "killed" lines
// for the TF and IOPL children, then "rflagstest: PASS".

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define RFLAGS_TF   0x100ull
#define RFLAGS_DF   0x400ull
#define RFLAGS_IOPL 0x3000ull
#define RFLAGS_NT   0x4000ull
#define RFLAGS_AC   0x40000ull

#define PAGE 4096

// rflags_read(): RFLAGS now. rflags_or(bits) and rflags_andnot(bits): set
// and clear bits with popfq.
uint64_t rflags_read(void);
void rflags_or(uint64_t bits);
void rflags_andnot(uint64_t bits);

// Children that set TF and never return (asm below). tf_trap_after_nop is
// the address the single-step trap reports: the instruction after the one
// that follows popfq. tf_after_syscall is the instruction after the
// `syscall` that the other child runs with TF set.
_Noreturn void tf_step(void);
_Noreturn void tf_syscall(void);
extern const char tf_trap_after_nop[];
extern const char tf_after_syscall[];

__asm__(".text\n"
        ".globl rflags_read\n"
        "rflags_read:\n"
        "    pushfq\n"
        "    popq %rax\n"
        "    ret\n"
        ".globl rflags_or\n"
        "rflags_or:\n"
        "    pushfq\n"
        "    orq %rdi, (%rsp)\n"
        "    popfq\n"
        "    ret\n"
        ".globl rflags_andnot\n"
        "rflags_andnot:\n"
        "    notq %rdi\n"
        "    pushfq\n"
        "    andq %rdi, (%rsp)\n"
        "    popfq\n"
        "    ret\n"
        // TF takes effect after popfq's next instruction: the trap reports
        // the address after the nop.
        ".globl tf_step\n"
        "tf_step:\n"
        "    pushfq\n"
        "    orq $0x100, (%rsp)\n"
        "    popfq\n"
        "    nop\n"
        ".globl tf_trap_after_nop\n"
        "tf_trap_after_nop:\n"
        "    nop\n"
        "    ud2\n"
        // sleep(2) with TF set at the syscall instruction itself.
        ".globl tf_syscall\n"
        "tf_syscall:\n"
        "    movl $6, %eax\n"  // SYS_SLEEP
        "    movl $2, %edi\n"
        "    pushfq\n"
        "    orq $0x100, (%rsp)\n"
        "    popfq\n"
        "    syscall\n"
        ".globl tf_after_syscall\n"
        "tf_after_syscall:\n"
        "    nop\n"
        "    nop\n"
        "    ud2\n");

_Static_assert(SYS_SLEEP == 6, "tf_syscall's number");

struct flag {
    const char *name;
    uint64_t bits;
    bool kept;  // the CPU lets ring 3 set it: it must come back set
};

static const struct flag flags[] = {
    {"NT", RFLAGS_NT, true},
    {"AC", RFLAGS_AC, true},
    {"DF", RFLAGS_DF, true},
    {"IOPL", RFLAGS_IOPL, false},
};

// Whether `seen` (RFLAGS read in the process) holds what `f` wants.
static bool as_wanted(const struct flag *f, uint64_t seen)
{
    return (seen & f->bits) == (f->kept ? f->bits : 0);
}

static void check_flag(const struct flag *f, uint64_t seen, const char *after)
{
    check(as_wanted(f, seen), "%s after %s: rflags 0x%lx, want %s %s", f->name, after,
          (unsigned long)seen, f->name, f->kept ? "set" : "clear");
}

// 1, 2: a pipe round trip with the flag set; the bytes must arrive intact
// (with DF leaking into the kernel, its copies would run backwards).
static void case_syscall(const struct flag *f)
{
    static const char msg[] = "flags are the program's own";
    char got[sizeof msg] = {0};
    int fds[2];
    check_result(pipe(fds), 0, "pipe");

    rflags_or(f->bits);
    ssize_t wrote = write(fds[1], msg, sizeof msg);
    ssize_t read_n = read(fds[0], got, sizeof got);
    uint64_t seen = rflags_read();
    rflags_andnot(f->bits);

    check_flag(f, seen, "write and read");
    check_result(wrote, sizeof msg, "%s: write", f->name);
    check_result(read_n, sizeof msg, "%s: read", f->name);
    check(memcmp(got, msg, sizeof msg) == 0, "%s: the bytes through the pipe", f->name);
    close(fds[0]);
    close(fds[1]);
}

// 1, 2: fork and wait with the flag set. The child reports what it saw in
// its exit status: 0 when its flag is as wanted.
static void case_fork(const struct flag *f)
{
    rflags_or(f->bits);
    int pid = fork();
    if (pid == 0) {
        uint64_t child_seen = rflags_read();
        rflags_andnot(f->bits);
        _exit(as_wanted(f, child_seen) ? 0 : 1);
    }
    uint64_t after_fork = rflags_read();
    int status = -2;
    int waited = wait(pid, &status);
    uint64_t after_wait = rflags_read();
    rflags_andnot(f->bits);

    check(pid > 0, "%s: fork returned %d", f->name, pid);
    check_flag(f, after_fork, "fork (parent)");
    check_flag(f, after_wait, "wait");
    check_result(waited, pid, "%s: wait", f->name);
    check_result(status, 0, "%s: the child's status (1: its flag was wrong)", f->name);
}

// 1, 2: sleep with the flag set while a child spins in user mode: the
// kernel switches from the sleeper to the child and back.
static void case_sleep(const struct flag *f)
{
    int pid = fork();
    if (pid == 0) {
        uint64_t until = ticks() + 20;
        while (ticks() < until) {
            for (volatile int i = 0; i < 10000; i++) {
            }
        }
        _exit(0);
    }
    check(pid > 0, "%s: fork of the spinner returned %d", f->name, pid);
    rflags_or(f->bits);
    int slept = sleep(10);
    uint64_t seen = rflags_read();
    rflags_andnot(f->bits);

    check_flag(f, seen, "sleep");
    check_result(slept, 0, "%s: sleep", f->name);
    int status = -2;
    check_result(wait(pid, &status), pid, "%s: wait for the spinner", f->name);
    check_result(status, 0, "%s: the spinner's status", f->name);
}

// 1, 2: spin in user mode with the flag set across at least 5 timer ticks
// (interrupts taken from ring 3, and a preemption now and then). ticks()
// is called only every 100000 iterations, so nearly all of the time is
// spent in user mode.
static void case_timer(const struct flag *f)
{
    uint64_t start = ticks();
    uint64_t now = start;
    bool lost = false;
    uint64_t bad = 0;
    rflags_or(f->bits);
    while (now - start < 5) {
        for (volatile int i = 0; i < 100000; i++) {
        }
        uint64_t seen = rflags_read();
        if (!as_wanted(f, seen) && !lost) {
            lost = true;
            bad = seen;
        }
        now = ticks();
    }
    uint64_t seen = rflags_read();
    rflags_andnot(f->bits);

    check(!lost, "%s while spinning across timer ticks: rflags 0x%lx", f->name, (unsigned long)bad);
    check_flag(f, seen, "timer interrupts");
}

// 1, 2: a page fault on a fresh heap page with the flag set.
static void case_page_fault(const struct flag *f)
{
    char *page = sbrk(PAGE);
    check(page != (char *)-1, "%s: sbrk(%d)", f->name, PAGE);
    if (page == (char *)-1) {
        return;
    }
    rflags_or(f->bits);
    *(volatile char *)page = 42;  // not mapped yet: the kernel maps it
    uint64_t seen = rflags_read();
    rflags_andnot(f->bits);

    check_flag(f, seen, "a page fault");
    check_result(page[0], 42, "%s: the byte written to the fresh page", f->name);
    check(sbrk(-PAGE) == page + PAGE, "%s: sbrk(-%d)", f->name, PAGE);
}

static void expect_killed(int pid, const char *what)
{
    check(pid > 0, "fork for the child that %s returned %d", what, pid);
    int status = 0;
    check_result(wait(pid, &status), pid, "wait for the child that %s", what);
    check_result(status, EXIT_STATUS_KILLED, "status of the child that %s", what);
}

// 2: after the IOPL attempt, ring 3 still may not use I/O ports.
static void iopl_child_inb(void)
{
    rflags_or(RFLAGS_IOPL);
    uint8_t value;
    __asm__ volatile("inb $0x80, %0" : "=a"(value));
    printf("rflagstest: FAIL: inb in ring 3 did not fault (read 0x%x)\n", value);
    _exit(0);
}

// 4: an unaligned load with AC set.
static void case_ac_unaligned(void)
{
    static uint64_t words[2] = {0x1122334455667788ull, 0x99aabbccddeeff00ull};
    const volatile uint32_t *odd = (const volatile uint32_t *)((const char *)words + 1);
    uint32_t want;
    memcpy(&want, (const char *)words + 1, sizeof want);
    rflags_or(RFLAGS_AC);
    uint32_t value = *odd;
    uint64_t seen = rflags_read();
    rflags_andnot(RFLAGS_AC);
    check((seen & RFLAGS_AC) != 0, "AC still set after the unaligned load: rflags 0x%lx",
          (unsigned long)seen);
    check(value == want, "the unaligned load read 0x%x, want 0x%x", value, want);
}

int main(void)
{
    check_init("rflagstest");
    // The test starts from a clean slate: none of the flags set.
    uint64_t start = rflags_read();
    check((start & (RFLAGS_TF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)) == 0,
          "rflags at the start: 0x%lx", (unsigned long)start);

    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const struct flag *f = &flags[i];
        printf("rflagstest: %s: a system call, fork and wait, sleep while another process "
               "runs, timer interrupts, a page fault\n",
               f->name);
        case_syscall(f);
        case_fork(f);
        case_sleep(f);
        case_timer(f);
        case_page_fault(f);
    }

    printf("rflagstest: IOPL: a child tries IOPL 3, then executes inb\n");
    int pid = fork();
    if (pid == 0) {
        iopl_child_inb();
    }
    expect_killed(pid, "executed inb");

    printf("rflagstest: AC: an unaligned load with AC set (CR0.AM is clear: no #AC)\n");
    case_ac_unaligned();

    printf("rflagstest: TF: a child sets TF; the trap comes after its next instruction, at 0x%lx\n",
           (unsigned long)(uintptr_t)tf_trap_after_nop);
    pid = fork();
    if (pid == 0) {
        tf_step();
    }
    expect_killed(pid, "set TF");

    printf("rflagstest: TF: a child sets TF right before syscall (sleep); returns to 0x%lx\n",
           (unsigned long)(uintptr_t)tf_after_syscall);
    pid = fork();
    if (pid == 0) {
        tf_syscall();
    }
    expect_killed(pid, "set TF before syscall");

    return check_finish();
}
