// Starting a program: init's, and exec's in place of the caller's (see
// kernel/proc.h).

#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/panic.h"
#include "kernel/pid.h"
#include "kernel/proc.h"
#include "kernel/proc_internal.h"
#include "kernel/sched.h"

err_t proc_start_init(const char *path, int argc, const char *const argv[])
{
    struct proc *p;
    err_t err = proc_alloc(&p);
    if (err != ERR_OK) {
        return err;
    }
    kassert(p->pid == PID_INIT);
    struct exec_image image;
    err = exec_load(path, argc, argv, &image);
    if (err != ERR_OK) {
        proc_free_slot(p);
        return err;
    }
    p->as = image.as;
    proc_set_name(p, path);
    struct file *console;
    err = console_file_open(&console);
    if (err == ERR_OK) {
        // Descriptors 0, 1 and 2 of an empty table: installing cannot fail.
        for (int i = 0; i < 3; i++) {
            int fd;
            err_t installed = fdtable_install(&p->files, i == 0 ? console : file_get(console), &fd);
            kassert(installed == ERR_OK && fd == i);
        }
    }
    if (err == ERR_OK) {
        err = create_first_thread(p);
    }
    if (err != ERR_OK) {
        fdtable_close_all(&p->files);
        as_destroy(p->as);
        proc_free_slot(p);
        return err;
    }
    user_frame_init(thread_user_frame(p->threads[0].thread), image.entry, image.stack_pointer);
    init_proc = p;
    proc_publish(p, NULL);
    return ERR_OK;
}

err_t proc_exec(const char *path, int argc, const char *const argv[])
{
    struct exec_image image;
    err_t err = exec_load(path, argc, argv, &image);
    if (err != ERR_OK) {
        return err;
    }
    struct proc *p = proc_current();
    err = end_other_threads(p);
    if (err != ERR_OK) {
        as_destroy(image.as);
        return err;
    }
    struct thread *self = thread_current();
    struct addrspace *old = replace_addrspace(p, image.as);
    self->vpmap = image.as->vpmap;
    vpmap_load(image.as->vpmap);
    sched_note_vpmap_loaded(image.as->vpmap);
    // The ended threads are off the books; one may still be leaving its
    // CPU, on the old page table.
    sched_wait_for_exited();
    as_destroy(old);

    proc_set_name(p, path);
    user_frame_init(thread_user_frame(self), image.entry, image.stack_pointer);
    return ERR_OK;
}
