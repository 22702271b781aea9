// fork (see kernel/proc.h): the part of the process code that the lab asks
// for. The process table, threads, exec and the end of a process are the
// kernel's own (kernel/proc_table.c, proc_thread.c, proc_exec.c); fork uses
// them through kernel/proc_internal.h.

#include "kernel/proc.h"

#include "kernel/lib/string.h"
#include "kernel/mm/vm_eager.h"
#include "kernel/proc_internal.h"

bool proc_fork_eagerly;

err_t proc_fork(int *child_pid)
{
    struct proc *parent = proc_current();
    struct proc *child;
    err_t err = proc_alloc(&child);
    if (err != ERR_OK) {
        return err;
    }
    memcpy(child->name, parent->name, sizeof(child->name));
    // LAB cow BEGIN: fork copy-on-write
    err =
        proc_fork_eagerly ? as_copy_eager(parent->as, &child->as) : as_copy(parent->as, &child->as);
    // LAB cow END
    if (err == ERR_OK) {
        err = create_first_thread(child);
        if (err != ERR_OK) {
            as_destroy(child->as);
        }
    }
    if (err != ERR_OK) {
        proc_free_slot(child);
        return err;
    }
    fdtable_copy(&child->files, &parent->files);
    // The child resumes where the calling thread made the call, seeing 0.
    struct user_frame *frame = thread_user_frame(child->threads[0].thread);
    memcpy(frame, thread_user_frame(thread_current()), user_frame_size());
    user_frame_set_return(frame, 0);
    *child_pid = child->pid;
    proc_publish(child, parent);
    return ERR_OK;
}
