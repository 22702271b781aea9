// Pipes (see pipe.h).
//
// Both ends' files point at the one struct pipe; which end a file is comes
// from its direction (the read end is the readable file). The pipe is freed
// when the second end is released.

#include "kernel/fs/pipe.h"

#include <stdbool.h>

#include "kernel/fs/ringbuf.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/sched.h"
#include "kernel/sync/condvar.h"
#include "kernel/sync/spinlock.h"

_Static_assert(PIPE_SIZE <= KMALLOC_MAX_SIZE, "a pipe's buffer is one kmalloc block");

struct pipe {
    struct spinlock lock;

    // Guarded by lock.
    struct ringbuf ring;  // over PIPE_SIZE kmalloc'd bytes
    bool read_open;       // the read end's file is not released yet
    bool write_open;

    struct condvar readable;  // data arrived, or the write end closed
    struct condvar writable;  // space was freed, or the read end closed
};

static int64_t pipe_read(struct file *file, void *buf, size_t n)
{
    struct pipe *pipe = file->data;
    spinlock_acquire(&pipe->lock);
    while (ringbuf_used(&pipe->ring) == 0 && pipe->write_open) {
        if (thread_killed()) {
            spinlock_release(&pipe->lock);
            return ERR_KILLED;
        }
        condvar_wait(&pipe->readable, &pipe->lock);
    }
    // Empty here means the write end is closed: 0, end of file.
    size_t got = ringbuf_get(&pipe->ring, buf, n);
    if (got > 0) {
        condvar_broadcast(&pipe->writable);
    }
    spinlock_release(&pipe->lock);
    return (int64_t)got;
}

static int64_t pipe_write(struct file *file, const void *buf, size_t n)
{
    struct pipe *pipe = file->data;
    const unsigned char *src = buf;
    size_t done = 0;
    spinlock_acquire(&pipe->lock);
    while (done < n && pipe->read_open) {
        size_t put = ringbuf_put(&pipe->ring, src + done, n - done);
        if (put > 0) {
            done += put;
            condvar_broadcast(&pipe->readable);
        } else if (thread_killed()) {
            break;
        } else {
            condvar_wait(&pipe->writable, &pipe->lock);
        }
    }
    bool reader_gone = !pipe->read_open;
    spinlock_release(&pipe->lock);
    if (done == 0) {
        // n > 0 (file_write sees to it): the reader is gone, or we were killed.
        return reader_gone ? ERR_PIPE : ERR_KILLED;
    }
    return (int64_t)done;
}

static void pipe_stat(struct file *file, struct osv_stat *st)
{
    (void)file;
    st->type = FILE_TYPE_PIPE;
}

static void pipe_free(struct pipe *pipe)
{
    kfree(pipe->ring.data);
    kfree(pipe);
}

static void pipe_release(struct file *file)
{
    struct pipe *pipe = file->data;
    spinlock_acquire(&pipe->lock);
    if (file->readable) {
        pipe->read_open = false;
        condvar_broadcast(&pipe->writable);
    } else {
        pipe->write_open = false;
        condvar_broadcast(&pipe->readable);
    }
    // Nobody can be inside read or write once both ends are released: each
    // caller holds a reference to its end.
    bool last = !pipe->read_open && !pipe->write_open;
    spinlock_release(&pipe->lock);
    if (last) {
        pipe_free(pipe);
    }
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .stat = pipe_stat,
    .release = pipe_release,
};

err_t pipe_create(struct file **read_end, struct file **write_end)
{
    void *block;
    err_t err = kmalloc(sizeof(struct pipe), &block);
    if (err != ERR_OK) {
        return err;
    }
    struct pipe *pipe = block;
    void *data;
    err = kmalloc(PIPE_SIZE, &data);
    if (err != ERR_OK) {
        kfree(pipe);
        return err;
    }
    spinlock_init(&pipe->lock, "pipe");
    ringbuf_init(&pipe->ring, data, PIPE_SIZE);
    pipe->read_open = true;
    pipe->write_open = true;
    condvar_init(&pipe->readable, "pipe readable");
    condvar_init(&pipe->writable, "pipe writable");

    struct file *r;
    err = file_alloc(&pipe_ops, pipe, /*readable=*/true, /*writable=*/false, &r);
    if (err != ERR_OK) {
        pipe_free(pipe);
        return err;
    }
    struct file *w;
    err = file_alloc(&pipe_ops, pipe, /*readable=*/false, /*writable=*/true, &w);
    if (err != ERR_OK) {
        // No write end ever existed; releasing the read end then frees all.
        pipe->write_open = false;
        file_put(r);
        return err;
    }
    *read_end = r;
    *write_end = w;
    return ERR_OK;
}
