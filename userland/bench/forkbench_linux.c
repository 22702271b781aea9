// forkbench's Linux layer (see forkbench_os.h): raw x86_64 Linux system
// calls, no C library. The program is built static, without libc, so that
// the benchmark code is compiled exactly as for osv and the initramfs needs
// nothing but this one file as /init.
//
// As /init (pid 1) of the benchmark's initramfs it also ends the machine:
// once main returns it drains the console and writes to QEMU's isa-debug-exit
// port (ioperm + outb), 0x10 on success, 0x20 on failure, so that QEMU exits
// with 33 or 65 as it does for osv; if the port cannot be opened it powers
// off (QEMU then exits with 0). Run as any other pid (e.g. on the build
// machine, `bazel-bin/.../forkbench_linux --sizes=4 --reps=3`), it simply
// exits with main's status.
//
// TSC rate: measured against CLOCK_MONOTONIC, three windows of 100 ms, the
// median kept. Transparent huge pages are turned off for the process
// (prctl PR_SET_THP_DISABLE; Debian's kernel defaults to "always"), so that
// Linux, like osv, faults its heap in 4 KiB pages.

#include <stddef.h>
#include <stdint.h>

#include "userland/bench/forkbench_os.h"

enum {
    NR_READ = 0,
    NR_WRITE = 1,
    NR_OPEN = 2,
    NR_CLOSE = 3,
    NR_BRK = 12,
    NR_IOCTL = 16,
    NR_PIPE = 22,
    NR_NANOSLEEP = 35,
    NR_GETPID = 39,
    NR_FORK = 57,
    NR_WAIT4 = 61,
    NR_DUP2 = 33,
    NR_GETRUSAGE = 98,
    NR_PRCTL = 157,
    NR_REBOOT = 169,
    NR_IOPERM = 173,
    NR_CLOCK_GETTIME = 228,
    NR_EXIT_GROUP = 231,
    NR_GETCPU = 309,
};

#define CLOCK_MONOTONIC    1
#define PR_SET_THP_DISABLE 41
#define RUSAGE_SELF        0
#define TCSBRK             0x5409  // with argument 1: wait until output drained (tcdrain)
#define O_WRONLY           1

#define REBOOT_MAGIC1       0xfee1dead
#define REBOOT_MAGIC2       672274793
#define REBOOT_CMD_POWEROFF 0x4321fedc

#define DEBUG_EXIT_PORT    0x501
#define DEBUG_EXIT_SUCCESS 0x10  // QEMU exits with 33
#define DEBUG_EXIT_FAILURE 0x20  // QEMU exits with 65

static int64_t syscall6(int64_t nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                        uint64_t f)
{
    int64_t ret;
    register uint64_t r10 __asm__("r10") = d;
    register uint64_t r8 __asm__("r8") = e;
    register uint64_t r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static int64_t syscall3(int64_t nr, uint64_t a, uint64_t b, uint64_t c)
{
    return syscall6(nr, a, b, c, 0, 0, 0);
}

const char fb_os_name[] = "linux";

static void say(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    syscall3(NR_WRITE, 1, (uint64_t)s, n);
}

// ---------------------------------------------------------------------------
// Processes, memory, files.

int64_t fb_fork(void)
{
    return syscall3(NR_FORK, 0, 0, 0);
}

_Noreturn void fb_exit(int status)
{
    for (;;) {
        syscall3(NR_EXIT_GROUP, (uint64_t)status, 0, 0);
    }
}

int64_t fb_wait(int64_t pid, int *status)
{
    int raw = 0;
    int64_t ret = syscall6(NR_WAIT4, (uint64_t)pid, (uint64_t)&raw, 0, 0, 0, 0);
    if (ret >= 0) {
        // WIFEXITED: no signal number in the low 7 bits; WEXITSTATUS: bits 8..15.
        *status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : -1;
    }
    return ret;
}

int64_t fb_getpid(void)
{
    return syscall3(NR_GETPID, 0, 0, 0);
}

int64_t fb_getcpu(void)
{
    unsigned cpu = 0;
    int64_t ret = syscall3(NR_GETCPU, (uint64_t)&cpu, 0, 0);  // no node, no cache
    return ret < 0 ? ret : (int64_t)cpu;
}

// Linux's brk system call sets the break and returns the new one (the old
// one when it refuses): sbrk is built on it.
static uint64_t current_brk;

void *fb_sbrk(int64_t increment)
{
    if (current_brk == 0) {
        current_brk = (uint64_t)syscall3(NR_BRK, 0, 0, 0);
    }
    uint64_t old = current_brk;
    if (increment != 0) {
        uint64_t wanted = old + (uint64_t)increment;
        if ((uint64_t)syscall3(NR_BRK, wanted, 0, 0) != wanted) {
            return (void *)(uintptr_t)-12;  // -ENOMEM
        }
        current_brk = wanted;
    }
    return (void *)(uintptr_t)old;
}

int64_t fb_pipe(int fds[2])
{
    return syscall3(NR_PIPE, (uint64_t)fds, 0, 0);
}

int64_t fb_read(int fd, void *buf, uint64_t n)
{
    return syscall3(NR_READ, (uint64_t)fd, (uint64_t)buf, n);
}

int64_t fb_write(int fd, const void *buf, uint64_t n)
{
    return syscall3(NR_WRITE, (uint64_t)fd, (uint64_t)buf, n);
}

int64_t fb_close(int fd)
{
    return syscall3(NR_CLOSE, (uint64_t)fd, 0, 0);
}

uint64_t fb_page_faults(void)
{
    // struct rusage: two struct timevals (4 words), then 14 longs, of which
    // ru_minflt and ru_majflt are the 5th and 6th.
    uint64_t ru[18];
    if (syscall3(NR_GETRUSAGE, RUSAGE_SELF, (uint64_t)ru, 0) < 0) {
        return 0;
    }
    return ru[8] + ru[9];
}

bool fb_free_pages(uint64_t *pages)
{
    (void)pages;
    return false;
}

bool fb_tlb_shootdowns(uint64_t *rounds, uint64_t *ipis)
{
    (void)rounds;
    (void)ipis;
    return false;
}

const char *fb_fork_mode(void)
{
    return "cow";
}

// ---------------------------------------------------------------------------
// The TSC rate.

static uint64_t tsc_hz;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t monotonic_ns(void)
{
    int64_t ts[2];
    if (syscall3(NR_CLOCK_GETTIME, CLOCK_MONOTONIC, (uint64_t)ts, 0) < 0) {
        return 0;
    }
    return (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
}

// TSC ticks per second over one window of at least 100 ms of
// CLOCK_MONOTONIC. The TSC is read right after the clock at both ends, so
// the system call's own time cancels out.
static uint64_t calibrate_window(void)
{
    uint64_t n0 = monotonic_ns();
    uint64_t t0 = rdtsc();
    uint64_t n1;
    do {
        n1 = monotonic_ns();
    } while (n1 - n0 < 100000000ull);
    uint64_t t1 = rdtsc();
    uint64_t ns = n1 - n0;
    // (t1 - t0) * 1e9 / ns: t1 - t0 is below 2^34 for a 100 ms window at
    // any realistic rate, so the product fits in 64 bits.
    return (t1 - t0) * 1000000000ull / ns;
}

bool fb_os_init(void)
{
    if (syscall6(NR_PRCTL, PR_SET_THP_DISABLE, 1, 0, 0, 0, 0) < 0) {
        say("forkbench os=linux error=\"prctl(PR_SET_THP_DISABLE) failed\"\n");
        return false;
    }
    if (monotonic_ns() == 0) {
        say("forkbench os=linux error=\"clock_gettime(CLOCK_MONOTONIC) failed\"\n");
        return false;
    }
    uint64_t w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = calibrate_window();
    }
    // The median of three.
    uint64_t lo = w[0] < w[1] ? w[0] : w[1];
    uint64_t hi = w[0] < w[1] ? w[1] : w[0];
    tsc_hz = w[2] < lo ? lo : (w[2] > hi ? hi : w[2]);
    return true;
}

uint64_t fb_tsc_per_second(void)
{
    return tsc_hz;
}

// ---------------------------------------------------------------------------
// The compiler may call these for struct copies and initializers.

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n-- > 0) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

// ---------------------------------------------------------------------------
// Start and end.

int main(int argc, char **argv);

// As init: make sure descriptor 1 is the console (the kernel opens
// /dev/console for init when the initramfs has it).
static void open_console(void)
{
    static const char nothing[] = "";
    if (syscall3(NR_WRITE, 1, (uint64_t)nothing, 0) >= 0) {
        return;
    }
    static const char console[] = "/dev/console";
    int64_t fd = syscall3(NR_OPEN, (uint64_t)console, O_WRONLY, 0);
    if (fd >= 0 && fd != 1) {
        syscall3(NR_DUP2, (uint64_t)fd, 1, 0);
    }
}

_Noreturn static void shut_down(int status)
{
    // Let the serial driver send everything before QEMU goes away.
    syscall3(NR_IOCTL, 1, TCSBRK, 1);
    int64_t pause[2] = {0, 50000000};  // 50 ms
    syscall3(NR_NANOSLEEP, (uint64_t)pause, 0, 0);
    if (syscall3(NR_IOPERM, DEBUG_EXIT_PORT, 1, 1) == 0) {
        uint8_t value = status == 0 ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE;
        __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"((uint16_t)DEBUG_EXIT_PORT));
    }
    say("forkbench: isa-debug-exit unavailable; powering off\n");
    syscall6(NR_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_CMD_POWEROFF, 0, 0, 0);
    for (;;) {
        int64_t forever[2] = {3600, 0};
        syscall3(NR_NANOSLEEP, (uint64_t)forever, 0, 0);
    }
}

// Called by _start with the initial stack: argc, then argv[], as on osv.
_Noreturn void forkbench_linux_start(uint64_t *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)&sp[1];
    bool init = fb_getpid() == 1;
    if (init) {
        open_console();
    }
    int status = main(argc, argv);
    if (init) {
        shut_down(status);
    }
    fb_exit(status);
}

__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call forkbench_linux_start\n"
        "    ud2\n");
