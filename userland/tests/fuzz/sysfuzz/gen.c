// Generators of the fuzzed calls' arguments (gen.h). Each mixes values
// that work with edge cases and values that must fail.

#include "userland/tests/fuzz/sysfuzz/gen.h"

#include <osv.h>
#include <string.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/initrd_files.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

struct uptr gen_ptr(uint64_t want)
{
    uint64_t k = 1 + below(want > 1 ? (want < 4096 ? want - 1 : 4095) : 1);
    uint64_t top = heap_top();
    switch (below(22)) {
    case 0:
        return at(0, "NULL");
    case 1:
        return at(1 + below(USER_REGION_MIN - 1), "below the image");
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
        return at(USTACK_UPPERBOUND + below(PAGE_SIZE), "the top page");
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
        return at((uint64_t)(uintptr_t)scratch + below(2 * PAGE_SIZE), "data");
    case 13:
        return at((uint64_t)(uintptr_t)stack_scratch + below(256), "stack");
    case 14:
        return at(STACK_LO + below(PAGE_SIZE), "stack, lazy");
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
        return at(USTACK_UPPERBOUND - (1 + below(64)), "stack top, runs off");
    case 18:
        return at(USTACK_UPPERBOUND - (1 + below(64)), "stack top, runs off");
    case 19:
        return at(UINT64_MAX - below(64), "wraps");
    case 20:
        return at(top + PAGE_SIZE * below(4), "just above the heap");
    default:
        return at((uint64_t)(uintptr_t)scratch + 1 + 2 * below(100), "data, unaligned");
    }
}

uint64_t gen_size(void)
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
        return below(3 * PAGE_SIZE);
    }
    return sizes[below(sizeof sizes / sizeof sizes[0])];
}

// Bytes at p up to a NUL, as the kernel's copyinstr sees them: 0 and *len
// (a string of *len bytes), ERR_TOOLONG (no NUL in max bytes) or ERR_FAULT
// (the memory ends first). Reads our own memory where the model says it

uint64_t gen_fd(void)
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

struct uptr gen_path(void)
{
    static const char *const extras[] = {
        "/",        "",        "nonexistent", "sysfuzz/",    "//sysfuzz",
        "/sysfuzz", "SYSFUZZ", "notelf.txt",  "/notelf.txt", "sysfuzz ",
    };
    char *buf = scratch + 2 * PAGE_SIZE + below(64);
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

uint64_t absent_pid(void)
{
    if (num_reaped > 0 && chance(40)) {
        return (uint64_t)reaped_pids[below(num_reaped < REAPED_MAX ? num_reaped : REAPED_MAX)];
    }
    static const int64_t odd[] = {0, -1, -2, INT32_MIN, INT32_MAX, -100};
    return chance(50) ? (uint64_t)odd[below(6)] : 0x7fff0000ull + below(0xffff);
}
