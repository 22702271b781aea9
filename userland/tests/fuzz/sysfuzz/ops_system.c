// The calls about the process and the system as a whole, and sbrk (ops.h).

#include "userland/tests/fuzz/sysfuzz/ops.h"

#include <osv.h>
#include <string.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

// The rate sysinfo must report: TIMER_HZ (kernel/timer.h), which no ABI
// header carries.
#define TICKS_PER_SECOND 100

// The last ticks() this worker saw: the clock never goes back.
static uint64_t last_ticks;

void op_nosys(void)
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

void op_ids(void)
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

void op_shutdown(void)
{
    struct call c = {.nr = SYS_SHUTDOWN,
                     .a = {chance(50) ? below(2) : rnd(), junk(), junk(), junk(), junk(), junk()},
                     .note = "not init"};
    verify(&c, issue(&c), ex_err(ERR_PERM));
}

void op_sleep(void)
{
    struct call c = {.nr = SYS_SLEEP, .a = {below(3), junk(), junk(), junk(), junk(), junk()}};
    verify(&c, issue(&c), ex_val(0));
}

void op_sysinfo(void)
{
    struct uptr p = gen_ptr(sizeof(struct osv_sysinfo));
    struct call c = {
        .nr = SYS_SYSINFO, .a = {p.addr, junk(), junk(), junk(), junk(), junk()}, .note = p.kind};
    bool fits = p.wr >= sizeof(struct osv_sysinfo);
    if (verify(&c, issue(&c), fits ? ex_val(0) : ex_err(ERR_FAULT)) && fits) {
        struct osv_sysinfo info;
        memcpy(&info, (const void *)(uintptr_t)p.addr, sizeof info);
        expect_true(info.free_pages <= info.total_pages &&
                        info.ticks_per_second == TICKS_PER_SECOND && info.proc_pages_mapped > 0,
                    "sysinfo's figures are consistent", info.free_pages);
    }
}

bool model_sbrk(int64_t inc, const char *note)
{
    struct call c = {
        .nr = SYS_SBRK, .a = {(uint64_t)inc, junk(), junk(), junk(), junk(), junk()}, .note = note};
    uint64_t old = brk_now, next = old;
    bool fails = false;
    if (inc > 0) {
        uint64_t up = (uint64_t)inc;
        fails = up > USTACK_UPPERBOUND - old || pg_round_up(old + up) > HEAP_LIMIT;
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
    uint64_t old_top = pg_round_up(old);
    brk_now = next;
    if (pg_round_up(next) > old_top) {
        // The first and the last (maybe the same): check both, then mark.
        volatile uint64_t *w[2];
        uint64_t pages[2] = {old_top, pg_round_up(next) - PAGE_SIZE};
        for (int i = 0; i < 2; i++) {
            w[i] = (volatile uint64_t *)(uintptr_t)(pages[i] + 8 * below(512));
            expect_true(*w[i] == 0, "a page the heap gained reads as zero",
                        (uint64_t)(uintptr_t)w[i]);
        }
        *w[0] = *w[1] = 0x5a5a5a5a5a5a5a5aull;
    }
    return next != old;
}

void op_sbrk(void)
{
    int64_t inc;
    uint64_t used = brk_now - heap_start;
    switch (below(12)) {
    case 0:
        inc = 0;
        break;
    case 1:
    case 2:
        inc = (int64_t)(PAGE_SIZE * (1 + below(4)));
        break;
    case 3:
        inc = (int64_t)(1 + below(6000));
        break;
    case 4:
        inc = -(int64_t)(1 + below(used + 2));
        break;
    case 5:
        inc = -(int64_t)(PAGE_SIZE * (1 + below(3)));
        break;
    case 6:
        inc = -(int64_t)used - (int64_t)below(2);  // exactly back to the start, or one past
        break;
    case 7:
        inc = (int64_t)(1ull << (30 + below(17)));  // 1 GiB .. 64 TiB: lazy, fits
        break;
    case 8:
        inc =
            (int64_t)(HEAP_LIMIT - heap_top()) + (int64_t)below(2 * PAGE_SIZE) - (int64_t)PAGE_SIZE;
        break;
    case 9: {
        static const int64_t huge[] = {INT64_MAX,    INT64_MIN, 1ll << 47,
                                       -(1ll << 47), 1ll << 62, -(1ll << 62)};
        inc = huge[below(sizeof huge / sizeof huge[0])];
        break;
    }
    case 10:
        inc = (int64_t)(USTACK_UPPERBOUND - brk_now) + (int64_t)below(3) - 1;
        break;
    default:
        inc = (int64_t)rnd();
        break;
    }
    model_sbrk(inc, "sbrk");
}
