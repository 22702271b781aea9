#include "kernel/selftest.h"

#include <stddef.h>

#include "arch/machine.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"

// Calls a function that panics, so that the backtrace has a caller to show.
__attribute__((noinline)) static void selftest_panic(const struct boot_info *boot_info)
{
    (void)boot_info;
    panic("selftest panic: panicking on purpose");
}

struct selftest {
    const char *name;
    void (*run)(const struct boot_info *boot_info);
};

static const struct selftest selftests[] = {
    {"panic", selftest_panic},
};

#define NUM_SELFTESTS (sizeof(selftests) / sizeof(selftests[0]))

void selftest_run(const char *name, const struct boot_info *boot_info)
{
    for (size_t i = 0; i < NUM_SELFTESTS; i++) {
        if (strcmp(name, selftests[i].name) == 0) {
            kprintf("selftest %s: start\n", name);
            selftests[i].run(boot_info);
            kprintf("selftest %s: PASS\n", name);
            return;
        }
    }
    kprintf("selftest: no test named \"%s\"; known:", name);
    for (size_t i = 0; i < NUM_SELFTESTS; i++) {
        kprintf(" %s", selftests[i].name);
    }
    kprintf("\n");
    machine_shutdown(MACHINE_EXIT_FAILURE);
}
