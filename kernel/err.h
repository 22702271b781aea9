#pragma once

// The kernel's one error space.
//
// Every fallible kernel function returns err_t: ERR_OK (0) on success, or one
// of the negative codes below, each unique across the whole kernel. Results
// come back through pointer parameters (pmem_alloc(&paddr)). Ignoring an
// err_t is a compile error (see MUST_CHECK). System calls hand the same
// numbers to user space, so userland/ uses them too.

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ERR_OK = 0,
    ERR_NOMEM = -1,       // out of physical memory or kernel heap
    ERR_VM_BOUND = -2,    // address outside the allowed range (e.g. past the stack limit)
    ERR_FAULT = -3,       // bad address: unmapped, kernel, or not permitted
    ERR_INVAL = -4,       // invalid argument
    ERR_VM_OVERLAP = -5,  // a memory region would overlap another
    ERR_NOENT = -6,       // no such file or directory
    ERR_BADF = -7,        // not an open file descriptor
    ERR_NOCHILD = -8,     // no child process to wait for
    ERR_NOEXEC = -9,      // not a valid executable (malformed ELF)
    ERR_PIPE = -10,       // write to a pipe nobody reads
    ERR_NOSPACE = -11,    // a fixed-size table is full (file descriptors, processes)
    ERR_TOOLONG = -12,    // string or argument list too long
    ERR_NOSYS = -13,      // no such system call
    ERR_SRCH = -14,       // no such process
    ERR_EXISTS = -15,     // already exists
    ERR_PERM = -16,       // not allowed for this process
    ERR_KILLED = -17,     // the calling process was killed while it waited
} err_t;

// Marks a function whose result must not be ignored.
#define MUST_CHECK __attribute__((warn_unused_result))

// Human-readable name of an error ("ERR_NOMEM"), for messages.
const char *err_name(err_t err);

#ifdef __cplusplus
}
#endif
