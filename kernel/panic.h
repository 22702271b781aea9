#pragma once

// panic and kassert: the kernel found a bug in itself.
//
// panic prints "panic: <message>" and where it was called from, then stops
// the machine (exit status 65 under QEMU). Use it only for kernel bugs and
// broken invariants, never for anything a user program can cause: user
// misbehaviour ends that process, not the kernel.
//
// On the host (testing/fake_panic.cc) panic prints the message and calls
// abort(), so a GoogleTest death test can expect it:
//   EXPECT_DEATH(pmem_free(p), "not allocated");

#ifdef __cplusplus
extern "C" {
#endif

_Noreturn void panic(const char *format, ...) __attribute__((format(printf, 1, 2)));

// Panics with the expression, file and line when expr is false. Always
// compiled in: the checks are cheap and students need them most.
#define kassert(expr)                                                                              \
    ((expr) ? (void)0 : panic("assertion failed: %s (%s:%d)", #expr, __FILE__, __LINE__))

#ifdef __cplusplus
}
#endif
