#pragma once

// forkbench's operating-system layer: the few calls the benchmarks
// (forkbench.c, scalebench.c) make, implemented once for osv
// (forkbench_osv.c) and once for Linux with raw system calls
// (forkbench_linux.c). Each benchmark is one C file, compiled with the same
// compiler and flags for both kernels.
//
// Conventions: calls that can fail return a negative number on failure
// (osv's err_t, or Linux's -errno); the benchmark only checks the sign.

#include <stdbool.h>
#include <stdint.h>

// Printed as os=NAME on every line ("osv" or "linux").
extern const char fb_os_name[];

// Called once before anything else: sets up what the layer needs (on Linux:
// calibrates the TSC, turns transparent huge pages off). Returns false, after
// printing why, when the benchmark cannot run.
bool fb_os_init(void);

// How fork copies memory in this kernel: "cow" or "eager".
const char *fb_fork_mode(void);

// Time-stamp counter increments per second.
uint64_t fb_tsc_per_second(void);

// Processes.
int64_t fb_fork(void);  // child pid to the parent, 0 to the child
_Noreturn void fb_exit(int status);
// Waits for child `pid`; sets *status to its exit status (0..255), or to -1
// when it did not exit normally (killed). Returns pid or a negative error.
int64_t fb_wait(int64_t pid, int *status);
int64_t fb_getpid(void);

// The number of the CPU running the caller (0, 1, ...), as it was when
// asked (it may have moved since), or a negative error. scalebench samples
// it to show where its workers ran.
int64_t fb_getcpu(void);

// Memory: the program break. Returns the old break, or a negative error
// (as an address: check with fb_sbrk_failed).
void *fb_sbrk(int64_t increment);
static inline bool fb_sbrk_failed(void *p)
{
    return (int64_t)(uintptr_t)p < 0;
}

// Files: a pipe, and the console as descriptor 1.
int64_t fb_pipe(int fds[2]);
int64_t fb_read(int fd, void *buf, uint64_t n);
int64_t fb_write(int fd, const void *buf, uint64_t n);
int64_t fb_close(int fd);

// Page faults the calling process has taken since it started (on osv from
// sysinfo, on Linux getrusage's minor faults): a check that a timed loop
// faulted as often as intended.
uint64_t fb_page_faults(void);

// Free physical pages right now. Returns false where the kernel cannot give
// an exact figure (Linux: per-CPU lists and caches make it drift).
bool fb_free_pages(uint64_t *pages);

// TLB shootdowns since boot, over all processes: rounds of flushes that had
// to reach other CPUs, and the interrupts they sent (osv: sysinfo's
// tlb_shootdowns and tlb_shootdown_ipis). Returns false where this layer
// cannot count them (Linux).
bool fb_tlb_shootdowns(uint64_t *rounds, uint64_t *ipis);
