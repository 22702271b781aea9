// thread_create (see <osv.h>): a C function on a stack of the caller's.

#include <osv.h>
#include <stdint.h>

// What a new thread needs to know, kept at the top of its own stack.
struct thread_start_info {
    int (*fn)(void *arg);
    void *arg;
};

// The first code of every thread made by thread_create.
static _Noreturn void thread_main(void *info)
{
    const struct thread_start_info *start = info;
    thread_exit(start->fn(start->arg));
}

int thread_create(int (*fn)(void *arg), void *arg, void *stack, size_t size)
{
    if (size < THREAD_STACK_MIN) {
        return ERR_INVAL;
    }
    // The start info at the 16-byte aligned top; below it, the stack as
    // thread_main expects it on entry: 8 bytes short of a multiple of 16, as
    // if a call had just pushed its return address.
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    struct thread_start_info *start = (struct thread_start_info *)(top - 16);
    start->fn = fn;
    start->arg = arg;
    return thread_start(thread_main, (char *)start - 8, start);
}
