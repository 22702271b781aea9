#include "kernel/thread.h"

#include "arch/user_mode.h"
#include "kernel/lib/string.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/sched.h"

static int next_tid = 1;
static int live_threads;  // created and not yet freed; changed atomically

err_t thread_create_suspended(const char *name, void (*fn)(void *), void *arg, struct thread **out)
{
    void *memory;
    err_t err = kmalloc(sizeof(struct thread), &memory);
    if (err != ERR_OK) {
        return err;
    }
    struct thread *thread = memory;
    memset(thread, 0, sizeof(*thread));
    err = kstack_alloc(&thread->kstack);
    if (err != ERR_OK) {
        kfree(thread);
        return err;
    }
    thread->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
    size_t len = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(thread->name, name, len);
    thread->name[len] = '\0';
    thread->fn = fn;
    thread->arg = arg;
    // The user frame sits at the very top; the thread's own stack below it.
    thread->context =
        context_init(thread->kstack.top - user_frame_size(), sched_start_thread, thread);
    __atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
    *out = thread;
    return ERR_OK;
}

void thread_start(struct thread *thread)
{
    sched_make_runnable(thread);
}

err_t thread_create(const char *name, void (*fn)(void *), void *arg, struct thread **out)
{
    struct thread *thread;
    err_t err = thread_create_suspended(name, fn, arg, &thread);
    if (err != ERR_OK) {
        return err;
    }
    if (out != NULL) {
        *out = thread;
    }
    thread_start(thread);
    return ERR_OK;
}

void thread_free(struct thread *thread)
{
    kstack_free(&thread->kstack);
    kfree(thread);
    __atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
}

int thread_count(void)
{
    return __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
}
