#pragma once

// Cross-CPU calls (arch/cpus.h's cpus_call, cpus_call_many and
// cpus_call_others) on x86_64.
//
// Each CPU has a mailbox, the `call` field of its struct cpu (percpu.h): a
// caller waits until the target's mailbox is empty, puts a pointer to its
// call there, and sends the target a VECTOR_CPU_CALL interrupt. The target's
// handler takes the call out of the mailbox, runs it and counts it done;
// the caller spins until every target has. The call lives on the caller's
// stack, which stays put since the caller returns only after that.
//
// A caller spins with interrupts off, and two CPUs may call each other at
// once: so while it spins, a caller empties its own mailbox too, as its
// handler would. An interrupt that arrives after its call was run that way
// finds the mailbox empty and does nothing. cpus_call_poll lets other
// waits with interrupts off do the same.

// VECTOR_CPU_CALL's handler: runs the call in this CPU's mailbox, if any.
// Interrupt context, interrupts off; sends the EOI itself.
void cpu_call_interrupt(void);

// VECTOR_KICK's handler (cpus_kick): only acknowledges the interrupt, whose
// arrival was the point (it ends the target's halt); the trap code then
// calls sched_kicked. Interrupt context.
void cpu_kick_interrupt(void);
