#include "arch/machine.h"

#include "arch/x86_64/io.h"

// QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0x501,iosize=1)
// exits QEMU with status (value << 1) | 1 when a value is written to its port.
// On real hardware nothing listens there and the write is harmless.
#define DEBUG_EXIT_PORT    0x501
#define DEBUG_EXIT_SUCCESS 0x10  // QEMU exits with 33
#define DEBUG_EXIT_FAILURE 0x20  // QEMU exits with 65

_Noreturn void machine_shutdown(enum machine_exit how)
{
    outb(DEBUG_EXIT_PORT, how == MACHINE_EXIT_SUCCESS ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
