#pragma once

// Stopping the machine.

#ifdef __cplusplus
extern "C" {
#endif

// How the kernel ended. Under QEMU each maps to its own exit status (see
// testing/qemu_runner.sh), which is how boot tests learn the outcome.
enum machine_exit {
    MACHINE_EXIT_SUCCESS,  // clean shutdown
    MACHINE_EXIT_FAILURE,  // panic or failed self-test
};

// Stops the machine for good: reports `how` to an emulator that listens for
// it, then halts the CPU with interrupts off. Never returns.
_Noreturn void machine_shutdown(enum machine_exit how);

#ifdef __cplusplus
}
#endif
