// as_current() (kernel/mm/vm.h) on the machine: the address space of the
// running thread's process. A file of its own, so that the fault handler and
// copyin/copyout need the process structure, not fork and exec.

#include "kernel/mm/vm.h"
#include "kernel/proc.h"
#include "kernel/thread.h"

struct addrspace *as_current(void)
{
    struct proc *p = thread_current()->proc;
    return p != NULL ? p->as : NULL;
}
