#pragma once

// A ring buffer of bytes: a fixed array used as a circle, the oldest byte at
// `head` and `count` bytes after it, wrapping at the end of the array. Bytes
// leave in the order they came (FIFO). Pipes keep their data in one.
//
// Pure bookkeeping: no allocation (the owner supplies the array), no
// blocking, no lock. The owner serializes every call on a ring with its own
// lock (a pipe's spinlock), which is also what lets it decide, atomically
// with a put or get, whether to sleep or wake anyone.
//
// Invariant: count <= size and head < size.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ringbuf {
    unsigned char *data;  // size bytes, owned by the caller
    size_t size;
    size_t head;   // index of the oldest byte
    size_t count;  // bytes held
};

// Makes rb an empty ring over the `size` bytes at storage. size must be > 0
// (panics otherwise).
void ringbuf_init(struct ringbuf *rb, void *storage, size_t size);

// Bytes held, and bytes that can still be put.
size_t ringbuf_used(const struct ringbuf *rb);
size_t ringbuf_space(const struct ringbuf *rb);

// Appends min(n, ringbuf_space(rb)) bytes from src; returns that count.
size_t ringbuf_put(struct ringbuf *rb, const void *src, size_t n);

// Removes min(n, ringbuf_used(rb)) of the oldest bytes into dst; returns that
// count.
size_t ringbuf_get(struct ringbuf *rb, void *dst, size_t n);

#ifdef __cplusplus
}
#endif
