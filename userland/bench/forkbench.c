// forkbench: the costs of fork, page faults and sbrk, measured from inside a
// guest, the same way on osv and on Linux.
//
//   forkbench [--sizes=MIB,MIB,...] [--reps=N]
//
// For each heap size (default 0,4,16,64 MiB; the parent writes every page of
// its heap first) it measures, over N repetitions (default 20):
//   fork_exit_wait_ns           fork, the child exits at once, the parent's
//                               wait returns;
//   cow_write_per_page_ns       after fork, the child writes one byte in every
//                               heap page (copy-on-write faults; with eager
//                               fork, plain writes);
//   demand_zero_per_page_ns     the first write to each page of freshly
//                               sbrk'ed memory as big as the heap (demand-zero
//                               faults);
//   cow_reuse_per_page_ns       before each fork but the first (so over N-1
//                               repetitions), the parent's write of one byte
//                               in every heap page: its child has exited, so
//                               these are copy-on-write faults by the last
//                               sharer, which copy nothing;
//   heap_zero_per_page_ns,      the floors over the memory the faults touch:
//   heap_copy_per_page_ns       after the demand-zero loop, each new page
//                               zeroed, then the heap copied into them, page
//                               by page, with 8-byte moves. Unlike the warm
//                               floor below, each page was last touched a
//                               whole heap ago;
//   *_sampled_ns                each loop above also timed in samples of
//                               FAULT_SAMPLE_PAGES pages: the median sample
//                               of each repetition, per page. The figures
//                               above divide a whole loop (up to a fifth of
//                               a second) by its pages, so they also take in
//                               whatever time the host gave to other
//                               programs meanwhile; the warm floors and
//                               getpid below are medians of samples of about
//                               the same length as these (tens to hundreds
//                               of microseconds), which a busy host disturbs
//                               far less;
// and once:
//   sbrk_page_touch_ns          sbrk(+1 page) and a write to that page;
//   getpid_ns                   a null system call round trip;
//   page_copy_ns, page_zero_ns  the warm floor: copying and zeroing one 4 KiB
//                               page with 8-byte moves, in user space, over
//                               the same FLOOR_PAGES pages again and again.
// Before each fork repetition the parent writes its whole heap again, so
// every fork finds writable pages to share, as a process that has just
// worked on its memory would.
//
// Output: one line per figure, all in nanoseconds, e.g.
//   forkbench os=osv mode=cow heap_mib=64 metric=fork_exit_wait_ns median=812.5 min=790.1 n=20
// (per-page metrics add faults_per_page=F: page faults taken per page, a check
// that the loop measured what it claims), plus tsc_hz, and on osv the free
// page count before and after every round (metric=free_pages start=.. end=..
// ok=yes|no), which must return exactly to the start. The last line is
// "forkbench os=.. mode=.. result=pass" or "result=FAIL (why)"; the exit
// status is 0 on pass.
//
// Correctness criteria, checked as it runs:
//   1. every fork succeeds and every child exits with status 0;
//   2. on osv, free pages at the end of every round equal the start;
//   3. every sbrk succeeds, and the break returns to where it was.
//
// Timing: rdtsc (after lfence), converted with the layer's TSC rate. All
// arithmetic is integer: user programs are built without floating point.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userland/bench/benchlib.h"
#include "userland/bench/forkbench_os.h"

#define PAGE_SIZE          4096u
#define MIB                (1024u * 1024u)
#define MAX_SIZES          8
#define MAX_REPS           1000
#define SBRK_REPS          100  // sbrk(+1 page) samples, at least this many
#define GETPID_BATCH       100  // system calls per getpid sample
#define FLOOR_PAGES        16   // pages per copy/zero sample
#define FAULT_SAMPLE_PAGES 64   // pages per sample of the *_sampled figures
#define MAX_HEAP_MIB       256

// ---------------------------------------------------------------------------
// Output: each line starts with the program, the system and the fork mode.

static const char *fork_mode = "?";
static bool failed;
static const char *failure = "";

static void begin_line(void)
{
    line_start();
    put("forkbench os=");
    put(fb_os_name);
    put(" mode=");
    put(fork_mode);
}

static void fail(const char *why)
{
    if (!failed) {
        failure = why;
    }
    failed = true;
    line_quiet = false;
    begin_line();
    put(" error=\"");
    put(why);
    put("\"");
    line_end();
}

// ---------------------------------------------------------------------------
// The clock and the figures.

static uint64_t tsc_hz;  // the TSC's rate, in cycles per second

static uint64_t samples[MAX_REPS];

// Prints one figure: the median and minimum of samples[0..n), each a count
// of TSC cycles for `per` operations, in nanoseconds per operation with one
// decimal. heap_mib < 0 leaves heap_mib out. faults_x100 < 0 leaves
// faults_per_page out.
static void report(int heap_mib, const char *metric, int n, uint64_t per, int64_t faults_x100)
{
    if (line_quiet) {
        return;
    }
    sort_u64(samples, n);
    uint64_t median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    begin_line();
    if (heap_mib >= 0) {
        put(" heap_mib=");
        put_u64((uint64_t)heap_mib);
    }
    put(" metric=");
    put(metric);
    put(" median=");
    put_fixed(muldiv(median, 10000000000ull, tsc_hz * per), 1);
    put(" min=");
    put_fixed(muldiv(samples[0], 10000000000ull, tsc_hz * per), 1);
    put(" n=");
    put_u64((uint64_t)n);
    if (faults_x100 >= 0) {
        put(" faults_per_page=");
        put_fixed((uint64_t)faults_x100, 2);
    }
    line_end();
}

// ---------------------------------------------------------------------------
// Memory.

static char *heap;         // start of the measured heap (page-aligned)
static size_t heap_pages;  // pages of it in use now

static uint64_t fault_samples[MAX_HEAP_MIB * MIB / PAGE_SIZE / FAULT_SAMPLE_PAGES];

// Writes zeros over `bytes` bytes at p (a multiple of 8), one word at a time:
// each page gets its first write (or its copy-on-write fault) now, not later
// inside something timed or counted.
static void write_zeros(void *p, size_t bytes)
{
    volatile uint64_t *v = p;
    for (size_t i = 0; i < bytes / 8; i++) {
        v[i] = 0;
    }
}

// Writes every entry of fault_samples[] (first writes, or copy-on-write
// faults in a child), before anything is timed.
static void prepare_samples(void)
{
    write_zeros(fault_samples, sizeof(fault_samples));
}

static bool grow(int64_t bytes, char **old)
{
    void *p = fb_sbrk(bytes);
    if (fb_sbrk_failed(p)) {
        fail("sbrk failed");
        return false;
    }
    if (old != NULL) {
        *old = p;
    }
    return true;
}

// ---------------------------------------------------------------------------
// Passes over pages, timed.

// The floor: what one page costs at least, copied or zeroed with 8-byte
// moves as both kernels do it. The volatile accesses keep the compiler from
// turning the loops into a library call or string instructions.
static void copy_page_words(volatile uint64_t *dst, const volatile uint64_t *src)
{
    for (size_t i = 0; i < PAGE_SIZE / 8; i++) {
        dst[i] = src[i];
    }
}

static void zero_page_words(volatile uint64_t *dst)
{
    for (size_t i = 0; i < PAGE_SIZE / 8; i++) {
        dst[i] = 0;
    }
}

// What a pass does to each page: write one byte to it, zero it, or copy
// the page at the same offset from the source into it.
enum pass { PASS_TOUCH, PASS_ZERO, PASS_COPY };

static void run_pass(enum pass pass, char *dst, const char *src, size_t pages, char value)
{
    if (pass == PASS_TOUCH) {
        touch(dst, pages, value);
        return;
    }
    for (size_t i = 0; i < pages; i++) {
        volatile uint64_t *to = (volatile uint64_t *)(dst + i * PAGE_SIZE);
        if (pass == PASS_ZERO) {
            zero_page_words(to);
        } else {
            copy_page_words(to, (const volatile uint64_t *)(src + i * PAGE_SIZE));
        }
    }
}

// One kind of pass over the heap, repeated: each repetition timed as a
// whole and in samples of FAULT_SAMPLE_PAGES pages.
struct pass_times {
    int n;                       // repetitions so far
    uint64_t whole[MAX_REPS];    // each pass's cycles
    uint64_t sampled[MAX_REPS];  // each pass's median sample, in cycles
    uint64_t faults;             // page faults taken in all of them
};

static void start_passes(struct pass_times *t)
{
    t->n = 0;
    t->faults = 0;
}

// Runs a pass over `pages` pages at dst (and src) and adds its times to *t.
// The caller has written fault_samples[] already, so that recording a
// sample never faults.
static void timed_pass(struct pass_times *t, enum pass pass, char *dst, const char *src,
                       size_t pages, char value)
{
    int n = 0;
    uint64_t f0 = fb_page_faults();
    uint64_t start = rdtsc();
    size_t i = 0;
    for (; i + FAULT_SAMPLE_PAGES <= pages; i += FAULT_SAMPLE_PAGES) {
        uint64_t t0 = rdtsc();
        run_pass(pass, dst + i * PAGE_SIZE, src + i * PAGE_SIZE, FAULT_SAMPLE_PAGES, value);
        fault_samples[n++] = rdtsc() - t0;
    }
    run_pass(pass, dst + i * PAGE_SIZE, src + i * PAGE_SIZE, pages - i, value);
    uint64_t whole = rdtsc() - start;
    t->faults += fb_page_faults() - f0;
    sort_u64(fault_samples, n);
    t->whole[t->n] = whole;
    t->sampled[t->n] = n == 0 ? 0 : fault_samples[n / 2];
    t->n++;
}

// Reports the passes of *t over `pages` pages each: per_page_metric from the
// whole passes (with the page faults per page), sampled_metric from their
// median samples.
static void report_passes(int heap_mib, const struct pass_times *t, size_t pages,
                          const char *per_page_metric, const char *sampled_metric)
{
    if (t->n == 0 || pages == 0) {
        return;
    }
    for (int i = 0; i < t->n; i++) {
        samples[i] = t->whole[i];
    }
    report(heap_mib, per_page_metric, t->n, pages,
           (int64_t)(t->faults * 100 / ((uint64_t)t->n * pages)));
    for (int i = 0; i < t->n; i++) {
        samples[i] = t->sampled[i];
    }
    report(heap_mib, sampled_metric, t->n, FAULT_SAMPLE_PAGES, -1);
}

// Static: the user stack is too small for several of these.
static struct pass_times reuse_times, cow_times, zero_fault_times, zero_times, copy_times;
static struct pass_times child_times;  // measure_cow_write's child's one pass

// ---------------------------------------------------------------------------
// The measurements.

static int64_t fork_or_fail(void)
{
    int64_t pid = fb_fork();
    if (pid < 0) {
        fail("fork failed");
    }
    return pid;
}

static void wait_for(int64_t pid)
{
    int status = -1;
    if (fb_wait(pid, &status) != pid) {
        fail("wait failed");
    } else if (status != 0) {
        fail("a child did not exit with status 0");
    }
}

// Forks over and over. Before each fork the parent writes its whole heap
// again. From the second repetition on, that pass finds every page still
// shared with a child that has exited since: the parent is the last sharer,
// and each first write is a copy-on-write fault that needs no copy (with
// eager fork, a plain write). Those passes are timed too (cow_reuse_*).
static void measure_fork(int heap_mib, int reps)
{
    int n = 0;
    start_passes(&reuse_times);
    for (int r = 0; r < reps && !failed; r++) {
        if (r == 0) {
            touch(heap, heap_pages, (char)r);
        } else {
            prepare_samples();
            timed_pass(&reuse_times, PASS_TOUCH, heap, heap, heap_pages, (char)r);
        }
        uint64_t t0 = rdtsc();
        int64_t pid = fork_or_fail();
        if (pid == 0) {
            fb_exit(0);
        }
        if (pid < 0) {
            return;
        }
        wait_for(pid);
        samples[n++] = rdtsc() - t0;
    }
    if (n > 0) {
        report(heap_mib, "fork_exit_wait_ns", n, 1, -1);
    }
    report_passes(heap_mib, &reuse_times, heap_pages, "cow_reuse_per_page_ns",
                  "cow_reuse_sampled_ns");
}

// What the child of measure_cow_write sends its parent.
struct cow_result {
    uint64_t whole;
    uint64_t sampled;
    uint64_t faults;
};

// After each fork the child writes one byte to every heap page: each write
// is a copy-on-write fault that copies (with eager fork, a plain write).
static void measure_cow_write(int heap_mib, int reps)
{
    if (heap_pages == 0) {
        return;
    }
    start_passes(&cow_times);
    for (int r = 0; r < reps && !failed; r++) {
        touch(heap, heap_pages, (char)r);
        int fds[2];
        if (fb_pipe(fds) < 0) {
            fail("pipe failed");
            return;
        }
        int64_t pid = fork_or_fail();
        if (pid == 0) {
            fb_close(fds[0]);
            prepare_samples();
            start_passes(&child_times);
            timed_pass(&child_times, PASS_TOUCH, heap, heap, heap_pages, (char)(r + 1));
            struct cow_result res = {child_times.whole[0], child_times.sampled[0],
                                     child_times.faults};
            fb_exit(fb_write(fds[1], &res, sizeof(res)) == (int64_t)sizeof(res) ? 0 : 1);
        }
        fb_close(fds[1]);
        if (pid < 0) {
            fb_close(fds[0]);
            return;
        }
        struct cow_result res;
        uint64_t got = 0;
        while (got < sizeof(res)) {
            int64_t k = fb_read(fds[0], (char *)&res + got, sizeof(res) - got);
            if (k <= 0) {
                break;
            }
            got += (uint64_t)k;
        }
        fb_close(fds[0]);
        wait_for(pid);
        if (got != sizeof(res)) {
            fail("the child's figures did not arrive through the pipe");
            return;
        }
        cow_times.whole[cow_times.n] = res.whole;
        cow_times.sampled[cow_times.n] = res.sampled;
        cow_times.faults += res.faults;
        cow_times.n++;
    }
    report_passes(heap_mib, &cow_times, heap_pages, "cow_write_per_page_ns",
                  "cow_write_sampled_ns");
}

// Grows the heap by as much again and writes one byte to each new page:
// demand-zero faults. Then, while those pages are still there, the floors
// over the same memory: each new page zeroed, and the heap copied into
// them, page by page. Unlike the warm floor's few pages over and over,
// these pages were last touched a whole heap ago, like the pages a fault
// zeroes or copies.
static void measure_demand_zero(int heap_mib, int reps)
{
    size_t pages = heap_pages;
    if (pages == 0) {
        return;
    }
    start_passes(&zero_fault_times);
    start_passes(&zero_times);
    start_passes(&copy_times);
    prepare_samples();
    for (int r = 0; r < reps && !failed; r++) {
        char *p;
        if (!grow((int64_t)(pages * PAGE_SIZE), &p)) {
            return;
        }
        timed_pass(&zero_fault_times, PASS_TOUCH, p, p, pages, 1);
        timed_pass(&zero_times, PASS_ZERO, p, p, pages, 0);
        timed_pass(&copy_times, PASS_COPY, p, heap, pages, 0);
        if (!grow(-(int64_t)(pages * PAGE_SIZE), NULL)) {
            return;
        }
    }
    report_passes(heap_mib, &zero_fault_times, pages, "demand_zero_per_page_ns",
                  "demand_zero_sampled_ns");
    report_passes(heap_mib, &zero_times, pages, "heap_zero_per_page_ns", "heap_zero_sampled_ns");
    report_passes(heap_mib, &copy_times, pages, "heap_copy_per_page_ns", "heap_copy_sampled_ns");
}

static void measure_sbrk_touch(int reps)
{
    int n = reps > SBRK_REPS ? reps : SBRK_REPS;
    uint64_t f0 = fb_page_faults();
    for (int r = 0; r < n; r++) {
        uint64_t t0 = rdtsc();
        char *p;
        if (!grow(PAGE_SIZE, &p)) {
            return;
        }
        *(volatile char *)p = 1;
        samples[r] = rdtsc() - t0;
    }
    uint64_t faults = fb_page_faults() - f0;
    if (grow(-(int64_t)n * PAGE_SIZE, NULL)) {
        report(-1, "sbrk_page_touch_ns", n, 1, (int64_t)(faults * 100 / (uint64_t)n));
    }
}

static void measure_getpid(int reps)
{
    int64_t pid = fb_getpid();
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = rdtsc();
        for (int i = 0; i < GETPID_BATCH; i++) {
            if (fb_getpid() != pid) {
                fail("getpid changed");
            }
        }
        samples[r] = rdtsc() - t0;
    }
    report(-1, "getpid_ns", reps, GETPID_BATCH, -1);
}

// The warm floor: FLOOR_PAGES pages, copied and zeroed over and over.
static uint64_t floor_src[FLOOR_PAGES * PAGE_SIZE / 8] __attribute__((aligned(4096)));
static uint64_t floor_dst[FLOOR_PAGES * PAGE_SIZE / 8] __attribute__((aligned(4096)));

static void measure_floor(int reps)
{
    const size_t words = PAGE_SIZE / 8;
    for (size_t i = 0; i < FLOOR_PAGES * words; i++) {  // fault everything in
        floor_src[i] = i;
        floor_dst[i] = 0;
    }
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = rdtsc();
        for (size_t p = 0; p < FLOOR_PAGES; p++) {
            copy_page_words(&floor_dst[p * words], &floor_src[p * words]);
        }
        samples[r] = rdtsc() - t0;
    }
    report(-1, "page_copy_ns", reps, FLOOR_PAGES, -1);
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = rdtsc();
        for (size_t p = 0; p < FLOOR_PAGES; p++) {
            zero_page_words(&floor_dst[p * words]);
        }
        samples[r] = rdtsc() - t0;
    }
    report(-1, "page_zero_ns", reps, FLOOR_PAGES, -1);
}

// ---------------------------------------------------------------------------
// Rounds, each checked for free pages.

static uint64_t round_start;

static void begin_round(void)
{
    if (!fb_free_pages(&round_start)) {
        round_start = UINT64_MAX;
    }
}

// Prints the round's free pages (heap_mib < 0: the round of size-independent
// figures) and checks them, except after the warm-up.
static void end_round(int heap_mib, bool warmup)
{
    uint64_t end;
    if (line_quiet || round_start == UINT64_MAX || !fb_free_pages(&end)) {
        return;
    }
    begin_line();
    if (warmup) {
        put(" round=warmup");
    } else if (heap_mib >= 0) {
        put(" heap_mib=");
        put_u64((uint64_t)heap_mib);
    } else {
        put(" round=fixed");
    }
    put(" metric=free_pages start=");
    put_u64(round_start);
    put(" end=");
    put_u64(end);
    if (!warmup) {
        put(end == round_start ? " ok=yes" : " ok=no");
    }
    line_end();
    if (!warmup && end != round_start) {
        fail("free pages did not return to the start of the round");
    }
}

static void heap_round(int heap_mib, int reps)
{
    begin_round();
    heap_pages = (size_t)heap_mib * MIB / PAGE_SIZE;
    if (!grow((int64_t)(heap_pages * PAGE_SIZE), NULL)) {
        return;
    }
    touch(heap, heap_pages, 1);
    measure_fork(heap_mib, reps);
    measure_cow_write(heap_mib, reps);
    measure_demand_zero(heap_mib, reps);
    if (!grow(-(int64_t)(heap_pages * PAGE_SIZE), NULL)) {
        return;
    }
    heap_pages = 0;
    end_round(heap_mib, false);
}

// Runs every measurement, unreported, before the first round (the heap's
// with two repetitions: measure_fork times its pass from the second on): the
// program's own pages (stack, bss) get their first faults, and kernel caches
// fill. (The heap's page tables go with its pages when it shrinks, so each
// round pays for its own.) After that, a round that does not end with the
// free page count it started with has leaked.
static void warm_up(int max_mib, int reps)
{
    begin_round();
    size_t reach = 2 * (size_t)max_mib * MIB / PAGE_SIZE;  // heap + demand-zero region
    size_t sbrk_reach = (size_t)(reps > SBRK_REPS ? reps : SBRK_REPS);
    reach = reach > sbrk_reach ? reach : sbrk_reach;
    char *p;
    if (!grow((int64_t)(reach * PAGE_SIZE), &p)) {
        return;
    }
    touch(p, reach, 1);
    if (!grow(-(int64_t)(reach * PAGE_SIZE), NULL)) {
        return;
    }
    // The warm-up's repetitions fill the tables only so far: write them
    // whole, so that no later round is the first to touch a page of them.
    write_zeros(samples, sizeof(samples));
    struct pass_times *tables[] = {&reuse_times, &cow_times, &zero_fault_times, &zero_times,
                                   &copy_times};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        write_zeros(tables[i], sizeof(*tables[i]));
    }
    uint64_t start = round_start;
    line_quiet = true;
    heap_round(max_mib, 2);
    measure_sbrk_touch(1);
    measure_getpid(1);
    measure_floor(1);
    line_quiet = false;
    round_start = start;
    end_round(-1, true);
}

// ---------------------------------------------------------------------------
// Arguments.

// Parses a decimal number ending at a ',' or the end; advances *s.
static bool parse_number(const char **s, int *out, int max)
{
    const char *p = *s;
    int v = 0;
    if (*p < '0' || *p > '9') {
        return false;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > max) {
            return false;
        }
    }
    if (*p != ',' && *p != '\0') {
        return false;
    }
    *s = p;
    *out = v;
    return true;
}

static void usage_error(const char *arg)
{
    line_start();
    put("forkbench: bad argument '");
    put(arg);
    put("'; usage: forkbench [--sizes=MIB,MIB,...] [--reps=N]");
    line_end();
}

int main(int argc, char **argv)
{
    int sizes[MAX_SIZES] = {0, 4, 16, 64};
    int num_sizes = 4;
    int reps = 20;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (starts_with(argv[i], "--sizes=", &v)) {
            num_sizes = 0;
            while (num_sizes < MAX_SIZES && parse_number(&v, &sizes[num_sizes], MAX_HEAP_MIB)) {
                num_sizes++;
                if (*v == '\0') {
                    break;
                }
                v++;
            }
            if (*v != '\0' || num_sizes == 0) {
                usage_error(argv[i]);
                return 2;
            }
        } else if (starts_with(argv[i], "--reps=", &v)) {
            if (!parse_number(&v, &reps, MAX_REPS) || *v != '\0' || reps < 1) {
                usage_error(argv[i]);
                return 2;
            }
        } else {
            usage_error(argv[i]);
            return 2;
        }
    }

    if (!fb_os_init()) {
        return 1;
    }
    fork_mode = fb_fork_mode();
    tsc_hz = fb_tsc_per_second();
    begin_line();
    put(" metric=tsc_hz value=");
    put_u64(tsc_hz);
    put(" reps=");
    put_u64((uint64_t)reps);
    line_end();
    if (tsc_hz == 0) {
        fail("no TSC rate");
        return 1;
    }

    // The heap starts at the current break, rounded up to a page.
    char *brk = fb_sbrk(0);
    if (fb_sbrk_failed(brk)) {
        fail("sbrk(0) failed");
        return 1;
    }
    size_t misalign = (uintptr_t)brk % PAGE_SIZE;
    if (misalign != 0 && !grow((int64_t)(PAGE_SIZE - misalign), NULL)) {
        return 1;
    }
    heap = fb_sbrk(0);

    int max_mib = 0;
    for (int i = 0; i < num_sizes; i++) {
        max_mib = sizes[i] > max_mib ? sizes[i] : max_mib;
    }
    warm_up(max_mib, reps);
    for (int i = 0; i < num_sizes && !failed; i++) {
        heap_round(sizes[i], reps);
    }
    if (!failed) {
        begin_round();
        measure_sbrk_touch(reps);
        measure_getpid(reps);
        measure_floor(reps);
        end_round(-1, false);
    }
    if (!failed && fb_sbrk(0) != heap) {
        fail("the break did not return to where it started");
    }

    begin_line();
    if (failed) {
        put(" result=FAIL (");
        put(failure);
        put(")");
    } else {
        put(" result=pass");
    }
    line_end();
    return failed ? 1 : 0;
}
