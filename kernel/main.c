#include "kernel/main.h"

#include "arch/interrupts.h"
#include "arch/kmap.h"
#include "arch/machine.h"
#include "arch/page.h"
#include "kernel/cmdline.h"
#include "kernel/fs/initrd.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/vm_check.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/selftest/selftest.h"
#include "kernel/syscall_abi.h"

static void print_memory_map(const struct boot_info *info)
{
    uint64_t usable_bytes = 0;
    uint64_t usable_pages = 0;
    uint64_t other_bytes = 0;

    kprintf("memory map:\n");
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        paddr_t end = r->start + r->length;
        kprintf("  [0x%016lx-0x%016lx] %-16s %8lu KiB\n", r->start, end - 1,
                mem_range_type_name(r->type), r->length / 1024);
        if (r->type == MEM_USABLE) {
            usable_bytes += r->length;
            // Only whole pages inside the range can be handed out.
            paddr_t first = pg_round_up(r->start);
            paddr_t last = pg_round_down(end);
            usable_pages += last > first ? (last - first) / PAGE_SIZE : 0;
        } else {
            other_bytes += r->length;
        }
    }
    if (info->dropped_mem_ranges != 0) {
        kprintf("  (%lu more ranges ignored)\n", info->dropped_mem_ranges);
    }
    kprintf("memory: %lu KiB usable (%lu pages) in %lu ranges, %lu KiB other\n",
            usable_bytes / 1024, usable_pages, info->num_mem_ranges, other_bytes / 1024);
}

// Gives the usable memory to pmem, reports how pmem divided it, sets up the
// kernel heap on top.
static void init_memory(const struct boot_info *info)
{
    pmem_init(info);
    struct pmem_init_counts c;
    pmem_get_init_counts(&c);
    kprintf("pmem: %lu pages free of %lu usable (%lu kernel image, %lu page structures, "
            "%lu modules, %lu boot data, %lu reserved)\n",
            c.free, c.usable, c.kernel_image, c.page_structs, c.modules, c.boot_data, c.reserved);
    kassert(c.free + c.kernel_image + c.page_structs + c.modules + c.boot_data + c.reserved ==
            c.usable);
    kassert(c.free == pmem_free_pages());
    kmalloc_init();
    vm_check_boot();  // the `vmcheck` option
}

// Starts init from the initrd (the first boot module), with the words after
// "--" on the command line as its arguments. Returns false when there is no
// initrd to run; a broken initrd or init is reported and also returns false.
static bool start_init(const struct boot_info *info)
{
    if (info->num_modules == 0) {
        kprintf("osv: no initrd\n");
        return false;
    }
    const struct boot_module *initrd = &info->modules[0];
    err_t err = initrd_init(kmap_p2v(initrd->start), initrd->end - initrd->start);
    if (err != ERR_OK) {
        kprintf("osv: the initrd is not a valid cpio (newc) archive (%s)\n", err_name(err));
        return false;
    }
    const char *fork_mode = cmdline_get("fork");
    if (fork_mode != NULL && strcmp(fork_mode, "eager") == 0) {
        proc_fork_eagerly = true;
        kprintf("osv: fork copies every page (fork=eager)\n");
    }
    const char *argv[EXEC_MAX_ARGS];
    argv[0] = "init";
    int argc = 1 + cmdline_init_args(&argv[1], EXEC_MAX_ARGS - 1);
    err = proc_start_init("init", argc, argv);
    if (err != ERR_OK) {
        kprintf("osv: cannot start init: %s\n", err_name(err));
        return false;
    }
    return true;
}

_Noreturn void kernel_main(const struct boot_info *boot_info)
{
    kprintf("\nosv: x86_64 teaching kernel\n");
    kprintf("command line: \"%s\"\n", boot_info->cmdline);
    cmdline_init(boot_info->cmdline);
    kprintf("kernel image: 0x%lx-0x%lx (%lu KiB)\n", boot_info->kernel_start, boot_info->kernel_end,
            (boot_info->kernel_end - boot_info->kernel_start) / 1024);
    print_memory_map(boot_info);
    init_memory(boot_info);
    sched_init();

    // Initialization is over: let the timer tick (and the scheduler preempt).
    intr_enable();

    const char *selftest = cmdline_get("selftest");
    if (selftest != NULL) {
        selftest_run(selftest, boot_info);
    }
    if (start_init(boot_info)) {
        // From now on init decides when the machine stops (shutdown); this
        // thread has nothing left to do.
        for (;;) {
            (void)sched_sleep_ticks(UINT64_MAX);
        }
    }
    kprintf("osv: nothing left to run; halting.\n");
    machine_shutdown(MACHINE_EXIT_SUCCESS);
}
