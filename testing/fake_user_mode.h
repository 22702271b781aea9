#pragma once

// Host stand-in for entering user mode (arch/user_mode.h): a user frame is
// the few registers the process code sets (entry point, stack pointer, a
// system call's return value), and nothing ever enters user mode.

#include <cstdint>

extern "C" {
#include "arch/user_mode.h"
}

struct FakeUserRegisters {
    vaddr_t pc;
    vaddr_t sp;
    int64_t result;  // what a system call returns to user mode
    uint64_t arg;    // the first argument register
};

// The registers held in f.
FakeUserRegisters fake_user_registers(const struct user_frame *f);
