#include "kernel/main.h"

#include "arch/interrupts.h"
#include "arch/machine.h"
#include "arch/page.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm_check.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/selftest.h"

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
    kprintf("osv: nothing left to run; halting.\n");
    machine_shutdown(MACHINE_EXIT_SUCCESS);
}
