#pragma once

// Memory allocation, process exit and number parsing.
//
// malloc's policy (the allocator core is userland/lib/heap.h):
//  - blocks are 16-byte aligned, carved from memory obtained with sbrk;
//    malloc(0) returns a unique pointer, which free accepts;
//  - free blocks sit on one free list and are taken first-fit; a block much
//    larger than needed is split; a freed block merges with free neighbours
//    at once (coalescing), so two adjacent free blocks never exist;
//  - the heap grows by at least HEAP_GROW_MIN bytes at a time, in whole
//    pages; large allocations are ordinary blocks, grown in one step;
//  - when HEAP_TRIM_THRESHOLD bytes or more at the top of the heap are free,
//    every whole page of them is given back with sbrk(-n): memory returns to
//    the kernel when the most recent allocations are freed. Free memory
//    below a live block stays in the free list;
//  - free() of a pointer that is not a live block (a double free, a pointer
//    into the middle of a block, a wild pointer) is caught where it can be:
//    it prints "free: <addr> is not an allocated block" on stderr and
//    abort()s. realloc checks its pointer the same way.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

// n bytes, 16-byte aligned, contents unspecified; NULL when the heap cannot
// grow (or n is absurdly large).
void *malloc(size_t n);

// Gives back a block from malloc, calloc or realloc; free(NULL) does
// nothing.
void free(void *ptr);

// count * size bytes, zeroed; NULL on overflow or when out of memory.
void *calloc(size_t count, size_t size);

// Resizes the block at ptr to n bytes, keeping its contents up to the
// smaller size: in place when it can (shrinking, a free block after it, the
// top of the heap), else by moving it. realloc(NULL, n) is malloc(n);
// realloc(ptr, 0) frees ptr and returns NULL. On failure returns NULL and
// leaves the block as it was.
void *realloc(void *ptr, size_t n);

// Flushes stdout and stderr, then ends the process with status (0..255;
// main's return value goes here).
_Noreturn void exit(int status);

// Ends the process as if killed: wait() reports EXIT_STATUS_KILLED.
_Noreturn void abort(void);

// The decimal integer at the start of s, after spaces and an optional sign;
// 0 if there is none. Overflow is not detected.
int atoi(const char *s);

#ifdef __cplusplus
}
#endif
