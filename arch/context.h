#pragma once

// Switching the CPU between kernel threads.
//
// A thread that is not running is described by its saved context: the
// registers a C function must preserve across a call, and the flags
// register, kept on the thread's own kernel stack. context_switch saves the
// current thread's context and resumes another one exactly where it last
// called context_switch, so to both threads the switch looks like an
// ordinary function call that returns, flags and all: no thread runs on
// with the flags of the one before it.

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

struct context;  // opaque: lives on the thread's stack

// Prepares a new thread's stack (stack_top: one past its highest byte,
// 16-byte aligned) so that the first context_switch to the returned context
// calls entry(arg) on that stack, with interrupts off (as every switch
// leaves them) and no other flag set. entry must never return.
struct context *context_init(vaddr_t stack_top, void (*entry)(void *), void *arg);

// Saves the running thread's context in *save and resumes `load`. Returns
// when some other thread switches back to *save. Call with interrupts off.
void context_switch(struct context **save, struct context *load);

#ifdef __cplusplus
}
#endif
