// sysfuzz: a seeded system call fuzzer.
//
//   sysfuzz SEED ROUNDS [FIRST [trace]]
//
// SEED is a 64-bit number (decimal, or hex with 0x), ROUNDS how many rounds
// to run (1..1000000000), FIRST the number of the first round (default 0),
// so that one round of a long run can be replayed alone: round R of seed S
// always makes the same calls ("sysfuzz S 1 R"); "trace" prints each of
// them with its result. Anything else prints a usage line and exits 2.
//
// Each round forks a worker, which makes a few dozen system calls with random
// and edge-case arguments and predicts each result from a model of its own
// state (its descriptors, its pipes' contents, its break, its memory map, its
// children). The worker is the one that takes every risk; calls that would
// end it or could block it run in children of its own. The fuzzer itself
// only forks workers, waits for them (with a watchdog) and checks the
// kernel between rounds.
//
// Correctness criteria:
//  1. No call, whatever its arguments, panics or hangs the kernel, or ends a
//     process other than the one it is meant to: the run finishes, and every
//     worker ends by itself within WATCHDOG_TICKS.
//  2. Every result is the one the ABI gives for those arguments (kernel/
//     syscall_abi.h, kernel/sys_file.h, <unistd.h>, <osv.h>): unknown numbers
//     ERR_NOSYS; bad descriptors ERR_BADF, including 64-bit values whose low
//     half is an open descriptor; bad pointers (NULL, kernel, non-canonical,
//     unmapped, the stack guard, ranges that run off mapped memory, text and
//     rodata for output) ERR_FAULT, with nothing done; counts, descriptors
//     and pids exactly as the model predicts; pids beyond 32 bits never
//     name a process; shutdown from anyone but init ERR_PERM. A mismatch is
//     printed with the round, the call and its arguments.
//  3. Children that fault on purpose (kernel, non-canonical and NULL
//     addresses, writes to text and rodata, executing data, stack overflow,
//     ud2, division by zero, privileged instructions, a kernel-address
//     stack, ...) end with EXIT_STATUS_KILLED, and only they do.
//  4. Blocking calls (pipe and console reads, pipe writes, long sleeps) run
//     in children that kill() ends at once, as it ends children busy
//     forking, exec'ing or making pipes; a pipe read with no writer
//     returns 0. A
//     child blocked on a pipe wakes when the worker closes the other end
//     (end of file; a short count or ERR_PIPE), and a child's transfer of
//     up to three pipefuls arrives whole and in order.
//  5. Fork chains up to CHAIN_MAX deep, waited for level by level or
//     orphaned to init level by level, all run to the end.
//  6. After every round getpid answers, a pipe carries 16 bytes there and
//     back, and, once the round's processes are gone, the free page count
//     is exactly the baseline measured before the first round.
//
// Output: the seed and baseline, progress lines, the summary (rounds,
// system calls, children, children faulted), then "sysfuzz: PASS", or
// "sysfuzz: FAIL: ..." and exit status 1.

#include <osv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The kernel's constants that syscall_abi.h does not carry, mirrored here.
#define PAGE          4096ull
#define IMAGE_START   0x400000ull  // userland/user.ld: text begins here
// The stack and its guard gap (kernel/syscall_abi.h): the heap may grow up
// to the gap's bottom, and any access in the gap is a stack overflow.
#define USER_TOP      USTACK_UPPERBOUND
#define STACK_LO      (USER_TOP - USTACK_PAGES * PAGE)
#define HEAP_LIMIT    (STACK_LO - USTACK_GUARD_PAGES * PAGE)
#define CHUNK         512ull  // SYS_FILE_CHUNK, kernel/file_io.h
#define PIPE_CAPACITY 4096    // PIPE_SIZE, kernel/pipe.h
#define KERNEL_HALF   0xffff800000000000ull
#define KERNEL_TEXT   0xffffffff80000000ull
#define NONCANONICAL  0x0000800000000000ull

// The worker keeps its two own descriptors at the top of the table, where
// the fuzzed calls never point: the round report to the fuzzer and the
// console for mismatch lines.
#define REPORT_FD (FD_MAX - 2)
#define DIAG_FD   (FD_MAX - 1)

#define WATCHDOG_TICKS 3000  // a round longer than 30 s is a hang
#define SETTLE_TICKS   500   // orphans reaped by init may take a moment to go
#define CHAIN_MAX      30
#define PENDING_MAX    6
#define NAMES_MAX      32

// The fuzzer's own calls per round: pipe, fork, fork, wait, kill, wait,
// read and close for the worker; getpid, pipe, write, read, close, close
// and sysinfo for the checks.
#define PARENT_CALLS_PER_ROUND 15

// Exit statuses of the worker's children that report something themselves.
#define ST_EXEC_ERROR_BASE 100  // exec returned err: 100 + -err
#define ST_EXEC_RETURNED   99   // exec returned a value >= 0
#define ST_FAULT_SURVIVED  253  // a child meant to fault did not
#define ST_CHILD_BAD       254  // a child's own check failed
#define ST_USAGE           2    // sysfuzz's bad-arguments status

static uint64_t page_up(uint64_t a)
{
    return (a + PAGE - 1) & ~(PAGE - 1);
}

// ---------------------------------------------------------------------------
// Random numbers: splitmix64, seeded per round from (seed, round).

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static struct rng rng;

static uint64_t rnd(void)
{
    return rng_next(&rng);
}

static uint64_t below(uint64_t n)
{
    return n == 0 ? 0 : rnd() % n;
}

static bool chance(unsigned percent)
{
    return below(100) < percent;
}

// Unused argument registers get garbage: the kernel must ignore them.
static uint64_t junk(void)
{
    return chance(50) ? rnd() : 0;
}

// ---------------------------------------------------------------------------
// State shared by the fuzzer and its workers (each process has its copy).

static uint64_t seed;
static uint64_t round_no;
static int op_no;
static uint64_t heap_start;  // the break when main began
static uint64_t data_start;  // the writable segment (from our own ELF file)
static uint64_t data_end;    // == heap_start

struct name {
    char s[DIRENT_NAME_MAX];
    uint32_t size;
};
static struct name names[NAMES_MAX];  // the initrd's files, from "/"
static int num_names;

static char notelf_copy[512];  // notelf.txt's contents
static int64_t notelf_size;

// Big scratch areas in bss: path strings, argv arrays and their strings,
// buffers for the kernel to read and write.
static char scratch[4 * PAGE];
static uint64_t argv_buf[48];
static char argstr_buf[3 * PAGE];
static const char rodata_block[64] = "read-only data: writes here must fail";
static volatile uint64_t volatile_zero;  // 0, which the compiler cannot see

// A routine that children write to (it stays intact in the worker).
__attribute__((noinline)) static int text_target(int x)
{
    return x * 3 + 1;
}

struct report {
    uint64_t syscalls;  // made by the worker, or by its children for it
    uint64_t children;  // children the worker started
    uint64_t faulted;   // of those, killed for a fault, as meant
    uint64_t killed;    // ended by kill() while blocked or running
    uint64_t execs;     // exec attempts
    uint64_t chains;    // fork chains, and their levels
    uint64_t levels;
    uint64_t mismatches;              // results other than predicted
    uint64_t by_call[SYS_COUNT + 1];  // calls by number; [SYS_COUNT]: no such call
    uint64_t by_result[32];           // [0]: success, [-e]: error e
};

static struct report rep;

static bool tracing;  // print every call the worker makes (argument "trace")
static void diag(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5)
{
    rep.syscalls++;
    rep.by_call[nr < SYS_COUNT && nr != 0 ? nr : SYS_COUNT]++;
    int64_t r = osv_syscall(nr, a0, a1, a2, a3, a4, a5);
    rep.by_result[r >= 0 ? 0 : r > -32 ? -r : 31]++;
    if (tracing) {
        diag("sysfuzz: trace op %d: #%lu(0x%lx, 0x%lx, 0x%lx) = %ld\n", op_no, (unsigned long)nr,
             (unsigned long)a0, (unsigned long)a1, (unsigned long)a2, (long)r);
    }
    return r;
}

// The worker's own lines on the console.
static void diag(const char *format, ...)
{
    char line[320];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > (int)sizeof line - 1) {
        n = sizeof line - 1;
    }
    osv_syscall(SYS_WRITE, DIAG_FD, (uint64_t)line, (uint64_t)n, 0, 0, 0);
}

// ---------------------------------------------------------------------------
// Expected results: a range of values >= 0 and a set of errors.

struct expect {
    int64_t lo, hi;  // values lo..hi are right (none if lo > hi)
    uint32_t errs;   // bit -e: error e is right
};

static uint32_t errbit(int64_t e)
{
    return e < 0 && e > -32 ? 1u << -e : 0;
}

static struct expect ex_val(int64_t v)
{
    return (struct expect){v, v, 0};
}

static struct expect ex_range(int64_t lo, int64_t hi)
{
    return (struct expect){lo, hi, 0};
}

static struct expect ex_err(int64_t e)
{
    return (struct expect){1, 0, errbit(e)};
}

static struct expect ex_or(struct expect x, int64_t e)
{
    x.errs |= errbit(e);
    return x;
}

static bool ex_match(struct expect x, int64_t r)
{
    return r >= 0 ? r >= x.lo && r <= x.hi : (x.errs & errbit(r)) != 0;
}

static const char *const call_names[] = {
    [SYS_EXIT] = "exit",         [SYS_FORK] = "fork",       [SYS_WAIT] = "wait",
    [SYS_GETPID] = "getpid",     [SYS_KILL] = "kill",       [SYS_SLEEP] = "sleep",
    [SYS_TICKS] = "ticks",       [SYS_SBRK] = "sbrk",       [SYS_EXEC] = "exec",
    [SYS_OPEN] = "open",         [SYS_READ] = "read",       [SYS_WRITE] = "write",
    [SYS_CLOSE] = "close",       [SYS_DUP] = "dup",         [SYS_PIPE] = "pipe",
    [SYS_FSTAT] = "fstat",       [SYS_SYSINFO] = "sysinfo", [SYS_GETPPID] = "getppid",
    [SYS_SHUTDOWN] = "shutdown", [SYS_VMMAP] = "vmmap",
};

struct call {
    uint64_t nr;
    uint64_t a[6];
    const char *note;  // how the arguments were chosen
};

static int64_t issue(const struct call *c)
{
    return sc(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

// A call a child makes for the worker (exec, a blocking call, exit): the
// worker counts it, without its result.
static void count_child_call(uint64_t nr)
{
    rep.syscalls++;
    rep.by_call[nr < SYS_COUNT && nr != 0 ? nr : SYS_COUNT]++;
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
    const char *name = c->nr < SYS_COUNT && call_names[c->nr] ? call_names[c->nr] : "nosys";
    diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s#%lu(0x%lx, 0x%lx, 0x%lx) [%s]: got %s, "
         "expected %s\n",
         (unsigned long)seed, (unsigned long)round_no, op_no, name, (unsigned long)c->nr,
         (unsigned long)c->a[0], (unsigned long)c->a[1], (unsigned long)c->a[2],
         c->note ? c->note : "", got, want);
}

static bool verify(const struct call *c, int64_t got, struct expect want)
{
    if (ex_match(want, got)) {
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

// A check that is not about one call's result.
static void expect_true(bool ok, const char *what, uint64_t detail)
{
    if (!ok) {
        rep.mismatches++;
        diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s (0x%lx)\n", (unsigned long)seed,
             (unsigned long)round_no, op_no, what, (unsigned long)detail);
    }
}

// ---------------------------------------------------------------------------
// The worker's model of its own memory: text, rodata and data from the ELF
// file, then the heap up to the break (rounded up to a page), all one run;
// the stack below USER_TOP. Everything else is unmapped or the kernel's.

static uint64_t brk_now;

static uint64_t heap_top(void)
{
    return page_up(brk_now);
}

// A user address and how many bytes from it on a user access could read and
// write (0: the first byte already fails).
struct uptr {
    uint64_t addr;
    uint64_t rd, wr;
    const char *kind;
};

static struct uptr at(uint64_t addr, const char *kind)
{
    struct uptr p = {addr, 0, 0, kind};
    uint64_t top = heap_top();
    if (addr >= IMAGE_START && addr < data_start) {
        p.rd = top - addr;  // text and rodata: readable, never writable
    } else if (addr >= data_start && addr < top) {
        p.rd = p.wr = top - addr;
    } else if (addr >= STACK_LO && addr < USER_TOP) {
        p.rd = p.wr = USER_TOP - addr;
    }
    return p;
}

static char *stack_scratch;  // 1 KiB in the worker's outermost frame

// A pointer for a call that reads or writes `want` bytes there.
static struct uptr gen_ptr(uint64_t want)
{
    uint64_t k = 1 + below(want > 1 ? (want < 4096 ? want - 1 : 4095) : 1);
    uint64_t top = heap_top();
    switch (below(22)) {
    case 0:
        return at(0, "NULL");
    case 1:
        return at(1 + below(IMAGE_START - 1), "below the image");
    case 2:
        return at(KERNEL_HALF + (chance(50) ? 0 : below(1 << 20)), "kernel half");
    case 3:
        return at(KERNEL_TEXT + (chance(50) ? 0 : below(1 << 20)), "kernel text");
    case 4:
        return at(KERNEL_HALF | rnd(), "kernel, random");
    case 5:
        // Bit 47 set, bit 63 clear: never canonical.
        return at(chance(50) ? NONCANONICAL : ((rnd() | NONCANONICAL) & ~(1ull << 63)),
                  "non-canonical");
    case 6:
        return at(USER_TOP + below(PAGE), "the top page");
    case 7:
        return at(top < HEAP_LIMIT ? top + below(HEAP_LIMIT - top) : 0, "above the heap");
    case 8:
        return at(STACK_LO - 1 - below(STACK_LO - HEAP_LIMIT), "stack guard");
    case 9:
        return at((uint64_t)(uintptr_t)&text_target + below(64), "text");
    case 10:
        return at((uint64_t)(uintptr_t)rodata_block + below(32), "rodata");
    case 11:
    case 12:
        return at((uint64_t)(uintptr_t)scratch + below(2 * PAGE), "data");
    case 13:
        return at((uint64_t)(uintptr_t)stack_scratch + below(256), "stack");
    case 14:
        return at(STACK_LO + below(PAGE), "stack, lazy");
    case 15:
        if (brk_now > heap_start) {
            return at(heap_start + below(brk_now - heap_start), "heap");
        }
        return at((uint64_t)(uintptr_t)scratch + 1, "data, odd");
    case 16:
    case 17:
        if (brk_now > heap_start) {
            return at(top - k, "heap end, runs off");
        }
        return at(USER_TOP - (1 + below(64)), "stack top, runs off");
    case 18:
        return at(USER_TOP - (1 + below(64)), "stack top, runs off");
    case 19:
        return at(UINT64_MAX - below(64), "wraps");
    case 20:
        return at(top + PAGE * below(4), "just above the heap");
    default:
        return at((uint64_t)(uintptr_t)scratch + 1 + 2 * below(100), "data, unaligned");
    }
}

static uint64_t gen_size(void)
{
    static const uint64_t sizes[] = {
        0,
        1,
        2,
        7,
        8,
        16,
        63,
        64,
        65,
        100,
        511,
        512,
        513,
        1000,
        4095,
        4096,
        4097,
        8192,
        9000,
        1u << 31,
        (1ull << 32) + 1,
        INT64_MAX,
        (uint64_t)INT64_MAX + 1,
        UINT64_MAX,
    };
    if (chance(20)) {
        return below(3 * PAGE);
    }
    return sizes[below(sizeof sizes / sizeof sizes[0])];
}

// Bytes at p up to a NUL, as the kernel's copyinstr sees them: 0 and *len
// (a string of *len bytes), ERR_TOOLONG (no NUL in max bytes) or ERR_FAULT
// (the memory ends first). Reads our own memory where the model says it
// is readable.
static int64_t string_at(struct uptr p, uint64_t max, uint64_t *len)
{
    uint64_t limit = p.rd < max ? p.rd : max;
    const volatile char *s = (const volatile char *)(uintptr_t)p.addr;
    for (uint64_t i = 0; i < limit; i++) {
        if (s[i] == '\0') {
            *len = i;
            return 0;
        }
    }
    return p.rd >= max ? ERR_TOOLONG : ERR_FAULT;
}

// ---------------------------------------------------------------------------
// The worker's model of its descriptors: which open file each one refers to,
// each file's offset, each pipe's contents.

enum fkind {
    F_FILE = 1,
    F_DIR,
    F_PIPE_R,
    F_PIPE_W,
};

struct ofile {
    int refs;  // descriptors of the worker that refer to it
    enum fkind kind;
    int64_t size;    // regular files
    int64_t offset;  // regular files (bytes) and the directory (entries)
    int name;        // regular files: index in names
    int pipe;        // pipe ends
};

struct spipe {
    int r, w;      // the ofiles of its ends
    int64_t fill;  // bytes in it; -1 when unknown
};

#define MAX_OFILES 40
#define MAX_PIPES  20
#define FD_FREE    (-1)
#define FD_OWN     (-2)  // REPORT_FD and DIAG_FD

static struct ofile ofiles[MAX_OFILES];
static struct spipe pipes[MAX_PIPES];
static int fdmap[FD_MAX];

static int lowest_free_fd(void)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fdmap[fd] == FD_FREE) {
            return fd;
        }
    }
    return -1;
}

static int free_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < FD_MAX; fd++) {
        n += fdmap[fd] == FD_FREE;
    }
    return n;
}

static int new_ofile(enum fkind kind)
{
    for (int i = 0; i < MAX_OFILES; i++) {
        if (ofiles[i].refs == 0 && ofiles[i].kind == 0) {
            ofiles[i] = (struct ofile){.kind = kind};
            return i;
        }
    }
    return -1;  // cannot happen: at most FD_MAX are open
}

// A pipe end's record stays while the other end is open (its refs == 0 says
// "closed"); the pipe and both records go when both ends are closed.
static void drop_ofile(int of)
{
    struct ofile *o = &ofiles[of];
    if (--o->refs > 0) {
        return;
    }
    if (o->kind == F_PIPE_R || o->kind == F_PIPE_W) {
        struct spipe *p = &pipes[o->pipe];
        if (ofiles[p->r].refs == 0 && ofiles[p->w].refs == 0) {
            ofiles[p->r].kind = 0;
            ofiles[p->w].kind = 0;
            p->r = -1;
        }
        return;
    }
    o->kind = 0;
}

static int new_pipe(void)
{
    for (int i = 0; i < MAX_PIPES; i++) {
        if (pipes[i].r == -1) {
            return i;
        }
    }
    return -1;
}

static bool read_end_open(int pipe)
{
    return ofiles[pipes[pipe].r].refs > 0;
}

static bool write_end_open(int pipe)
{
    return ofiles[pipes[pipe].w].refs > 0;
}

// Children of the worker that may still be alive hold copies of its
// descriptors: while there are any, whether a pipe end is closed is not
// known.
struct child {
    int pid;
    int status_a, status_b;  // it should end with one of these
    bool fault;              // it was meant to fault
};

static struct child pending[PENDING_MAX];
static int num_pending;
static int reaped_pids[16];  // former children: pids nobody has now
static int num_reaped;

static bool others_hold_fds(void)
{
    return num_pending > 0;
}

static void note_reaped(int pid)
{
    reaped_pids[num_reaped++ % 16] = pid;
}

// A descriptor argument: open ones, closed ones, and values that are not
// descriptors at all. Never one whose low 32 bits name REPORT_FD or
// DIAG_FD, so that even a kernel that truncated would not reach them.
static uint64_t gen_fd(void)
{
    for (;;) {
        uint64_t fd;
        switch (below(14)) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 10:
        case 11:
        case 12:
        case 13: {
            int live[FD_MAX], n = 0;
            for (int i = 0; i < FD_MAX; i++) {
                if (fdmap[i] >= 0) {
                    live[n++] = i;
                }
            }
            fd = n > 0 ? (uint64_t)live[below(n)] : below(FD_MAX);
            break;
        }
        case 4:
            fd = below(FD_MAX);
            break;
        case 5:
            fd = (uint64_t)(-(int64_t)(1 + below(3)));  // -1, -2, -3, sign-extended
            break;
        case 6: {
            static const uint64_t odd[] = {
                FD_MAX,     FD_MAX + 1,          100,       0x7fffffff, 0x80000000,
                0xffffffff, (uint64_t)INT32_MIN, 1ull << 63};
            fd = odd[below(sizeof odd / sizeof odd[0])];
            break;
        }
        case 7:
            fd = ((1 + below(0xffff)) << 32) | below(FD_MAX);  // low half a descriptor
            break;
        default:
            fd = rnd();
            break;
        }
        uint32_t low = (uint32_t)fd;
        if (low != REPORT_FD && low != DIAG_FD) {
            return fd;
        }
    }
}

static int fd_of(uint64_t raw)
{
    return raw < FD_MAX && fdmap[raw] >= 0 ? (int)raw : -1;
}

// Descriptor and file bookkeeping after the kernel said yes.
static void install(int fd, int of)
{
    fdmap[fd] = of;
    ofiles[of].refs++;
}

static void model_close(int fd)
{
    int of = fdmap[fd];
    fdmap[fd] = FD_FREE;
    drop_ofile(of);
}

// ---------------------------------------------------------------------------
// The calls, one function each: choose arguments, predict, call, compare.

static int my_pid, my_parent;
static uint64_t last_ticks;

static void op_nosys(void)
{
    static const uint64_t numbers[] = {
        0,
        SYS_COUNT,
        SYS_COUNT + 1,
        64,
        255,
        256,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        (1ull << 32) + SYS_GETPID,
        (1ull << 32) + SYS_EXIT,
        (1ull << 63) + SYS_FORK,
        (uint64_t)-1,
        (uint64_t)-2,
        (uint64_t)(-(int64_t)SYS_FORK),
    };
    struct call c = {.nr = chance(70) ? numbers[below(sizeof numbers / sizeof numbers[0])]
                                      : SYS_COUNT + below(1000) + (chance(30) ? rnd() : 0),
                     .a = {junk(), junk(), junk(), junk(), junk(), junk()},
                     .note = "no such call"};
    if (c.nr != 0 && c.nr < SYS_COUNT) {
        c.nr = SYS_COUNT;
    }
    verify(&c, issue(&c), ex_err(ERR_NOSYS));
}

static void op_ids(void)
{
    struct call c = {.a = {junk(), junk(), junk(), junk(), junk(), junk()}};
    switch (below(3)) {
    case 0:
        c.nr = SYS_GETPID;
        verify(&c, issue(&c), ex_val(my_pid));
        break;
    case 1:
        c.nr = SYS_GETPPID;
        verify(&c, issue(&c), ex_val(my_parent));
        break;
    default: {
        c.nr = SYS_TICKS;
        int64_t t = issue(&c);
        verify(&c, t, ex_range((int64_t)last_ticks, INT64_MAX));
        last_ticks = t > 0 ? (uint64_t)t : last_ticks;
        break;
    }
    }
}

static void op_shutdown(void)
{
    struct call c = {.nr = SYS_SHUTDOWN,
                     .a = {chance(50) ? below(2) : rnd(), junk(), junk(), junk(), junk(), junk()},
                     .note = "not init"};
    verify(&c, issue(&c), ex_err(ERR_PERM));
}

static void op_sleep(void)
{
    struct call c = {.nr = SYS_SLEEP, .a = {below(3), junk(), junk(), junk(), junk(), junk()}};
    verify(&c, issue(&c), ex_val(0));
}

static void op_sysinfo(void)
{
    struct uptr p = gen_ptr(sizeof(struct osv_sysinfo));
    struct call c = {
        .nr = SYS_SYSINFO, .a = {p.addr, junk(), junk(), junk(), junk(), junk()}, .note = p.kind};
    bool fits = p.wr >= sizeof(struct osv_sysinfo);
    if (verify(&c, issue(&c), fits ? ex_val(0) : ex_err(ERR_FAULT)) && fits) {
        struct osv_sysinfo info;
        memcpy(&info, (const void *)(uintptr_t)p.addr, sizeof info);
        expect_true(info.free_pages <= info.total_pages && info.ticks_per_second == 100 &&
                        info.proc_pages_mapped > 0,
                    "sysinfo's figures are consistent", info.free_pages);
    }
}

// Moves the break by inc and checks the result against the model; returns
// whether it moved. Whole pages that appear are checked to read as zero and
// then marked, so that a shrink and regrow must show zeros again.
static bool model_sbrk(int64_t inc, const char *note)
{
    struct call c = {
        .nr = SYS_SBRK, .a = {(uint64_t)inc, junk(), junk(), junk(), junk(), junk()}, .note = note};
    uint64_t old = brk_now, next = old;
    bool fails = false;
    if (inc > 0) {
        uint64_t up = (uint64_t)inc;
        fails = up > USER_TOP - old || page_up(old + up) > HEAP_LIMIT;
        next = fails ? old : old + up;
    } else if (inc < 0) {
        uint64_t down = -(uint64_t)inc;
        next = down > old - heap_start ? old : old - down;  // past the start: as sbrk(0)
    }
    int64_t got = issue(&c);
    if (!verify(&c, got, fails ? ex_err(ERR_NOMEM) : ex_val((int64_t)old))) {
        // Resynchronise with the kernel so later predictions make sense.
        int64_t now = osv_syscall(SYS_SBRK, 0, 0, 0, 0, 0, 0);
        brk_now = now > 0 ? (uint64_t)now : brk_now;
        return false;
    }
    uint64_t old_top = page_up(old);
    brk_now = next;
    if (page_up(next) > old_top) {
        // The first and the last (maybe the same): check both, then mark.
        volatile uint64_t *w[2];
        uint64_t pages[2] = {old_top, page_up(next) - PAGE};
        for (int i = 0; i < 2; i++) {
            w[i] = (volatile uint64_t *)(uintptr_t)(pages[i] + 8 * below(512));
            expect_true(*w[i] == 0, "a page the heap gained reads as zero",
                        (uint64_t)(uintptr_t)w[i]);
        }
        *w[0] = *w[1] = 0x5a5a5a5a5a5a5a5aull;
    }
    return next != old;
}

static void op_sbrk(void)
{
    int64_t inc;
    uint64_t used = brk_now - heap_start;
    switch (below(12)) {
    case 0:
        inc = 0;
        break;
    case 1:
    case 2:
        inc = (int64_t)(PAGE * (1 + below(4)));
        break;
    case 3:
        inc = (int64_t)(1 + below(6000));
        break;
    case 4:
        inc = -(int64_t)(1 + below(used + 2));
        break;
    case 5:
        inc = -(int64_t)(PAGE * (1 + below(3)));
        break;
    case 6:
        inc = -(int64_t)used - (int64_t)below(2);  // exactly back to the start, or one past
        break;
    case 7:
        inc = (int64_t)(1ull << (30 + below(17)));  // 1 GiB .. 64 TiB: lazy, fits
        break;
    case 8:
        inc = (int64_t)(HEAP_LIMIT - heap_top()) + (int64_t)below(2 * PAGE) - (int64_t)PAGE;
        break;
    case 9: {
        static const int64_t huge[] = {INT64_MAX,    INT64_MIN, 1ll << 47,
                                       -(1ll << 47), 1ll << 62, -(1ll << 62)};
        inc = huge[below(sizeof huge / sizeof huge[0])];
        break;
    }
    case 10:
        inc = (int64_t)(USER_TOP - brk_now) + (int64_t)below(3) - 1;
        break;
    default:
        inc = (int64_t)rnd();
        break;
    }
    model_sbrk(inc, "sbrk");
}

// A path for open or exec, in memory we can read back.
static struct uptr gen_path(void)
{
    static const char *const extras[] = {
        "/",        "",        "nonexistent", "sysfuzz/",    "//sysfuzz",
        "/sysfuzz", "SYSFUZZ", "notelf.txt",  "/notelf.txt", "sysfuzz ",
    };
    char *buf = scratch + 2 * PAGE + below(64);
    switch (below(8)) {
    case 0:
    case 1:
    case 2: {
        const char *s = chance(60) && num_names > 0
                            ? names[below(num_names)].s
                            : extras[below(sizeof extras / sizeof extras[0])];
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        if (chance(20) && n > 0) {
            buf[below(n)] ^= (char)(1 + below(255));  // a near miss (or a NUL: shorter)
        }
        return at((uint64_t)(uintptr_t)buf, "path");
    }
    case 3: {
        size_t n = below(41);
        for (size_t i = 0; i < n; i++) {
            buf[i] = (char)(1 + below(255));
        }
        buf[n] = '\0';
        return at((uint64_t)(uintptr_t)buf, "random path");
    }
    case 4: {
        size_t n = PATH_MAX_BYTES - 2 + below(4);  // 126..129 bytes, then a NUL
        memset(buf, 'a' + (int)below(26), n);
        buf[n] = '\0';
        return at((uint64_t)(uintptr_t)buf, "long path");
    }
    case 5:
        if (brk_now > heap_start) {
            uint64_t k = 1 + below(PATH_MAX_BYTES + 8);
            uint64_t top = heap_top();
            if (top - heap_start >= k) {
                memset((void *)(uintptr_t)(top - k), 'z', k);
                return at(top - k, "unterminated at the heap's end");
            }
        }
        return gen_ptr(PATH_MAX_BYTES);
    default:
        return gen_ptr(PATH_MAX_BYTES);
    }
}

// What the initrd holds under path s (a leading '/' is skipped once): the
// index in names, or -1.
static int lookup(const char *s)
{
    if (s[0] == '/') {
        s++;
    }
    for (int i = 0; i < num_names; i++) {
        if (strcmp(names[i].s, s) == 0) {
            return i;
        }
    }
    return -1;
}

static void op_open(void)
{
    struct uptr p = gen_path();
    uint64_t flags = O_RDONLY;
    if (chance(15)) {
        static const uint64_t bad[] = {1, 2, 0x100000000ull, UINT64_MAX, 0x80000000};
        flags = chance(50) ? bad[below(5)] : rnd() | 1;
    }
    struct call c = {
        .nr = SYS_OPEN, .a = {p.addr, flags, junk(), junk(), junk(), junk()}, .note = p.kind};
    struct expect want;
    uint64_t len = 0;
    int64_t s = string_at(p, PATH_MAX_BYTES, &len);
    enum fkind kind = 0;
    int name = -1;
    if (flags != O_RDONLY) {
        want = ex_err(ERR_INVAL);
    } else if (s < 0) {
        want = ex_err(s);
    } else {
        const char *str = (const char *)(uintptr_t)p.addr;
        if (str[0] == '\0' || strcmp(str, "/") == 0) {
            kind = F_DIR;
        } else if ((name = lookup(str)) >= 0) {
            kind = F_FILE;
        }
        int fd = lowest_free_fd();
        want = kind == 0 ? ex_err(ERR_NOENT) : fd < 0 ? ex_err(ERR_NOSPACE) : ex_val(fd);
    }
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got >= 0) {
        int of = new_ofile(kind);
        ofiles[of].name = name;
        ofiles[of].size = kind == F_FILE ? names[name].size : 0;
        install((int)got, of);
    } else if (got >= 0 && got < FD_MAX && fdmap[got] == FD_FREE) {
        // The kernel opened something the model did not expect: keep the
        // model honest by closing it again.
        osv_syscall(SYS_CLOSE, (uint64_t)got, 0, 0, 0, 0, 0);
    }
}

static void op_close(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    struct call c = {.nr = SYS_CLOSE, .a = {raw, junk(), junk(), junk(), junk(), junk()}};
    if (verify(&c, issue(&c), fd >= 0 ? ex_val(0) : ex_err(ERR_BADF)) && fd >= 0) {
        model_close(fd);
    }
}

static void op_dup(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    int low = lowest_free_fd();
    struct call c = {.nr = SYS_DUP, .a = {raw, junk(), junk(), junk(), junk(), junk()}};
    struct expect want = fd < 0 ? ex_err(ERR_BADF) : low < 0 ? ex_err(ERR_NOSPACE) : ex_val(low);
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got >= 0) {
        install((int)got, fdmap[fd]);
    }
}

static void model_pipe_created(int r, int w)
{
    int p = new_pipe();
    int of_r = new_ofile(F_PIPE_R), of_w = new_ofile(F_PIPE_W);
    pipes[p] = (struct spipe){.r = of_r, .w = of_w, .fill = 0};
    ofiles[of_r].pipe = p;
    ofiles[of_w].pipe = p;
    install(r, of_r);
    install(w, of_w);
}

static void op_pipe(void)
{
    struct uptr p =
        chance(30) ? gen_ptr(8) : at((uint64_t)(uintptr_t)scratch + 4 * below(64), "data");
    struct call c = {
        .nr = SYS_PIPE, .a = {p.addr, junk(), junk(), junk(), junk(), junk()}, .note = p.kind};
    int r = lowest_free_fd();
    if (r >= 0) {
        fdmap[r] = FD_OWN;  // just to find the next one
    }
    int w = lowest_free_fd();
    if (r >= 0) {
        fdmap[r] = FD_FREE;
    }
    struct expect want = w < 0 ? ex_err(ERR_NOSPACE) : p.wr < 8 ? ex_err(ERR_FAULT) : ex_val(0);
    if (verify(&c, issue(&c), want) && want.lo == 0) {
        int32_t fds[2];
        memcpy(fds, (const void *)(uintptr_t)p.addr, sizeof fds);
        expect_true(fds[0] == r && fds[1] == w, "pipe's descriptors are the two lowest free",
                    (uint64_t)(uint32_t)fds[0] << 32 | (uint32_t)fds[1]);
        model_pipe_created(r, w);
    } else if (want.lo != 0 && r >= 0) {
        // On failure no descriptor may stay open.
        struct osv_stat st;
        struct call f = {.nr = SYS_FSTAT,
                         .a = {(uint64_t)r, (uint64_t)(uintptr_t)&st},
                         .note = "after a failed pipe"};
        verify(&f, issue(&f), ex_err(ERR_BADF));
    }
}

static uint32_t file_type(enum fkind k)
{
    switch (k) {
    case F_FILE:
        return FILE_TYPE_REGULAR;
    case F_DIR:
        return FILE_TYPE_DIRECTORY;
    default:
        return FILE_TYPE_PIPE;
    }
}

static void op_fstat(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    struct uptr p = chance(60) ? at((uint64_t)(uintptr_t)scratch + below(64), "data") : gen_ptr(16);
    struct call c = {
        .nr = SYS_FSTAT, .a = {raw, p.addr, junk(), junk(), junk(), junk()}, .note = p.kind};
    struct expect want = fd < 0 ? ex_err(ERR_BADF) : p.wr < 16 ? ex_err(ERR_FAULT) : ex_val(0);
    if (verify(&c, issue(&c), want) && want.lo == 0) {
        struct osv_stat st;
        memcpy(&st, (const void *)(uintptr_t)p.addr, sizeof st);
        struct ofile *of = &ofiles[fdmap[fd]];
        expect_true(st.type == file_type(of->kind) && st.size == (uint64_t)of->size,
                    "fstat's type and size", (uint64_t)st.type << 32 | st.size);
    }
}

// Runs a call that may block in a child, which kill() then ends; the call's
// own result is not checked (it may or may not have completed). Pipes the
// call touched lose their modelled contents.
static void blocking_in_child(const struct call *c, int pipe)
{
    int pid = (int)sc(SYS_FORK, junk(), junk(), 0, 0, 0, 0);
    if (pid == 0) {
        osv_syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
        _exit(0);
    }
    if (pid > 0) {
        count_child_call(c->nr);
    }
    if (pid < 0) {
        struct call f = {.nr = SYS_FORK, .note = "for a blocking call"};
        verify(&f, pid, ex_or(ex_err(ERR_NOSPACE), ERR_NOMEM));
        return;
    }
    rep.children++;
    if (chance(60)) {
        osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);  // let it block first
    }
    struct call k = {.nr = SYS_KILL, .a = {(uint64_t)pid}, .note = "a child in a blocking call"};
    verify(&k, issue(&k), ex_or(ex_val(0), ERR_SRCH));
    int status = 0;
    struct call w = {.nr = SYS_WAIT, .a = {(uint64_t)pid, (uint64_t)(uintptr_t)&status}};
    verify(&w, issue(&w), ex_val(pid));
    expect_true(status == EXIT_STATUS_KILLED || status == 0, "the blocked child's status",
                (uint64_t)status);
    rep.killed += status == EXIT_STATUS_KILLED;
    note_reaped(pid);
    if (pipe >= 0) {
        pipes[pipe].fill = -1;
    }
}

static void op_read(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    uint64_t n = gen_size();
    struct uptr p = chance(50) ? at((uint64_t)(uintptr_t)scratch + below(PAGE), "data")
                               : gen_ptr(n < CHUNK ? n : CHUNK);
    struct call c = {.nr = SYS_READ, .a = {raw, p.addr, n, junk(), junk(), junk()}, .note = p.kind};
    uint64_t first = n < CHUNK ? n : CHUNK;
    struct ofile *of = fd >= 0 ? &ofiles[fdmap[fd]] : NULL;
    struct expect want;
    int pipe = -1;
    if (of == NULL) {
        want = ex_err(ERR_BADF);
    } else if (of->kind == F_PIPE_W) {
        want = ex_err(ERR_BADF);
    } else if (n == 0) {
        want = ex_val(0);
    } else if (p.wr < first) {
        want = ex_err(ERR_FAULT);
    } else if (of->kind == F_FILE) {
        int64_t left = of->size - of->offset;
        want = ex_val((int64_t)first < left ? (int64_t)first : left);
    } else if (of->kind == F_DIR) {
        int64_t records = (int64_t)first / (int64_t)sizeof(struct osv_dirent);
        int64_t left = num_names - of->offset;
        want = records == 0
                   ? ex_err(ERR_INVAL)
                   : ex_val((records < left ? records : left) * (int64_t)sizeof(struct osv_dirent));
    } else {
        pipe = of->pipe;
        int64_t fill = pipes[pipe].fill;
        if (fill > 0) {
            want = ex_val((int64_t)first < fill ? (int64_t)first : fill);
        } else if (fill == 0 && !write_end_open(pipe) && !others_hold_fds()) {
            want = ex_val(0);  // end of file
        } else {
            blocking_in_child(&c, pipe);
            return;
        }
    }
    int64_t got = issue(&c);
    if (!verify(&c, got, want) || got <= 0) {
        return;
    }
    if (of->kind == F_FILE) {
        if (strcmp(names[of->name].s, "notelf.txt") == 0 && of->offset + got <= notelf_size) {
            expect_true(
                memcmp((const void *)(uintptr_t)p.addr, notelf_copy + of->offset, (size_t)got) == 0,
                "notelf.txt reads back as it is", (uint64_t)of->offset);
        }
        of->offset += got;
    } else if (of->kind == F_DIR) {
        of->offset += got / (int64_t)sizeof(struct osv_dirent);
    } else {
        pipes[pipe].fill -= got;
    }
}

static void op_write(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    uint64_t n = gen_size();
    struct uptr p = chance(40) ? at((uint64_t)(uintptr_t)scratch + below(PAGE), "data")
                               : gen_ptr(n < CHUNK ? n : CHUNK);
    struct call c = {
        .nr = SYS_WRITE, .a = {raw, p.addr, n, junk(), junk(), junk()}, .note = p.kind};
    struct ofile *of = fd >= 0 ? &ofiles[fdmap[fd]] : NULL;
    uint64_t total = n > INT64_MAX ? INT64_MAX : n;
    // What copyin lets through, a chunk at a time.
    uint64_t bytes = total <= p.rd ? total : p.rd / CHUNK * CHUNK;
    struct expect want;
    if (of == NULL || of->kind != F_PIPE_W) {
        want = ex_err(ERR_BADF);
    } else if (n == 0) {
        want = ex_val(0);
    } else if (bytes == 0) {
        want = ex_err(ERR_FAULT);
    } else if (!read_end_open(of->pipe) && !others_hold_fds()) {
        want = ex_err(ERR_PIPE);
    } else if (read_end_open(of->pipe) && pipes[of->pipe].fill >= 0 &&
               bytes <= (uint64_t)(PIPE_CAPACITY - pipes[of->pipe].fill)) {
        want = ex_val((int64_t)bytes);
    } else {
        blocking_in_child(&c, of->pipe);
        return;
    }
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got > 0) {
        pipes[of->pipe].fill += got;
    }
}

// ---------------------------------------------------------------------------
// Children: ones that fault, fork chains, exec, and plain ones for wait and
// kill to find.

static void recurse(volatile char *prev)
{
    volatile char frame[1024];
    frame[0] = prev != NULL ? prev[0] : 1;
    if (volatile_zero == 0) {
        recurse(frame);
    }
    frame[1] = frame[0];  // after the call: no tail call, every frame stays
}

static void (*volatile null_function)(void);
static unsigned char data_code[16] = {0xc3};  // ret, in a no-execute page

enum { FAULT_KINDS = 26 };

static const char *const fault_names[FAULT_KINDS] = {
    "read 0xffff800000000000",
    "read 0xffffffff80000000",
    "write own text",
    "read NULL",
    "write NULL",
    "stack overflow by recursion",
    "ud2",
    "divide by zero",
    "read a non-canonical address",
    "call NULL",
    "call a kernel address",
    "execute data",
    "int3",
    "int $0x80",
    "cli",
    "touch memory sbrk gave back",
    "push with a kernel-address stack",
    "push with a non-canonical stack",
    "write rodata",
    "read the stack guard",
    "syscall, then push, with a kernel-address stack",
    "in from a port",
    "load a null %ss",
    "divide INT64_MIN by -1",
    "jump to a non-canonical address",
    "hlt",
};

static _Noreturn void fault_now(int kind)
{
    switch (kind) {
    case 0:
        (void)*(volatile char *)KERNEL_HALF;
        break;
    case 1:
        (void)*(volatile char *)KERNEL_TEXT;
        break;
    case 2:
        *(volatile char *)(uintptr_t)&text_target = 0;
        break;
    case 3:
        (void)*(volatile char *)(uintptr_t)volatile_zero;
        break;
    case 4:
        *(volatile char *)(uintptr_t)volatile_zero = 1;
        break;
    case 5:
        recurse(NULL);
        break;
    case 6:
        __asm__ volatile("ud2");
        break;
    case 7:
        __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n\tidiv %%ecx" ::
                             : "rax", "rcx", "rdx");
        break;
    case 8:
        (void)*(volatile char *)(uintptr_t)(NONCANONICAL + volatile_zero);
        break;
    case 9:
        null_function();
        break;
    case 10:
        ((void (*)(void))(uintptr_t)(KERNEL_TEXT + volatile_zero))();
        break;
    case 11:
        ((void (*)(void))(uintptr_t)data_code)();
        break;
    case 12:
        __asm__ volatile("int3");
        break;
    case 13:
        __asm__ volatile("int $0x80");
        break;
    case 14:
        __asm__ volatile("cli");
        break;
    case 15: {
        // The first page wholly above the break: grown into and touched,
        // given back, touched again. (If the heap cannot grow, it is the
        // gap or the stack guard: a fault too.)
        char *p = sbrk(0);
        volatile char *q = (volatile char *)(uintptr_t)page_up((uint64_t)(uintptr_t)p);
        if (sbrk(2 * PAGE) != (void *)-1) {
            *q = 1;
            sbrk(-(intptr_t)(2 * PAGE));
        }
        *q = 2;
        break;
    }
    case 16:
        __asm__ volatile("mov %0, %%rsp\n\tpush %%rax" ::"r"(KERNEL_HALF + 64) : "memory");
        break;
    case 17:
        __asm__ volatile("mov %0, %%rsp\n\tpush %%rax" ::"r"(NONCANONICAL + 64) : "memory");
        break;
    case 18:
        *(volatile char *)(uintptr_t)rodata_block = 'x';
        break;
    case 19:
        (void)*(volatile char *)(uintptr_t)(STACK_LO - 8);
        break;
    case 20:
        __asm__ volatile(
            "mov %0, %%rsp\n\tmov %1, %%eax\n\tsyscall\n\tpush %%rax" ::"r"(KERNEL_HALF + 4096),
            "i"(SYS_GETPID)
            : "rax", "rcx", "r11", "memory");
        break;
    case 21:
        __asm__ volatile("inb $0x60, %%al" ::: "rax");
        break;
    case 22:
        __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%ss" ::: "rax");
        break;
    case 23:
        __asm__ volatile("mov %0, %%rax\n\tmov $-1, %%rcx\n\tcqto\n\tidiv %%rcx" ::"r"(INT64_MIN)
                         : "rax", "rcx", "rdx");
        break;
    case 24:
        __asm__ volatile("jmp *%0" ::"r"(NONCANONICAL | 0x1000));
        break;
    default:
        __asm__ volatile("hlt");
        break;
    }
    _exit(ST_FAULT_SURVIVED);
}

// Waits for child pid, which must end with status a or b (a killed child
// shows EXIT_STATUS_KILLED); returns the status.
static int reap(int pid, int a, int b, const char *what)
{
    int status = -12345;
    struct call w = {
        .nr = SYS_WAIT, .a = {(uint64_t)pid, (uint64_t)(uintptr_t)&status}, .note = what};
    if (verify(&w, issue(&w), ex_val(pid))) {
        note_reaped(pid);
        if (status != a && status != b) {
            rep.mismatches++;
            diag("sysfuzz: MISMATCH seed %lu round %lu op %d: %s: status %d, expected %d or %d\n",
                 (unsigned long)seed, (unsigned long)round_no, op_no, what, status, a, b);
        }
    }
    return status;
}

static int fork_checked(const char *what)
{
    struct call f = {
        .nr = SYS_FORK, .a = {junk(), junk(), junk(), junk(), junk(), junk()}, .note = what};
    int64_t pid = issue(&f);
    if (pid < 0) {
        verify(&f, pid, ex_or(ex_err(ERR_NOSPACE), ERR_NOMEM));
    } else if (pid > 0) {
        rep.children++;
    }
    return (int)pid;
}

static void op_fault(void)
{
    int kind = (int)below(FAULT_KINDS);
    int pid = fork_checked(fault_names[kind]);
    if (pid == 0) {
        fault_now(kind);
    }
    if (pid > 0 && reap(pid, EXIT_STATUS_KILLED, EXIT_STATUS_KILLED, fault_names[kind]) ==
                       EXIT_STATUS_KILLED) {
        rep.faulted++;
    }
}

// Level `level` of a chain `depth` deep that waits for each level: the
// deepest exits 0, every other one its child's status plus one.
static _Noreturn void chain_waiting(int level, int depth)
{
    if (level == depth) {
        _exit(0);
    }
    int pid = (int)osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        chain_waiting(level + 1, depth);
    }
    int status = -1;
    if (pid < 0 ||
        osv_syscall(SYS_WAIT, (uint64_t)pid, (uint64_t)(uintptr_t)&status, 0, 0, 0, 0) != pid) {
        _exit(ST_CHILD_BAD);
    }
    _exit(status >= 0 && status < 200 ? status + 1 : ST_CHILD_BAD);
}

// An orphaning chain: each level closes every descriptor but the pipe's
// write end, forks the next level and exits at once (init inherits the
// rest); the deepest writes one byte.
static _Noreturn void chain_orphaning(int level, int depth, int wfd)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fd != wfd && fd != DIAG_FD) {
            osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
        }
    }
    if (level == depth) {
        char byte = 'd';
        osv_syscall(SYS_WRITE, (uint64_t)wfd, (uint64_t)(uintptr_t)&byte, 1, 0, 0, 0);
        _exit(0);
    }
    int pid = (int)osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        chain_orphaning(level + 1, depth, wfd);
    }
    _exit(pid > 0 ? 0 : ST_CHILD_BAD);
}

static void op_chain(void)
{
    int depth = 2 + (int)below(CHAIN_MAX - 1);
    rep.chains++;
    if (chance(50)) {
        int pid = fork_checked("a waiting fork chain");
        if (pid == 0) {
            chain_waiting(1, depth);
        }
        if (pid > 0) {
            reap(pid, depth - 1, depth - 1, "a waiting fork chain");
            rep.levels += (uint64_t)depth;
        }
        return;
    }
    if (free_fds() < 2 || others_hold_fds()) {
        return;
    }
    int32_t fds[2];
    struct call c = {
        .nr = SYS_PIPE, .a = {(uint64_t)(uintptr_t)fds}, .note = "for an orphaning chain"};
    if (!verify(&c, issue(&c), ex_val(0))) {
        return;
    }
    model_pipe_created(fds[0], fds[1]);
    int pid = fork_checked("an orphaning fork chain");
    if (pid == 0) {
        chain_orphaning(1, depth, fds[1]);
    }
    struct call cl = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[1]}};
    verify(&cl, issue(&cl), ex_val(0));
    model_close(fds[1]);
    if (pid > 0) {
        reap(pid, 0, 0, "an orphaning fork chain's first level");
        rep.levels += (uint64_t)depth;
        // One byte from the deepest level, then end of file once every
        // level has exited: all of them ran.
        char buf[4];
        struct call r = {.nr = SYS_READ,
                         .a = {(uint64_t)fds[0], (uint64_t)(uintptr_t)buf, 4},
                         .note = "the chain's byte"};
        verify(&r, issue(&r), ex_val(1));
        verify(&r, issue(&r), ex_val(0));
    }
    struct call cr = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[0]}};
    verify(&cr, issue(&cr), ex_val(0));
    model_close(fds[0]);
}

// A plain child for wait and kill to find: exits with a chosen status
// (exit takes the low 8 bits of a 64-bit value), checks its ids first, or
// faults.
static void op_fork(void)
{
    if (num_pending == PENDING_MAX) {
        struct child ch = pending[--num_pending];
        reap(ch.pid, ch.status_a, ch.status_b, "a pending child");
        rep.faulted += ch.fault;
        return;
    }
    uint64_t raw_status = chance(50) ? below(256) : rnd();
    int behaviour = (int)below(4);
    int kind = (int)below(FAULT_KINDS);
    int parent = my_pid;
    int pid = fork_checked("a plain child");
    if (pid == 0) {
        if (behaviour == 1) {
            bool ok = osv_syscall(SYS_GETPPID, 0, 0, 0, 0, 0, 0) == parent &&
                      osv_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0) > parent;
            osv_syscall(SYS_EXIT, ok ? raw_status : ST_CHILD_BAD, 0, 0, 0, 0, 0);
        } else if (behaviour == 2) {
            fault_now(kind);
        } else if (behaviour == 3) {
            osv_syscall(SYS_SLEEP, below(2), 0, 0, 0, 0, 0);
        }
        osv_syscall(SYS_EXIT, raw_status, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        if (behaviour != 2) {
            count_child_call(SYS_EXIT);
        }
        int s = behaviour == 2 ? EXIT_STATUS_KILLED : (int)(raw_status & 0xff);
        pending[num_pending++] = (struct child){pid, s, s, behaviour == 2};
    }
}

static int find_pending(int pid)
{
    for (int i = 0; i < num_pending; i++) {
        if (pending[i].pid == pid) {
            return i;
        }
    }
    return -1;
}

static void forget_pending(int i)
{
    pending[i] = pending[--num_pending];
}

// A pid that names no process: one that has been reaped, or one far beyond
// any handed out.
static uint64_t absent_pid(void)
{
    if (num_reaped > 0 && chance(40)) {
        return (uint64_t)reaped_pids[below(num_reaped < 16 ? num_reaped : 16)];
    }
    static const int64_t odd[] = {0, -1, -2, INT32_MIN, INT32_MAX, -100};
    return chance(50) ? (uint64_t)odd[below(6)] : 0x7fff0000ull + below(0xffff);
}

static void op_wait(void)
{
    int status = -12345;
    struct uptr sp = chance(50)   ? at(0, "NULL")
                     : chance(70) ? at((uint64_t)(uintptr_t)&status, "stack")
                                  : gen_ptr(4);
    struct call c = {
        .nr = SYS_WAIT, .a = {0, sp.addr, junk(), junk(), junk(), junk()}, .note = sp.kind};
    int target = -1;  // index in pending
    uint64_t choice = below(6);
    if (choice == 0) {
        // Any child. (A bad status pointer would lose which one.)
        c.a[0] = (uint64_t)-1;
        if (sp.addr != 0 && sp.wr < 4) {
            c.a[1] = 0;
            sp = at(0, "NULL");
        }
        int64_t got = issue(&c);
        if (num_pending == 0) {
            verify(&c, got, ex_err(ERR_NOCHILD));
            return;
        }
        if (!verify(&c, got, ex_range(1, INT32_MAX)) || (target = find_pending((int)got)) < 0) {
            expect_true(false, "wait(-1) returns a child", (uint64_t)got);
            return;
        }
    } else if (choice <= 2 && num_pending > 0) {
        target = (int)below(num_pending);
        c.a[0] = (uint64_t)pending[target].pid;
        bool bad = sp.addr != 0 && sp.wr < 4;
        verify(&c, issue(&c), bad ? ex_err(ERR_FAULT) : ex_val(pending[target].pid));
        if (bad) {
            note_reaped(pending[target].pid);
            forget_pending(target);
            return;
        }
    } else if (choice == 3 && num_pending > 0) {
        // 64-bit values whose low half is a child's pid name no process.
        c.a[0] = ((1 + below(0xffffffff)) << 32) | (uint32_t)pending[below(num_pending)].pid;
        c.note = "pid beyond 32 bits";
        int64_t got = issue(&c);
        if (!verify(&c, got, ex_err(ERR_NOCHILD)) && (target = find_pending((int)got)) >= 0) {
            note_reaped(pending[target].pid);
            forget_pending(target);
        }
        return;
    } else {
        c.a[0] = chance(30) ? 0xffffffffull : absent_pid();  // 0xffffffff is not -1
        if (c.a[0] == (uint64_t)-1) {
            c.a[0] = 0;
        }
        c.note = "no such child";
        verify(&c, issue(&c), ex_err(ERR_NOCHILD));
        return;
    }
    struct child ch = pending[target];
    note_reaped(ch.pid);
    forget_pending(target);
    rep.faulted += ch.fault;
    if (sp.addr != 0) {
        int got_status;
        memcpy(&got_status, (const void *)(uintptr_t)sp.addr, sizeof got_status);
        expect_true(got_status == ch.status_a || got_status == ch.status_b,
                    "wait's status is the child's", (uint64_t)(uint32_t)got_status);
    }
}

static void op_kill(void)
{
    struct call c = {.nr = SYS_KILL, .a = {0, junk(), junk(), junk(), junk(), junk()}};
    uint64_t choice = below(4);
    if (choice == 0 && num_pending > 0) {
        int i = (int)below(num_pending);
        c.a[0] = (uint64_t)pending[i].pid;
        c.note = "own child";
        // 0 while it lives; ERR_SRCH once it has exited (a zombie).
        verify(&c, issue(&c), ex_or(ex_val(0), ERR_SRCH));
        pending[i].status_b = EXIT_STATUS_KILLED;
        if (pending[i].status_a != EXIT_STATUS_KILLED) {
            pending[i].fault = false;
        }
    } else if (choice == 1 && (num_pending > 0 || num_reaped > 0)) {
        int low = num_pending > 0 && chance(60)
                      ? pending[below(num_pending)].pid
                      : reaped_pids[below(num_reaped < 16 ? num_reaped : 16)];
        c.a[0] = ((1 + below(0xfffffffe)) << 32) | (uint32_t)low;
        c.note = "pid beyond 32 bits";
        verify(&c, issue(&c), ex_err(ERR_SRCH));
    } else {
        c.a[0] = absent_pid();
        c.note = "no such process";
        verify(&c, issue(&c), ex_err(ERR_SRCH));
    }
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out);

// exec, in a child: the path and argv oracles follow sys_exec's order (the
// path, then each argv slot and its string), then the initrd lookup.
static void op_exec(void)
{
    if (brk_now == heap_start && chance(50)) {
        model_sbrk((int64_t)PAGE, "room for exec's arguments");
    }
    struct uptr path = gen_path();
    if (chance(25)) {
        char *s = scratch + 3 * PAGE;
        const char *name = chance(70) ? "sysfuzz" : "notelf.txt";
        memcpy(s, name, strlen(name) + 1);
        path = at((uint64_t)(uintptr_t)s, "path");
    }
    // argv: NULL, a bad pointer, or an array of slots.
    uint64_t argv = 0;
    const char *argv_kind = "argv NULL";
    uint64_t choice = below(10);
    if (choice == 1) {
        struct uptr a = gen_ptr(8);
        argv = a.addr;
        argv_kind = a.kind;
    } else if (choice >= 2) {
        int n = chance(10) ? EXEC_MAX_ARGS - 1 + (int)below(4) : (int)below(6);
        char *strs = argstr_buf;
        uint64_t *slots = argv_buf;
        bool at_heap_end = choice == 9 && brk_now > heap_start;
        if (at_heap_end) {
            // The array runs into the unmapped page after the heap.
            uint64_t top = heap_top();
            n = n < (int)((top - heap_start) / 8) ? n : (int)((top - heap_start) / 8);
            slots = (uint64_t *)(uintptr_t)(top - 8 * (uint64_t)n);
        }
        for (int i = 0; i < n; i++) {
            uint64_t kind = below(10);
            if (kind == 0) {
                slots[i] = gen_ptr(8).addr;
            } else {
                // Letters only: never a number, so sysfuzz rejects them.
                size_t len = kind == 1 ? 600 + below(500) : 1 + below(12);
                for (size_t j = 0; j < len; j++) {
                    strs[j] = (char)('a' + below(26));
                }
                strs[len] = '\0';
                slots[i] = (uint64_t)(uintptr_t)strs;
                strs += len + 1;
                if (strs > argstr_buf + sizeof argstr_buf - 1200) {
                    strs = argstr_buf;
                }
            }
        }
        if (!at_heap_end) {
            slots[n] = 0;
        }
        argv = (uint64_t)(uintptr_t)slots;
        argv_kind = at_heap_end ? "argv runs off the heap" : "argv";
    }

    // Predict.
    uint64_t len;
    int64_t err = string_at(path, PATH_MAX_BYTES, &len);
    int argc = 0;
    if (err == 0 && argv == 0) {
        argc = 1;
    }
    uint64_t args[3] = {0, 0, 0};  // the first three strings
    uint64_t used = 0;
    for (uint64_t slot = argv; err == 0 && slot != 0; slot += 8) {
        struct uptr s = at(slot, "slot");
        if (s.rd < 8 || slot + 7 < slot) {
            err = ERR_FAULT;
            break;
        }
        uint64_t value;
        memcpy(&value, (const void *)(uintptr_t)slot, 8);
        if (value == 0) {
            break;
        }
        if (argc == EXEC_MAX_ARGS) {
            err = ERR_TOOLONG;
            break;
        }
        uint64_t slen;
        err = string_at(at(value, "arg"), EXEC_MAX_ARG_BYTES - used, &slen);
        used += slen + 1;
        if (argc < 3) {
            args[argc] = value;
        }
        argc++;
    }
    int expected;
    if (err != 0) {
        expected = ST_EXEC_ERROR_BASE + (int)-err;
    } else {
        int name = lookup((const char *)(uintptr_t)path.addr);
        if (name < 0) {
            expected = ST_EXEC_ERROR_BASE + -ERR_NOENT;
        } else if (strcmp(names[name].s, "notelf.txt") == 0) {
            expected = ST_EXEC_ERROR_BASE + -ERR_NOEXEC;
        } else if (strcmp(names[name].s, "sysfuzz") == 0) {
            // It runs, and must reject its arguments (a real run would
            // outlive the round).
            uint64_t v;
            if ((argc == 3 || argc == 4) &&
                parse_u64((const char *)(uintptr_t)args[1], UINT64_MAX, &v)) {
                return;
            }
            expected = ST_USAGE;
        } else {
            return;  // another program: it could do anything; not this one
        }
    }
    rep.execs++;
    int pid = fork_checked(argv_kind);
    if (pid == 0) {
        osv_syscall(SYS_CLOSE, 1, 0, 0, 0, 0, 0);
        osv_syscall(SYS_CLOSE, 2, 0, 0, 0, 0, 0);
        int64_t r = osv_syscall(SYS_EXEC, path.addr, argv, junk(), junk(), junk(), junk());
        _exit(r < 0 ? ST_EXEC_ERROR_BASE + (int)-r : ST_EXEC_RETURNED);
    }
    if (pid > 0) {
        count_child_call(SYS_EXEC);
        char what[96];
        snprintf(what, sizeof what, "exec (%s, %s, argc %d)", path.kind, argv_kind, argc);
        reap(pid, expected, expected, what);
    }
}

// Calls that block until something happens, each in a child ended by kill.
static void op_block(void)
{
    struct call c = {.a = {junk(), junk(), junk(), junk(), junk(), junk()}};
    int pipe = -1;
    switch (below(5)) {
    case 0:
        c.nr = SYS_SLEEP;
        c.a[0] = chance(50) ? UINT64_MAX : 1ull << (20 + below(40));
        c.note = "a long sleep";
        break;
    case 4:
        // The console: nobody types in a test, so this blocks until kill.
        c.nr = SYS_READ;
        c.a[0] = DIAG_FD;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = 1 + below(CHUNK);
        c.note = "a console read";
        break;
    case 1:
    case 2:
        // Read a pipe that we keep the write end of (make one if need be).
        for (int fd = 0; fd < FD_MAX && pipe < 0; fd++) {
            if (fdmap[fd] >= 0 && ofiles[fdmap[fd]].kind == F_PIPE_R &&
                write_end_open(ofiles[fdmap[fd]].pipe)) {
                pipe = ofiles[fdmap[fd]].pipe;
                c.a[0] = (uint64_t)fd;
            }
        }
        if (pipe < 0) {
            return;
        }
        c.nr = SYS_READ;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = 1 + below(600);
        c.note = "a pipe read that may block";
        break;
    default:
        for (int fd = 0; fd < FD_MAX && pipe < 0; fd++) {
            if (fdmap[fd] >= 0 && ofiles[fdmap[fd]].kind == F_PIPE_W &&
                read_end_open(ofiles[fdmap[fd]].pipe)) {
                pipe = ofiles[fdmap[fd]].pipe;
                c.a[0] = (uint64_t)fd;
            }
        }
        if (pipe < 0) {
            return;
        }
        c.nr = SYS_WRITE;
        c.a[1] = (uint64_t)(uintptr_t)scratch;
        c.a[2] = PIPE_CAPACITY + below(PAGE);  // more than fits
        c.note = "a pipe write that may block";
        break;
    }
    blocking_in_child(&c, pipe);
}

// Closes, in the child, every descriptor but keep (and DIAG_FD).
static void close_all_but(int keep)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fd != keep && fd != DIAG_FD) {
            osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
        }
    }
}

// Closes every descriptor of the worker that refers to ofile `of`.
static void close_all_of(int of)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fdmap[fd] == of) {
            struct call c = {.nr = SYS_CLOSE, .a = {(uint64_t)fd}, .note = "the other end"};
            verify(&c, issue(&c), ex_val(0));
            model_close(fd);
        }
    }
}

// A child blocks reading a pipe (or writing one that is full) of which it
// holds only that end; the worker then closes every descriptor of the
// other end, which must wake the child: end of file for the reader, a short
// count or ERR_PIPE for the writer. No kill: if the wakeup is lost, the
// round hangs and the watchdog says so.
static void op_wakeup(void)
{
    if (others_hold_fds()) {
        return;
    }
    bool reading = chance(50);
    int fd = -1;
    for (int i = 0; i < FD_MAX && fd < 0; i++) {
        int of = fdmap[i];
        if (of >= 0 && ofiles[of].kind == (reading ? F_PIPE_R : F_PIPE_W) &&
            (reading ? write_end_open(ofiles[of].pipe) : read_end_open(ofiles[of].pipe))) {
            fd = i;
        }
    }
    if (fd < 0) {
        return;
    }
    int pipe = ofiles[fdmap[fd]].pipe;
    uint64_t n = reading ? 1 + below(CHUNK) : PIPE_CAPACITY + 1 + below(2 * PAGE);
    int pid = fork_checked(reading ? "a reader woken by close" : "a writer woken by close");
    if (pid == 0) {
        close_all_but(fd);
        int64_t r = osv_syscall(reading ? SYS_READ : SYS_WRITE, (uint64_t)fd,
                                (uint64_t)(uintptr_t)scratch, n, 0, 0, 0);
        // A reader gets data or end of file; a writer a count or ERR_PIPE.
        bool ok = reading ? r >= 0 : (r > 0 || r == ERR_PIPE);
        _exit(ok ? 0 : ST_EXEC_ERROR_BASE + (int)(r < 0 ? -r : 0));
    }
    if (pid < 0) {
        return;
    }
    count_child_call(reading ? SYS_READ : SYS_WRITE);
    osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);  // let it block first
    close_all_of(reading ? pipes[pipe].w : pipes[pipe].r);
    reap(pid, 0, 0, reading ? "a reader woken by close" : "a writer woken by close");
    pipes[pipe].fill = -1;
}

// The byte at position i of a transfer with key k.
static unsigned char transfer_byte(uint32_t k, uint64_t i)
{
    return (unsigned char)(k + i * 131 + (i >> 8));
}

// A child writes a few pipefuls through a new pipe, in chunks of random
// sizes; the worker reads them in chunks of other sizes until end of file,
// and checks every byte.
static void op_transfer(void)
{
    if (free_fds() < 2 || others_hold_fds()) {
        return;
    }
    int32_t fds[2];
    struct call c = {.nr = SYS_PIPE, .a = {(uint64_t)(uintptr_t)fds}, .note = "for a transfer"};
    if (!verify(&c, issue(&c), ex_val(0))) {
        return;
    }
    model_pipe_created(fds[0], fds[1]);
    uint64_t total = 1 + below(3 * PIPE_CAPACITY);
    uint32_t key = (uint32_t)rnd();
    int pid = fork_checked("a transfer's writer");
    if (pid == 0) {
        close_all_but(fds[1]);
        char *buf = scratch + PAGE;
        for (uint64_t sent = 0; sent < total;) {
            uint64_t n = 1 + below(1500);
            n = n < total - sent ? n : total - sent;
            for (uint64_t i = 0; i < n; i++) {
                buf[i] = (char)transfer_byte(key, sent + i);
            }
            int64_t r =
                osv_syscall(SYS_WRITE, (uint64_t)fds[1], (uint64_t)(uintptr_t)buf, n, 0, 0, 0);
            if (r <= 0) {
                _exit(ST_CHILD_BAD);
            }
            sent += (uint64_t)r;
            if (chance(10)) {
                osv_syscall(SYS_SLEEP, 1, 0, 0, 0, 0, 0);
            }
        }
        _exit(0);
    }
    struct call cl = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[1]}};
    verify(&cl, issue(&cl), ex_val(0));
    model_close(fds[1]);
    if (pid > 0) {
        uint64_t got = 0;
        for (;;) {
            uint64_t n = 1 + below(1000);
            unsigned char *buf = (unsigned char *)scratch + 2 * PAGE;
            struct call r = {.nr = SYS_READ,
                             .a = {(uint64_t)fds[0], (uint64_t)(uintptr_t)buf, n},
                             .note = "a transfer"};
            int64_t k = issue(&r);
            if (!verify(&r, k, ex_range(0, n < CHUNK ? (int64_t)n : (int64_t)CHUNK)) || k == 0) {
                break;
            }
            for (int64_t i = 0; i < k; i++) {
                if (buf[i] != transfer_byte(key, got + (uint64_t)i)) {
                    expect_true(false, "a transfer's bytes arrive intact and in order",
                                got + (uint64_t)i);
                    break;
                }
            }
            got += (uint64_t)k;
        }
        expect_true(got == total, "a transfer delivers every byte", got);
        reap(pid, 0, 0, "a transfer's writer");
    }
    struct call cr = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[0]}};
    verify(&cr, issue(&cr), ex_val(0));
    model_close(fds[0]);
}

// A child busy in the kernel (forking and reaping, exec, pipes), killed at
// a random moment: whatever it was doing is cut short and undone. Its own
// children may be left to init.
//
// The child first closes every descriptor it has from the worker (all but
// DIAG_FD). It is reaped before the op ends, but what it starts could
// otherwise reach the worker's pipes, whose contents and open ends the
// model keeps as if the worker alone held them: the program it execs
// (sysfuzz again, which prints its usage on fd 2, into whatever pipe that
// is), and its children orphaned to init, which live on for a moment after
// the op with copies of every end.
static void op_busy(void)
{
    int what = (int)below(3);
    static const char *const notes[] = {"a child forking, killed", "a child exec'ing, killed",
                                        "a child making pipes, killed"};
    int pid = fork_checked(notes[what]);
    if (pid == 0) {
        close_all_but(-1);
        char *argv[] = {"sysfuzz", "busy", NULL};
        for (int i = 0; i < 200; i++) {
            if (what == 0) {
                int64_t g = osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
                if (g == 0) {
                    _exit(0);
                }
                osv_syscall(SYS_WAIT, (uint64_t)g, 0, 0, 0, 0, 0);
            } else if (what == 1) {
                static const char self[] = "sysfuzz";
                osv_syscall(SYS_EXEC, (uint64_t)(uintptr_t)self, (uint64_t)(uintptr_t)argv, 0, 0, 0,
                            0);
                _exit(ST_CHILD_BAD);  // exec of sysfuzz works; this is not reached
            } else {
                int32_t fds[2];
                if (osv_syscall(SYS_PIPE, (uint64_t)(uintptr_t)fds, 0, 0, 0, 0, 0) == 0) {
                    osv_syscall(SYS_WRITE, (uint64_t)fds[1], (uint64_t)(uintptr_t)fds, 8, 0, 0, 0);
                    osv_syscall(SYS_CLOSE, (uint64_t)fds[0], 0, 0, 0, 0, 0);
                    osv_syscall(SYS_CLOSE, (uint64_t)fds[1], 0, 0, 0, 0, 0);
                }
            }
        }
        _exit(0);
    }
    if (pid < 0) {
        return;
    }
    if (chance(70)) {
        osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);
    }
    struct call k = {.nr = SYS_KILL, .a = {(uint64_t)pid}, .note = notes[what]};
    verify(&k, issue(&k), ex_or(ex_val(0), ERR_SRCH));
    // Finished first: 0, or sysfuzz's usage status after the exec.
    int done = what == 1 ? ST_USAGE : 0;
    if (reap(pid, EXIT_STATUS_KILLED, done, notes[what]) == EXIT_STATUS_KILLED) {
        rep.killed++;
    }
}

// ---------------------------------------------------------------------------
// The worker: one round.

struct op {
    void (*fn)(void);
    int weight;
};

static const struct op ops[] = {
    {op_nosys, 4},  {op_ids, 3},      {op_shutdown, 1}, {op_sleep, 1}, {op_sysinfo, 4},
    {op_sbrk, 6},   {op_open, 8},     {op_close, 6},    {op_dup, 5},   {op_pipe, 5},
    {op_fstat, 5},  {op_read, 10},    {op_write, 10},   {op_fault, 5}, {op_chain, 1},
    {op_fork, 4},   {op_wait, 4},     {op_kill, 4},     {op_exec, 4},  {op_block, 3},
    {op_wakeup, 2}, {op_transfer, 1}, {op_busy, 2},
};

static void run_op(void)
{
    int total = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        total += ops[i].weight;
    }
    int pick = (int)below((uint64_t)total);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        pick -= ops[i].weight;
        if (pick < 0) {
            ops[i].fn();
            return;
        }
    }
}

// Moves the report pipe's write end to REPORT_FD and a console descriptor
// to DIAG_FD, and closes everything else: the fuzzed calls never see the
// console.
static void arrange_descriptors(int report_w)
{
    int fd;
    while ((fd = (int)osv_syscall(SYS_DUP, 1, 0, 0, 0, 0, 0)) >= 0 && fd < DIAG_FD) {
    }
    // Every slot is taken now, DIAG_FD by the console.
    osv_syscall(SYS_CLOSE, REPORT_FD, 0, 0, 0, 0, 0);
    if (report_w != REPORT_FD) {
        osv_syscall(SYS_DUP, (uint64_t)report_w, 0, 0, 0, 0, 0);  // lands on REPORT_FD
    }
    for (fd = 0; fd < REPORT_FD; fd++) {
        osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
        fdmap[fd] = FD_FREE;
    }
    fdmap[REPORT_FD] = FD_OWN;
    fdmap[DIAG_FD] = FD_OWN;
    for (int i = 0; i < MAX_PIPES; i++) {
        pipes[i].r = -1;
    }
}

static _Noreturn void worker(int report_w)
{
    char outer[1024];
    stack_scratch = outer;
    memset(outer, 0, sizeof outer);
    arrange_descriptors(report_w);
    rep = (struct report){0};
    my_pid = (int)osv_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
    my_parent = (int)osv_syscall(SYS_GETPPID, 0, 0, 0, 0, 0, 0);
    brk_now = (uint64_t)osv_syscall(SYS_SBRK, 0, 0, 0, 0, 0, 0);
    expect_true(brk_now == heap_start, "the worker's break starts at the heap's start", brk_now);
    last_ticks = 0;

    // A few files and pipes to start with.
    int setup = 2 + (int)below(6);
    for (op_no = -setup; op_no < 0; op_no++) {
        if (chance(50)) {
            op_open();
            continue;
        }
        int before = free_fds();
        op_pipe();
        if (free_fds() == before - 2 && chance(50)) {
            // A pipe with one end closed: reads see end of file, writes ERR_PIPE.
            int fd = -1;
            for (int i = FD_MAX - 1; i >= 0 && fd < 0; i--) {
                if (fdmap[i] >= 0 && ofiles[fdmap[i]].kind == (chance(50) ? F_PIPE_R : F_PIPE_W)) {
                    fd = i;
                }
            }
            if (fd >= 0) {
                struct call c = {.nr = SYS_CLOSE, .a = {(uint64_t)fd}, .note = "one end"};
                verify(&c, issue(&c), ex_val(0));
                model_close(fd);
            }
        }
    }
    int count = 16 + (int)below(32);
    for (op_no = 0; op_no < count; op_no++) {
        run_op();
    }
    while (num_pending > 0) {
        struct child ch = pending[--num_pending];
        reap(ch.pid, ch.status_a, ch.status_b, "a pending child, at the end");
        rep.faulted += ch.fault;
    }
    osv_syscall(SYS_WRITE, REPORT_FD, (uint64_t)(uintptr_t)&rep, sizeof rep, 0, 0, 0);
    _exit(0);
}

// ---------------------------------------------------------------------------
// The fuzzer.

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: sysfuzz SEED ROUNDS [FIRST [trace]]  (SEED: 0..2^64-1, decimal or "
                    "0x-hex; ROUNDS: 1..1000000000; FIRST: the first round's number, default 0; "
                    "trace: print every call)\n");
    exit(ST_USAGE);
}

// Parses all of s as a number (decimal, or hex after 0x) no larger than max.
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A' + 10);
        } else {
            return false;
        }
        if (v > (max - d) / base) {
            return false;
        }
        v = v * base + d;
    }
    *out = v;
    return true;
}

static bool failed;

static void fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *format, ...)
{
    char line[256];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    printf("sysfuzz: FAIL: %s\n", line);
    failed = true;
}

static uint64_t free_pages(void)
{
    struct osv_sysinfo info;
    if (sysinfo(&info) != 0) {
        fail("sysinfo");
        exit(1);
    }
    return info.free_pages;
}

// Our own ELF file's writable segment: where data ends and the heap begins.
static void read_layout(void)
{
    unsigned char h[512];
    int fd = open("sysfuzz", O_RDONLY);
    size_t got = 0;
    while (fd >= 0 && got < sizeof h) {
        ssize_t n = read(fd, h + got, sizeof h - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    uint64_t phoff = 0;
    uint16_t phentsize = 0, phnum = 0;
    if (got >= 64) {
        memcpy(&phoff, h + 32, 8);
        memcpy(&phentsize, h + 54, 2);
        memcpy(&phnum, h + 56, 2);
    }
    for (uint16_t i = 0; i < phnum && phoff + (i + 1ull) * phentsize <= got; i++) {
        const unsigned char *ph = h + phoff + (uint64_t)i * phentsize;
        uint32_t type, flags;
        uint64_t vaddr, memsz;
        memcpy(&type, ph, 4);
        memcpy(&flags, ph + 4, 4);
        memcpy(&vaddr, ph + 16, 8);
        memcpy(&memsz, ph + 40, 8);
        if (type == 1 && (flags & 2)) {  // PT_LOAD, PF_W
            data_start = vaddr & ~(PAGE - 1);
            data_end = page_up(vaddr + memsz);
        }
    }
    if (data_start == 0 || data_end != heap_start || (uint64_t)(uintptr_t)scratch < data_start ||
        (uint64_t)(uintptr_t)scratch >= data_end) {
        printf("sysfuzz: FAIL: cannot make out our own layout (data 0x%lx-0x%lx, heap 0x%lx)\n",
               (unsigned long)data_start, (unsigned long)data_end, (unsigned long)heap_start);
        exit(1);
    }
}

// The initrd's files, and notelf.txt's bytes.
static void read_initrd(void)
{
    int fd = open("/", O_RDONLY);
    struct osv_dirent d[8];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, d, sizeof d)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof d[0] && num_names < NAMES_MAX; i++) {
            memcpy(names[num_names].s, d[i].name, DIRENT_NAME_MAX);
            names[num_names].s[DIRENT_NAME_MAX - 1] = '\0';
            names[num_names].size = d[i].size;
            num_names++;
        }
    }
    close(fd);
    fd = open("notelf.txt", O_RDONLY);
    while (fd >= 0 && (n = read(fd, notelf_copy + notelf_size,
                                sizeof notelf_copy - (size_t)notelf_size)) > 0) {
        notelf_size += n;
    }
    close(fd);
    if (num_names == 0 || notelf_size == 0 || lookup("sysfuzz") < 0) {
        printf("sysfuzz: FAIL: the initrd lacks sysfuzz or notelf.txt\n");
        exit(1);
    }
}

// Makes every page we will touch present now, so that none appears later
// and looks like a leak: a deep stack, and all of data and bss.
__attribute__((noinline)) static void touch_memory(void)
{
    volatile char deep[24 * 1024];
    for (size_t i = 0; i < sizeof deep; i += 512) {
        deep[i] = 0;
    }
    for (uint64_t a = data_start; a < data_end; a += PAGE) {
        volatile char *c = (volatile char *)(uintptr_t)a;
        *c = *c;
    }
}

struct totals {
    uint64_t rounds, syscalls, children, faulted, killed, execs, chains, levels, mismatches;
    uint64_t settled;  // rounds whose orphans took a moment to go
    uint64_t by_call[SYS_COUNT + 1];
    uint64_t by_result[32];
};

static struct totals totals;

// The workers' calls by number and by result, on two lines.
static void print_histograms(void)
{
    char line[512];
    int n = snprintf(line, sizeof line, "sysfuzz: calls:");
    for (int i = 1; i <= SYS_COUNT && n < (int)sizeof line; i++) {
        n += snprintf(line + n, sizeof line - (size_t)n, " %s %lu",
                      i < SYS_COUNT ? call_names[i] : "nosys", (unsigned long)totals.by_call[i]);
    }
    printf("%s\n", line);
    n = snprintf(line, sizeof line, "sysfuzz: results: ok %lu", (unsigned long)totals.by_result[0]);
    for (int e = 1; e < 32 && n < (int)sizeof line; e++) {
        if (totals.by_result[e] > 0) {
            n += snprintf(line + n, sizeof line - (size_t)n, ", %s %lu",
                          e < 31 ? err_name((err_t)-e) : "other",
                          (unsigned long)totals.by_result[e]);
        }
    }
    printf("%s\n", line);
}

// The kernel still answers: getpid, and 16 bytes through a pipe and back.
static void check_alive(int self)
{
    if (getpid() != self) {
        fail("round %lu: getpid() is %d, not %d", (unsigned long)round_no, getpid(), self);
    }
    int fds[2];
    char out[16] = "0123456789abcdef", in[16] = {0};
    bool ok = pipe(fds) == 0;
    if (ok) {
        ok = write(fds[1], out, sizeof out) == sizeof out &&
             read(fds[0], in, sizeof in) == sizeof in && memcmp(in, out, sizeof in) == 0;
        close(fds[0]);
        close(fds[1]);
    }
    if (!ok) {
        fail("round %lu: a pipe round trip failed", (unsigned long)round_no);
    }
}

// One round: a worker and its watchdog. Returns false if it hung.
static bool run_round(void)
{
    int report[2];
    if (pipe(report) != 0) {
        fail("round %lu: pipe for the report", (unsigned long)round_no);
        return false;
    }
    rng.state = seed ^ (round_no * 0xd1342543de82ef95ull);
    rng_next(&rng);
    int pid = fork();
    if (pid == 0) {
        close(report[0]);
        worker(report[1]);
    }
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        fail("round %lu: fork of the worker: %s", (unsigned long)round_no, err_name(pid));
        return false;
    }
    int dog = fork();
    if (dog == 0) {
        sleep(WATCHDOG_TICKS);
        _exit(0);
    }
    int status = 0;
    int first = wait(-1, &status);
    bool hung = first == dog;
    if (hung) {
        fail("round %lu of seed %lu hung: worker %d still running after %d ticks (replay: "
             "sysfuzz %lu 1 %lu)",
             (unsigned long)round_no, (unsigned long)seed, pid, WATCHDOG_TICKS, (unsigned long)seed,
             (unsigned long)round_no);
        kill(pid);
        wait(pid, &status);
    } else {
        kill(dog);
        int dog_status;
        wait(dog, &dog_status);
        struct report r = {0};
        if (first != pid || status != 0 || read(report[0], &r, sizeof r) != sizeof r) {
            fail("round %lu of seed %lu: the worker ended with status %d without its report",
                 (unsigned long)round_no, (unsigned long)seed, status);
        }
        totals.syscalls += r.syscalls;
        totals.children += r.children;
        totals.faulted += r.faulted;
        totals.killed += r.killed;
        totals.execs += r.execs;
        totals.chains += r.chains;
        totals.levels += r.levels;
        totals.mismatches += r.mismatches;
        for (int i = 0; i <= SYS_COUNT; i++) {
            totals.by_call[i] += r.by_call[i];
        }
        for (int i = 0; i < 32; i++) {
            totals.by_result[i] += r.by_result[i];
        }
    }
    close(report[0]);
    totals.syscalls += PARENT_CALLS_PER_ROUND;
    return !hung;
}

int main(int argc, char **argv)
{
    heap_start = (uint64_t)osv_syscall(SYS_SBRK, 0, 0, 0, 0, 0, 0);
    uint64_t rounds, first = 0;
    if (argc == 5 && strcmp(argv[4], "trace") == 0) {
        tracing = true;
        argc--;
    }
    if ((argc != 3 && argc != 4) || !parse_u64(argv[1], UINT64_MAX, &seed) ||
        !parse_u64(argv[2], 1000000000, &rounds) || rounds == 0 ||
        (argc == 4 && !parse_u64(argv[3], UINT64_MAX - 1000000000, &first))) {
        usage();
    }
    int self = getpid();
    printf("sysfuzz: seed %lu, rounds %lu to %lu\n", (unsigned long)seed, (unsigned long)first,
           (unsigned long)(first + rounds - 1));

    int64_t err = shutdown(0);
    if (err != ERR_PERM || shutdown(1) != ERR_PERM) {
        fail("shutdown from pid %d returned %ld, not ERR_PERM", self, (long)err);
    } else {
        printf("sysfuzz: shutdown from pid %d: ERR_PERM\n", self);
    }
    read_layout();
    read_initrd();
    touch_memory();
    struct osv_sysinfo info;
    sysinfo(&info);
    uint64_t baseline = free_pages();
    printf("sysfuzz: %d initrd files; data 0x%lx-0x%lx; baseline %lu free pages of %lu\n",
           num_names, (unsigned long)data_start, (unsigned long)data_end, (unsigned long)baseline,
           (unsigned long)info.total_pages);

    uint64_t start_ticks = ticks();
    uint64_t every = rounds / 10 > 0 ? rounds / 10 : 1;
    for (uint64_t i = 0; i < rounds && !failed; i++) {
        round_no = first + i;
        bool ok = run_round();
        totals.rounds++;
        check_alive(self);
        uint64_t now = free_pages();
        for (int t = 0; ok && now != baseline && t < SETTLE_TICKS; t++) {
            sleep(1);  // orphans of this round may still be on their way out
            now = free_pages();
            totals.settled += t == 0;
        }
        if (ok && now != baseline) {
            fail("round %lu of seed %lu: %ld pages not back (baseline %lu, now %lu; replay: "
                 "sysfuzz %lu 1 %lu)",
                 (unsigned long)round_no, (unsigned long)seed, (long)(baseline - now),
                 (unsigned long)baseline, (unsigned long)now, (unsigned long)seed,
                 (unsigned long)round_no);
        }
        if (totals.mismatches > 0) {
            fail("round %lu of seed %lu: %lu results differ from the model (replay: sysfuzz %lu 1 "
                 "%lu)",
                 (unsigned long)round_no, (unsigned long)seed, (unsigned long)totals.mismatches,
                 (unsigned long)seed, (unsigned long)round_no);
        }
        if ((i + 1) % every == 0 || failed) {
            printf("sysfuzz: %lu rounds, %lu syscalls, %lu children, %lu faulted, free pages %lu, "
                   "%lu ticks\n",
                   (unsigned long)totals.rounds, (unsigned long)totals.syscalls,
                   (unsigned long)totals.children, (unsigned long)totals.faulted,
                   (unsigned long)now, (unsigned long)(ticks() - start_ticks));
        }
    }
    printf("sysfuzz: summary: %lu rounds, %lu syscalls, %lu children (%lu faulted as meant, %lu "
           "ended by kill, %lu exec'd), %lu fork chains (%lu levels), %lu mismatches, %lu rounds "
           "waited for orphans, %lu ticks\n",
           (unsigned long)totals.rounds, (unsigned long)totals.syscalls,
           (unsigned long)totals.children, (unsigned long)totals.faulted,
           (unsigned long)totals.killed, (unsigned long)totals.execs, (unsigned long)totals.chains,
           (unsigned long)totals.levels, (unsigned long)totals.mismatches,
           (unsigned long)totals.settled, (unsigned long)(ticks() - start_ticks));
    print_histograms();
    if (failed) {
        printf("sysfuzz: FAIL\n");
        return 1;
    }
    printf("sysfuzz: PASS\n");
    return 0;
}
