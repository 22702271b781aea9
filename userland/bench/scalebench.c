// scalebench: fork and page-fault throughput with several processes at once,
// measured from inside a guest, the same way on osv and on Linux.
//
//   scalebench [--workers=N] [--reps=R] [--phase-ms=T] [--fork-kib=S]
//              [--round-kib=H] [--phases=fork,cow_write,demand_zero]
//
// The parent starts N worker processes (default 1, at most 8), which run the
// same work side by side, in three phases (or those --phases names, in this
// order) of T milliseconds each (default 500), R times over (default 3). A
// phase ends at one deadline for all workers, so they run side by side for
// its whole length; each counts the operations it completes until then (the
// last one may end a little past it, and a worker that started late does one
// all the same):
//   fork         fork, the child exits at once, the worker's wait returns.
//                The worker's heap is S KiB (default 256), written once
//                before the first phase. One operation: fork + exit + wait.
//   cow_write    rounds of: the worker forks a child that only waits (it
//                reads a pipe until the worker closes it), writes one byte
//                in every page of an H KiB heap (default 1024) it wrote
//                before the phase, then lets the child go and waits for it.
//                Every write is a copy-on-write fault that copies, since the
//                child still shares the page. One operation: one page
//                written. Only the writes are timed.
//   demand_zero  rounds of: sbrk(+H KiB), the first write to each page (timed;
//                one operation per page), sbrk(-H KiB).
//
// The workers start each phase together. Before a phase each worker sends
// a "ready" record up a pipe that all of them share; once all N are in, the
// parent writes the phase's deadline (a time-stamp counter value, T ms
// ahead) into each worker's own "go" pipe (one pipe each, so that no worker
// can take another's start). A worker notes the time when its start arrives
// and when it has finished, and sends its figures up the shared pipe.
// Records are far smaller than a pipe's buffer (4096 bytes on both kernels)
// and at most two per worker are ever in flight, so each write goes in whole
// and records never interleave.
//
// Output, printed by the parent, per repetition and phase: one line per
// worker, e.g.
//   scalebench os=osv workers=2 rep=1 phase=fork worker=0 ops=1700
//       ns_per_op=291034.5 cpus=0,1 migrations=3
// (ns_per_op: its timed nanoseconds over its operations; cpus: the CPUs its
// getcpu samples named, one sample when the phase starts and one after every
// fork or round; migrations: how often two samples in a row differed), then
// the phase's line:
//   scalebench os=osv workers=2 rep=1 phase=fork ops=3400 ns_per_op=..
//       ops_per_s=.. wall_ops_per_s=.. overlap_pct=.. cpus=0,1
//       faults_per_op=.. [tlb_shootdowns=.. tlb_shootdown_ipis=..]
// where
//   ns_per_op       the median worker's ns_per_op: what one operation costs a
//                   process while the others run;
//   ops_per_s       the sum over the workers of their operations per timed
//                   second: the machine's throughput while they all run
//                   (the aggregate figure the driver compares);
//   wall_ops_per_s  all operations over the phase's wall time, from the first
//                   worker's start to the last one's end, untimed parts of
//                   the rounds (the cow_write child's fork and exit, sbrk)
//                   included;
//   overlap_pct     the share of that wall time during which every worker
//                   was inside the phase (from the last start to the first
//                   end): near 100 when they truly ran side by side;
//   faults_per_op   page faults the workers took in their timed parts, per
//                   operation: 1.00 in the fault phases (a check that they
//                   measured faults), the worker's own copy-on-write faults
//                   (stack, data) after each fork in the fork phase;
//   tlb_shootdown*  (osv) rounds of TLB flushes that reached other CPUs
//                   during the phase, and the interrupts they sent.
// Before the measured workers, a warm-up set of workers runs every phase once,
// briefly, unreported. On osv the free pages after the measured workers have
// exited must equal those after the warm-up workers had:
//   scalebench os=osv workers=2 metric=free_pages before=.. after=.. ok=yes
// The last line is "scalebench os=.. workers=N result=pass" or "result=FAIL
// (why)"; the exit status is 0 on pass.
//
// Correctness criteria, checked as it runs:
//   1. every fork, wait, pipe and sbrk succeeds; every child and every worker
//      exits with status 0;
//   2. every worker sends its figures for every phase;
//   3. on osv, no page is left behind (free pages, above).
//
// Timing: rdtsc (after lfence). Every worker reads the same counter: under
// QEMU's TCG each virtual CPU's time-stamp counter is the host's; on real
// machines with an invariant TSC the counters are synchronised. Integer
// arithmetic only (user programs are built without floating point).

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userland/bench/benchlib.h"
#include "userland/bench/forkbench_os.h"

#define PAGE_SIZE   4096u
#define KIB         1024u
#define MAX_WORKERS 8
#define MAX_REPS    20

enum phase { PHASE_FORK, PHASE_COW_WRITE, PHASE_DEMAND_ZERO, PHASE_COUNT };

static const char *const phase_names[PHASE_COUNT] = {"fork", "cow_write", "demand_zero"};

struct params {
    unsigned phases;  // bit (1 << phase) for each phase to run
    int workers;
    int reps;
    int phase_ms;
    int fork_kib;
    int round_kib;
};

// ---------------------------------------------------------------------------
// Output: each line starts with the program, the system and the number of
// workers.

static int workers_arg;  // printed on every line
static bool failed;
static const char *failure = "";

// CPU numbers of a mask, comma-separated ("-" for none).
static void put_cpus(uint64_t mask)
{
    if (mask == 0) {
        put("-");
        return;
    }
    bool first = true;
    for (unsigned cpu = 0; cpu < 64; cpu++) {
        if ((mask >> cpu & 1) != 0) {
            put(first ? "" : ",");
            put_u64(cpu);
            first = false;
        }
    }
}

static void begin_line(void)
{
    line_start();
    put("scalebench os=");
    put(fb_os_name);
    put(" workers=");
    put_u64((uint64_t)workers_arg);
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

// The TSC's rate, in cycles per second.
static uint64_t tsc_hz;

// ---------------------------------------------------------------------------
// What a worker sends up the shared pipe.

enum record_kind { RECORD_READY = 1, RECORD_RESULT, RECORD_FAILED };

struct record {
    uint32_t kind;  // enum record_kind
    uint32_t worker;
    uint32_t rep;
    uint32_t phase;  // enum phase
    uint64_t ops;
    uint64_t cycles;  // timed, over all operations
    uint64_t start;   // rdtsc when the go byte arrived
    uint64_t end;     // rdtsc when the phase's work was done
    uint64_t faults;  // page faults in the timed parts
    uint64_t cpus;    // getcpu samples, as a mask
    uint64_t migrations;
    // RECORD_FAILED: why. A string literal of this program, which the
    // parent has at the same address (a forked copy of the same image).
    const char *why;
};

static int up_fd;  // the write end, in a worker
static int go_fd;  // the worker's own go pipe, read end

// What the parent writes into a go pipe: the phase's deadline.
struct go {
    uint64_t deadline;  // rdtsc value
};

static bool send(const struct record *r)
{
    return fb_write(up_fd, r, sizeof(*r)) == (int64_t)sizeof(*r);
}

static bool read_full(int fd, void *buf, uint64_t n)
{
    uint64_t got = 0;
    while (got < n) {
        int64_t k = fb_read(fd, (char *)buf + got, n - got);
        if (k <= 0) {
            return false;
        }
        got += (uint64_t)k;
    }
    return true;
}

// ---------------------------------------------------------------------------
// A worker.

static char *heap;  // the break when the workers started (page-aligned)

// What a worker writes as it goes, in one place: after each fork the worker
// takes a copy-on-write fault on the page that holds it (and on its stack),
// the same number of faults on both kernels whatever their layout.
static struct {
    struct record rec;  // being filled
    int64_t last_cpu;   // the previous getcpu sample, -1 for none
} mine __attribute__((aligned(256)));

static void sample_cpu(void)
{
    int64_t cpu = fb_getcpu();
    if (cpu < 0 || cpu >= 64) {
        return;
    }
    mine.rec.cpus |= (uint64_t)1 << cpu;
    if (mine.last_cpu >= 0 && cpu != mine.last_cpu) {
        mine.rec.migrations++;
    }
    mine.last_cpu = cpu;
}

// Sends RECORD_FAILED and ends the worker.
static _Noreturn void worker_fail(const char *why)
{
    mine.rec.kind = RECORD_FAILED;
    mine.rec.why = why;
    (void)send(&mine.rec);
    fb_exit(1);
}

static void wait_child(int64_t pid)
{
    int status = -1;
    if (fb_wait(pid, &status) != pid) {
        worker_fail("wait failed");
    }
    if (status != 0) {
        worker_fail("a child did not exit with status 0");
    }
}

static char *grow(int64_t bytes)
{
    char *old = fb_sbrk(bytes);
    if (fb_sbrk_failed(old)) {
        worker_fail("sbrk failed");
    }
    return old;
}

static void run_fork(uint64_t deadline)
{
    do {
        uint64_t f0 = fb_page_faults();
        uint64_t t0 = rdtsc();
        int64_t pid = fb_fork();
        if (pid == 0) {
            fb_exit(0);
        }
        if (pid < 0) {
            worker_fail("fork failed");
        }
        wait_child(pid);
        mine.rec.cycles += rdtsc() - t0;
        mine.rec.faults += fb_page_faults() - f0;
        mine.rec.ops++;
        sample_cpu();
    } while (rdtsc() < deadline);
}

// The child of a cow_write round: holds the heap's pages until the worker
// closes the pipe.
static _Noreturn void hold(int fds[2])
{
    fb_close(fds[1]);
    char c;
    while (fb_read(fds[0], &c, 1) > 0) {
    }
    fb_exit(0);
}

static void run_cow_write(uint64_t deadline, char *cow_heap, size_t pages)
{
    int r = 0;
    do {
        int fds[2];
        if (fb_pipe(fds) < 0) {
            worker_fail("pipe failed");
        }
        int64_t pid = fb_fork();
        if (pid == 0) {
            hold(fds);
        }
        fb_close(fds[0]);
        if (pid < 0) {
            worker_fail("fork failed");
        }
        uint64_t f0 = fb_page_faults();
        uint64_t t0 = rdtsc();
        touch(cow_heap, pages, (char)(r++ + 2));
        mine.rec.cycles += rdtsc() - t0;
        mine.rec.faults += fb_page_faults() - f0;
        mine.rec.ops += pages;
        fb_close(fds[1]);
        wait_child(pid);
        sample_cpu();
    } while (rdtsc() < deadline);
}

static void run_demand_zero(uint64_t deadline, size_t pages)
{
    do {
        char *fresh = grow((int64_t)(pages * PAGE_SIZE));
        uint64_t f0 = fb_page_faults();
        uint64_t t0 = rdtsc();
        touch(fresh, pages, 1);
        mine.rec.cycles += rdtsc() - t0;
        mine.rec.faults += fb_page_faults() - f0;
        mine.rec.ops += pages;
        (void)grow(-(int64_t)(pages * PAGE_SIZE));
        sample_cpu();
    } while (rdtsc() < deadline);
}

static _Noreturn void worker(int id, const struct params *p)
{
    struct record *rec = &mine.rec;
    *rec = (struct record){.worker = (uint32_t)id};
    size_t fork_pages = ((size_t)p->fork_kib * KIB + PAGE_SIZE - 1) / PAGE_SIZE;
    size_t heap_pages = ((size_t)p->round_kib * KIB + PAGE_SIZE - 1) / PAGE_SIZE;
    touch(grow((int64_t)(fork_pages * PAGE_SIZE)), fork_pages, 1);

    for (int rep = 0; rep < p->reps; rep++) {
        for (int phase = 0; phase < PHASE_COUNT; phase++) {
            if ((p->phases >> phase & 1) == 0) {
                continue;
            }
            *rec = (struct record){
                .kind = RECORD_READY,
                .worker = (uint32_t)id,
                .rep = (uint32_t)rep,
                .phase = (uint32_t)phase,
            };
            char *cow_heap = NULL;
            if (phase == PHASE_COW_WRITE) {
                cow_heap = grow((int64_t)(heap_pages * PAGE_SIZE));
                touch(cow_heap, heap_pages, 1);
            }
            if (!send(rec)) {
                fb_exit(1);
            }
            struct go go;
            if (!read_full(go_fd, &go, sizeof(go))) {
                fb_exit(0);  // the parent gave up: another worker failed
            }
            rec->start = rdtsc();
            mine.last_cpu = -1;
            sample_cpu();
            switch (phase) {
            case PHASE_FORK:
                run_fork(go.deadline);
                break;
            case PHASE_COW_WRITE:
                run_cow_write(go.deadline, cow_heap, heap_pages);
                break;
            default:
                run_demand_zero(go.deadline, heap_pages);
                break;
            }
            rec->end = rdtsc();
            rec->kind = RECORD_RESULT;
            if (cow_heap != NULL) {
                (void)grow(-(int64_t)(heap_pages * PAGE_SIZE));
            }
            if (!send(rec)) {
                fb_exit(1);
            }
        }
    }
    fb_exit(0);
}

// ---------------------------------------------------------------------------
// The parent: starts the workers, lets each phase go, collects and prints.

static struct record results[MAX_REPS][PHASE_COUNT][MAX_WORKERS];
static int readies[MAX_REPS][PHASE_COUNT];
static int dones[MAX_REPS][PHASE_COUNT];

// Reads one record and files it. False when the pipe broke or a worker
// failed (after saying so).
static bool collect_one(int up)
{
    struct record r;
    if (!read_full(up, &r, sizeof(r))) {
        fail("a worker's pipe ended early");
        return false;
    }
    if (r.kind == RECORD_FAILED) {
        fail(r.why != NULL ? r.why : "a worker failed");
        return false;
    }
    if (r.worker >= MAX_WORKERS || r.rep >= MAX_REPS || r.phase >= PHASE_COUNT) {
        fail("a worker sent a record that makes no sense");
        return false;
    }
    if (r.kind == RECORD_READY) {
        readies[r.rep][r.phase]++;
    } else {
        results[r.rep][r.phase][r.worker] = r;
        dones[r.rep][r.phase]++;
    }
    return true;
}

static void print_phase(const struct params *p, int rep, int phase, uint64_t shootdowns,
                        uint64_t ipis, bool counted)
{
    uint64_t per_op[MAX_WORKERS];
    uint64_t ops = 0, rate = 0, faults = 0, cpus = 0;
    uint64_t first_start = UINT64_MAX, last_start = 0, first_end = UINT64_MAX, last_end = 0;
    for (int w = 0; w < p->workers; w++) {
        const struct record *r = &results[rep][phase][w];
        // Tenths of a nanosecond per operation.
        per_op[w] = muldiv(r->cycles, 10000000000ull, tsc_hz * (r->ops == 0 ? 1 : r->ops));
        ops += r->ops;
        rate += muldiv(r->ops, tsc_hz, r->cycles);
        faults += r->faults;
        cpus |= r->cpus;
        first_start = r->start < first_start ? r->start : first_start;
        last_start = r->start > last_start ? r->start : last_start;
        first_end = r->end < first_end ? r->end : first_end;
        last_end = r->end > last_end ? r->end : last_end;

        begin_line();
        put(" rep=");
        put_u64((uint64_t)rep + 1);
        put(" phase=");
        put(phase_names[phase]);
        put(" worker=");
        put_u64((uint64_t)w);
        put(" ops=");
        put_u64(r->ops);
        put(" ns_per_op=");
        put_fixed(per_op[w], 1);
        put(" cpus=");
        put_cpus(r->cpus);
        put(" migrations=");
        put_u64(r->migrations);
        line_end();
    }
    sort_u64(per_op, p->workers);
    uint64_t wall = last_end - first_start;
    uint64_t overlap = first_end > last_start ? first_end - last_start : 0;
    begin_line();
    put(" rep=");
    put_u64((uint64_t)rep + 1);
    put(" phase=");
    put(phase_names[phase]);
    put(" ops=");
    put_u64(ops);
    put(" ns_per_op=");
    put_fixed((per_op[(p->workers - 1) / 2] + per_op[p->workers / 2]) / 2, 1);
    put(" ops_per_s=");
    put_u64(rate);
    put(" wall_ops_per_s=");
    put_u64(muldiv(ops, tsc_hz, wall));
    put(" overlap_pct=");
    put_u64(muldiv(overlap, 100, wall));
    put(" cpus=");
    put_cpus(cpus);
    put(" faults_per_op=");
    put_fixed(muldiv(faults, 100, ops == 0 ? 1 : ops), 2);
    if (counted) {
        put(" tlb_shootdowns=");
        put_u64(shootdowns);
        put(" tlb_shootdown_ipis=");
        put_u64(ipis);
    }
    line_end();
}

// Runs one set of workers through every phase, p->reps times; prints the
// figures unless `line_quiet` is set. Returns false on failure (after saying
// why, even when line_quiet).
static bool run_workers(const struct params *p)
{
    // All of the tables, whatever p->reps: the warm-up then touches every
    // page of them, and the measured run's free pages are not short by the
    // pages its later repetitions would fault in.
    for (int rep = 0; rep < MAX_REPS; rep++) {
        for (int phase = 0; phase < PHASE_COUNT; phase++) {
            readies[rep][phase] = 0;
            dones[rep][phase] = 0;
            for (int w = 0; w < MAX_WORKERS; w++) {
                results[rep][phase][w] = (struct record){0};
            }
        }
    }
    int up[2];
    if (fb_pipe(up) < 0) {
        fail("pipe failed");
        return false;
    }
    int go[MAX_WORKERS];
    int64_t pids[MAX_WORKERS];
    int started = 0;
    for (; started < p->workers; started++) {
        int fds[2];
        if (fb_pipe(fds) < 0) {
            fail("pipe failed (too many open files?)");
            break;
        }
        int64_t pid = fb_fork();
        if (pid == 0) {
            // Keep the shared write end and this worker's own read end.
            fb_close(up[0]);
            fb_close(fds[1]);
            for (int w = 0; w < started; w++) {
                fb_close(go[w]);
            }
            up_fd = up[1];
            go_fd = fds[0];
            worker(started, p);
        }
        fb_close(fds[0]);
        if (pid < 0) {
            fb_close(fds[1]);
            fail("fork failed");
            break;
        }
        go[started] = fds[1];
        pids[started] = pid;
    }
    fb_close(up[1]);

    bool ok = started == p->workers;
    for (int rep = 0; rep < p->reps && ok; rep++) {
        for (int phase = 0; phase < PHASE_COUNT && ok; phase++) {
            if ((p->phases >> phase & 1) == 0) {
                continue;
            }
            while (ok && readies[rep][phase] < p->workers) {
                ok = collect_one(up[0]);
            }
            uint64_t sd0 = 0, ipi0 = 0, sd1 = 0, ipi1 = 0;
            bool counted = fb_tlb_shootdowns(&sd0, &ipi0);
            struct go start = {.deadline = rdtsc() + muldiv((uint64_t)p->phase_ms, tsc_hz, 1000)};
            for (int w = 0; w < p->workers && ok; w++) {
                if (fb_write(go[w], &start, sizeof(start)) != (int64_t)sizeof(start)) {
                    fail("could not start a worker");
                    ok = false;
                }
            }
            while (ok && dones[rep][phase] < p->workers) {
                ok = collect_one(up[0]);
            }
            counted = counted && fb_tlb_shootdowns(&sd1, &ipi1);
            if (ok) {
                print_phase(p, rep, phase, sd1 - sd0, ipi1 - ipi0, counted);
            }
        }
    }
    // Closing the go pipes ends whichever workers still wait for a start.
    for (int w = 0; w < started; w++) {
        fb_close(go[w]);
    }
    fb_close(up[0]);
    for (int w = 0; w < started; w++) {
        int status = -1;
        if (fb_wait(pids[w], &status) != pids[w]) {
            fail("wait for a worker failed");
            ok = false;
        } else if (status != 0 && ok) {
            fail("a worker did not exit with status 0");
            ok = false;
        }
    }
    return ok;
}

// ---------------------------------------------------------------------------
// Arguments.

// A whole argument "--phases=NAME,NAME,..." naming phases (each at most once).
static bool parse_phases(const char *arg, unsigned *out)
{
    const char *v;
    if (!starts_with(arg, "--phases=", &v)) {
        return false;
    }
    unsigned phases = 0;
    while (*v != '\0') {
        int found = -1;
        const char *rest = v;
        for (int phase = 0; phase < PHASE_COUNT && found < 0; phase++) {
            if (starts_with(v, phase_names[phase], &rest) && (*rest == ',' || *rest == '\0')) {
                found = phase;
            }
        }
        if (found < 0 || (phases >> found & 1) != 0) {
            return false;
        }
        phases |= 1u << found;
        v = *rest == ',' && rest[1] != '\0' ? rest + 1 : rest;
    }
    if (phases == 0) {
        return false;
    }
    *out = phases;
    return true;
}

// A whole argument "--name=N" with min <= N <= max.
static bool parse_flag(const char *arg, const char *prefix, int min, int max, int *out)
{
    const char *v;
    if (!starts_with(arg, prefix, &v) || *v == '\0') {
        return false;
    }
    int n = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        n = n * 10 + (*v - '0');
        if (n > max) {
            return false;
        }
    }
    if (*v != '\0' || n < min) {
        return false;
    }
    *out = n;
    return true;
}

static void usage_error(const char *arg)
{
    line_start();
    put("scalebench: bad argument '");
    put(arg);
    put("'; usage: scalebench [--workers=1..8] [--reps=1..20] [--phase-ms=10..10000]"
        " [--fork-kib=0..65536] [--round-kib=4..65536] [--phases=fork,cow_write,demand_zero]");
    line_end();
}

int main(int argc, char **argv)
{
    struct params p = {
        .phases = (1u << PHASE_COUNT) - 1,
        .workers = 1,
        .reps = 3,
        .phase_ms = 500,
        .fork_kib = 256,
        .round_kib = 1024,
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!parse_flag(a, "--workers=", 1, MAX_WORKERS, &p.workers) &&
            !parse_flag(a, "--reps=", 1, MAX_REPS, &p.reps) &&
            !parse_flag(a, "--phase-ms=", 10, 10000, &p.phase_ms) &&
            !parse_flag(a, "--fork-kib=", 0, 65536, &p.fork_kib) &&
            !parse_flag(a, "--round-kib=", 4, 65536, &p.round_kib) && !parse_phases(a, &p.phases)) {
            usage_error(a);
            return 2;
        }
    }
    workers_arg = p.workers;

    if (!fb_os_init()) {
        return 1;
    }
    tsc_hz = fb_tsc_per_second();
    begin_line();
    put(" metric=tsc_hz value=");
    put_u64(tsc_hz);
    put(" reps=");
    put_u64((uint64_t)p.reps);
    put(" phase_ms=");
    put_u64((uint64_t)p.phase_ms);
    put(" fork_kib=");
    put_u64((uint64_t)p.fork_kib);
    put(" round_kib=");
    put_u64((uint64_t)p.round_kib);
    line_end();
    if (tsc_hz == 0) {
        fail("no TSC rate");
    }

    // The workers' heaps start at a page boundary.
    char *brk = fb_sbrk(0);
    if (!failed && fb_sbrk_failed(brk)) {
        fail("sbrk(0) failed");
    }
    size_t misalign = failed ? 0 : (uintptr_t)brk % PAGE_SIZE;
    if (misalign != 0 && fb_sbrk_failed(fb_sbrk((int64_t)(PAGE_SIZE - misalign)))) {
        fail("sbrk failed");
    }
    heap = fb_sbrk(0);

    // The warm-up: every phase once, briefly, by as many workers, so that
    // the kernel's caches (process slots, kernel stacks, page tables) have
    // grown to what the measured run needs before free pages are counted;
    // the parent goes through the same code as for the measured run (its
    // own stack and data pages are faulted in by then too), printing
    // nothing.
    struct params warm = p;
    warm.reps = 1;
    warm.phase_ms = p.phase_ms < 50 ? p.phase_ms : 50;
    uint64_t before = 0, after = 0;
    bool counted = false;
    line_quiet = true;
    bool warmed = !failed && run_workers(&warm);
    line_quiet = false;
    if (warmed) {
        counted = fb_free_pages(&before);
        if (run_workers(&p) && counted && fb_free_pages(&after)) {
            begin_line();
            put(" metric=free_pages before=");
            put_u64(before);
            put(" after=");
            put_u64(after);
            put(after == before ? " ok=yes" : " ok=no");
            line_end();
            if (after != before) {
                fail("free pages did not return to where they were after the warm-up");
            }
        }
    }
    if (!failed && fb_sbrk(0) != heap) {
        fail("the break moved");
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
