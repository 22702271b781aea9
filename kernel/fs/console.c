// The console as a file (see console.h): the line discipline under a lock,
// and readers sleeping until it has a line for them.

#include "kernel/fs/console.h"

#include <stddef.h>

#include "arch/console.h"
#include "kernel/fs/file.h"
#include "kernel/fs/ldisc.h"
#include "kernel/sched.h"
#include "kernel/sync/condvar.h"
#include "kernel/sync/spinlock.h"

static struct spinlock input_lock = SPINLOCK_INIT("console input");
static struct ldisc input;  // guarded by input_lock; zeroed is empty
// A line was finished. Waited on with input_lock.
static struct condvar line_ready = {.name = "console line ready"};

void console_input(char c)
{
    spinlock_acquire(&input_lock);
    if (ldisc_input(&input, c)) {
        condvar_broadcast(&line_ready);
    }
    spinlock_release(&input_lock);
}

static int64_t console_read(struct file *file, void *buf, size_t n)
{
    (void)file;
    size_t count;
    spinlock_acquire(&input_lock);
    while (!ldisc_read(&input, buf, n, &count)) {
        if (thread_killed()) {
            spinlock_release(&input_lock);
            return ERR_KILLED;
        }
        condvar_wait(&line_ready, &input_lock);
    }
    spinlock_release(&input_lock);
    return (int64_t)count;
}

static int64_t console_write(struct file *file, const void *buf, size_t n)
{
    (void)file;
    const char *bytes = buf;
    for (size_t i = 0; i < n; i++) {
        console_putc(bytes[i]);
    }
    return (int64_t)n;
}

static void console_stat(struct file *file, struct osv_stat *st)
{
    (void)file;
    st->type = FILE_TYPE_CONSOLE;
}

static void console_release(struct file *file)
{
    (void)file;  // the input is shared and lives forever: nothing to free
}

static const struct file_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .stat = console_stat,
    .release = console_release,
};

err_t console_file_open(struct file **out)
{
    return file_alloc(&console_ops, NULL, /*readable=*/true, /*writable=*/true, out);
}
