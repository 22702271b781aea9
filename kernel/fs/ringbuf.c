// Ring buffer (see ringbuf.h). Each put or get is at most two memcpy calls:
// the run up to the end of the array, then the rest from its start.

#include "kernel/fs/ringbuf.h"

#include "kernel/lib/string.h"
#include "kernel/panic.h"

void ringbuf_init(struct ringbuf *rb, void *storage, size_t size)
{
    kassert(size > 0);
    rb->data = storage;
    rb->size = size;
    rb->head = 0;
    rb->count = 0;
}

size_t ringbuf_used(const struct ringbuf *rb)
{
    return rb->count;
}

size_t ringbuf_space(const struct ringbuf *rb)
{
    return rb->size - rb->count;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

size_t ringbuf_put(struct ringbuf *rb, const void *src, size_t n)
{
    n = min_size(n, ringbuf_space(rb));
    // The first free byte: past the held ones, wrapped. head + count < 2 *
    // size, so one subtraction wraps it.
    size_t tail = rb->head + rb->count;
    if (tail >= rb->size) {
        tail -= rb->size;
    }
    size_t first = min_size(n, rb->size - tail);
    memcpy(rb->data + tail, src, first);
    memcpy(rb->data, (const unsigned char *)src + first, n - first);
    rb->count += n;
    return n;
}

size_t ringbuf_get(struct ringbuf *rb, void *dst, size_t n)
{
    n = min_size(n, rb->count);
    size_t first = min_size(n, rb->size - rb->head);
    memcpy(dst, rb->data + rb->head, first);
    memcpy((unsigned char *)dst + first, rb->data, n - first);
    rb->head += n;
    if (rb->head >= rb->size) {
        rb->head -= rb->size;
    }
    rb->count -= n;
    return n;
}
