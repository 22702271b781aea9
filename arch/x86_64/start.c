// The first C code that runs: boot.S calls x86_64_start in 64-bit mode on the
// boot stack, with the early page tables described there.

#include <stdint.h>

#include "arch/console.h"
#include "arch/machine.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/serial_input.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/user_mode_x86.h"
#include "kernel/kprintf.h"
#include "kernel/main.h"
#include "kernel/timer.h"

// Called from boot.S only.
void x86_64_start(uint32_t multiboot_magic, uint32_t multiboot_info_paddr);

// Sets up the bootstrap processor's own tables and devices, then starts the
// other processors, leaving interrupts off: kernel_main turns them on once
// the portable kernel is initialized.
static void arch_init(void)
{
    gdt_init(0);
    percpu_init(&cpus[0]);
    idt_init();
    pic_disable();
    lapic_init();
    lapic_timer_start(TIMER_HZ);
    ioapic_init();
    serial_input_init();
    syscall_init();
    smp_start_cpus();
}

void x86_64_start(uint32_t multiboot_magic, uint32_t multiboot_info_paddr)
{
    static struct boot_info boot_info;

    // GS first, so that even the earliest panic can say which CPU it is on.
    // gdt_init clears it again; arch_init sets it for good.
    percpu_init(&cpus[0]);
    console_init();
    if (multiboot_magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        kprintf("osv: not started by a multiboot loader (magic 0x%x); halting.\n", multiboot_magic);
        machine_shutdown(MACHINE_EXIT_FAILURE);
    }
    multiboot_parse(multiboot_info_paddr, &boot_info);
    smp_find_cpus();
    kernel_map_init(&boot_info);
    arch_init();
    kernel_main(&boot_info);
}
