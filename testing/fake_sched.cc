#include "testing/fake_sched.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/sync/spinlock.h"
}

namespace {

struct thread boot_thread = {};  // the test's own flow of control
struct thread *current = &boot_thread;
std::set<const struct thread *> started;
struct thread *last_started;
int live = 1;  // the boot thread
int next_tid = 1;
std::jmp_buf *exit_landing;  // where an exit returns to: fake_sched_run_to_exit's

[[noreturn]] void cannot(const char *what)
{
    std::fprintf(stderr,
                 "fake_sched: %s needs another thread to run, which the host fake has not\n", what);
    std::abort();
}

}  // namespace

void fake_sched_set_current(struct thread *thread)
{
    current = thread != nullptr ? thread : &boot_thread;
}

bool fake_sched_started(const struct thread *thread)
{
    return started.count(thread) > 0;
}

struct thread *fake_sched_last_started()
{
    return last_started;
}

void fake_sched_run_to_exit(struct thread *thread, void (*fn)(void *), void *arg)
{
    struct thread *before = current;
    std::jmp_buf landing;
    current = thread;
    exit_landing = &landing;
    if (setjmp(landing) == 0) {
        fn(arg);
        std::fprintf(stderr, "fake_sched: the thread returned instead of exiting\n");
        std::abort();
    }
    exit_landing = nullptr;
    current = before;
    thread_free(thread);
}

extern "C" err_t thread_create_suspended(const char *name, void (*fn)(void *), void *arg,
                                         struct thread **out)
{
    void *memory;
    err_t err = kmalloc(sizeof(struct thread), &memory);
    if (err != ERR_OK) {
        return err;
    }
    paddr_t stack_top_page;
    if (pmem_alloc(&stack_top_page) != ERR_OK) {
        kfree(memory);
        return ERR_NOMEM;
    }
    struct thread *thread = static_cast<struct thread *>(memory);
    std::memset(thread, 0, sizeof(*thread));
    thread->tid = next_tid++;
    std::snprintf(thread->name, sizeof thread->name, "%s", name);
    thread->kstack.bottom = reinterpret_cast<vaddr_t>(kmap_p2v(stack_top_page));
    thread->kstack.top = thread->kstack.bottom + PAGE_SIZE;
    thread->fn = fn;
    thread->arg = arg;
    thread->state = THREAD_RUNNABLE;
    live++;
    *out = thread;
    return ERR_OK;
}

extern "C" void thread_start(struct thread *thread)
{
    started.insert(thread);
    last_started = thread;
}

extern "C" err_t thread_create(const char *name, void (*fn)(void *), void *arg, struct thread **out)
{
    struct thread *thread;
    err_t err = thread_create_suspended(name, fn, arg, &thread);
    if (err == ERR_OK) {
        thread_start(thread);
        if (out != nullptr) {
            *out = thread;
        }
    }
    return err;
}

extern "C" void thread_free(struct thread *thread)
{
    started.erase(thread);
    if (last_started == thread) {
        last_started = nullptr;
    }
    if (current == thread) {
        current = &boot_thread;
    }
    pmem_free(kmap_v2p(reinterpret_cast<void *>(thread->kstack.bottom)));
    kfree(thread);
    live--;
}

extern "C" struct thread *thread_current(void)
{
    return current;
}

extern "C" int thread_count(void)
{
    return live;
}

extern "C" void thread_exit_releasing(struct spinlock *lock)
{
    if (exit_landing == nullptr) {
        cannot("an exit outside fake_sched_run_to_exit");
    }
    if (lock != nullptr) {
        spinlock_release(lock);
    }
    current->state = THREAD_EXITED;
    std::longjmp(*exit_landing, 1);
}

extern "C" void thread_exit(void)
{
    thread_exit_releasing(nullptr);
}

extern "C" void sched_sleep(const void *, struct spinlock *)
{
    cannot("sched_sleep");
}

extern "C" void sched_sleep_uninterruptible(const void *, struct spinlock *)
{
    cannot("sched_sleep_uninterruptible");
}

extern "C" err_t sched_sleep_ticks(uint64_t)
{
    cannot("sched_sleep_ticks");
}

extern "C" void sched_yield_cpu(void)
{
}

extern "C" void sched_wakeup(const void *)
{
}

extern "C" void sched_wakeup_one(const void *)
{
}

extern "C" void sched_kill(struct thread *thread)
{
    thread->killed = true;
}

extern "C" bool thread_killed(void)
{
    return current->killed;
}

extern "C" void sched_note_vpmap_loaded(struct vpmap *)
{
}

extern "C" void sched_wait_for_exited(void)
{
    // Nothing runs on the host: an exited thread is never on a CPU.
}

extern "C" void sched_reap_exited(void)
{
    // thread_free frees at once on the host.
}
