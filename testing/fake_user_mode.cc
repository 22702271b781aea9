#include "testing/fake_user_mode.h"

#include <cstdio>
#include <cstdlib>

struct user_frame {
    FakeUserRegisters registers;
};

FakeUserRegisters fake_user_registers(const struct user_frame *f)
{
    return f->registers;
}

extern "C" size_t user_frame_size(void)
{
    return (sizeof(struct user_frame) + 15) / 16 * 16;
}

extern "C" void user_frame_init(struct user_frame *f, vaddr_t entry, vaddr_t sp)
{
    f->registers = FakeUserRegisters{entry, sp, 0, 0};
}

extern "C" void user_frame_set_return(struct user_frame *f, int64_t value)
{
    f->registers.result = value;
}

extern "C" void user_frame_set_arg(struct user_frame *f, uint64_t value)
{
    f->registers.arg = value;
}

extern "C" vaddr_t user_frame_pc(const struct user_frame *f)
{
    return f->registers.pc;
}

extern "C" void user_mode_enter(struct user_frame *)
{
    std::fprintf(stderr, "fake_user_mode: the host cannot enter user mode\n");
    std::abort();
}

extern "C" void user_mode_set_kernel_stack(vaddr_t)
{
}
