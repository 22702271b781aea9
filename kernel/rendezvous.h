#pragma once

// rendezvous: stopping the other CPUs for a moment, where they rest.
//
// One CPU, the initiator, wants every other CPU of a set (the targets) to
// stand still while it looks at state they may change (the invariant
// checker, kernel/mm/vm_check.h, at a rest point: kernel/sched.c). It asks
// them all; each answers once, from wherever the question finds it:
//
//   - "parked": it is at rest (it holds no lock and is part way through no
//     change: on the machine, interrupted in user mode or in its idle loop).
//     It then waits, interrupts off, until the initiator releases it;
//   - "busy": it is not (interrupted in kernel code). It goes on at once.
//
// Once every target has answered, the rendezvous has either succeeded
// (every target parked: the initiator may look) or failed (some target was
// busy: the initiator does not look). The initiator may also give up
// waiting (its own rule: on the machine, a time limit): it withdraws the
// question, so that targets yet to answer never do, and the rendezvous has
// failed. Either way the initiator then ends it, which releases whoever
// parked.
//
// This module is the protocol alone, over atomics: it neither sends the
// question (the caller interrupts each target after rendezvous_begin, and a
// target's interrupt handler calls rendezvous_answer) nor knows what "at
// rest" means (the target says) nor how long to wait (the caller's
// keep_waiting says). So it runs on the host, where threads stand for CPUs
// (rendezvous_test.cc).
//
// Rounds: each rendezvous is a round with a number. The round, the targets
// yet to answer and the answers share one atomic word, so a target's answer
// (taking its bit, recording parked or busy, learning the round) and the
// initiator's withdrawal are each one atomic step: an answer lands either
// wholly before a withdrawal or not at all. A target that parked in round r
// waits until the released count reaches r, so one slow to see its release
// is not caught by round r + 1: the next round's question finds it later,
// as a new question (its interrupt is still pending).
//
// Why it cannot deadlock (the caller's part is in the preconditions):
//   1. One initiator at a time: rendezvous_begin takes the rendezvous with
//      one atomic exchange, and a CPU that finds it taken gives up (does not
//      wait), so two initiators never wait for each other.
//   2. The initiator waits for answers holding no lock (precondition), and a
//      parked target holds none (it was at rest): so no CPU that has yet to
//      answer can be spinning, interrupts off, on a lock that the initiator
//      or a parked target holds.
//   3. While they wait, the initiator and the parked targets call their
//      wait step, which on the machine also runs the cross-CPU calls (TLB
//      shootdowns) sent to them (cpus_call_poll): a CPU that has yet to
//      answer because it waits, interrupts off, for one of them to run its
//      call gets it run.
//   4. So every target answers as soon as it next has interrupts on, which
//      it does after a stretch with them off that cannot depend on the
//      initiator or a parked target (2 and 3). And the initiator's wait is
//      bounded by construction besides: keep_waiting gives up. Then the
//      initiator ends the round and the parked targets go on: nobody waits
//      for a CPU that waits for them.
//   5. A panic on any CPU stops every other one by NMI (arch/cpus.h's
//      cpus_stop_others), which interrupts-off waits do not hold back: a
//      parked target or a waiting initiator simply stops where it is.
//
// Memory order: the word is published and answered with release and
// acquire order; the release of a round happens after the initiator's
// look, and a parked target reads it with acquire, so what it does next
// comes after the look.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpus.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

// Every field is atomic; nothing here needs a lock. All zeros (a static
// one, say) is an idle rendezvous.
struct rendezvous {
    bool taken;         // an initiator holds it (from begin to end)
    uint64_t state;     // the round (high 32 bits), and 8-bit sets of CPUs:
                        // busy (bits 16-23), parked (8-15), asked (0-7)
    uint32_t released;  // rounds up to this one are over
};

// The initiator's wait step (see point 3 above), called over and over while
// it waits for answers, with `ctx` as given to rendezvous_wait. Returns
// false to give up waiting.
typedef bool rendezvous_keep_waiting_fn(void *ctx);

// A parked target's wait step, called over and over until the end: relaxes
// the CPU and, on the machine, runs the cross-CPU calls sent to it.
typedef void rendezvous_relax_fn(void);

// The initiator: tries to take the rendezvous and start a round that asks
// every CPU in `targets` (CPUs below 8, the initiator's own not among them).
// Returns false, changing nothing, when another initiator holds it. On true
// the caller must make each target call rendezvous_answer soon (on the
// machine: interrupt it), then call rendezvous_wait and rendezvous_end.
// Preconditions: the caller holds no lock any target may need before it
// answers, and stays on its CPU (interrupts off) until rendezvous_end.
bool rendezvous_begin(struct rendezvous *rv, cpus_mask_t targets) MUST_CHECK;

// The initiator: waits, calling keep_waiting(ctx) between looks, until
// every target has answered or keep_waiting gives up. Returns true when all
// parked (they stay parked until rendezvous_end). Returns false when one
// was busy, or keep_waiting gave up: then the question is withdrawn (a
// target that had not answered yet never will; the rendezvous_answer it
// calls returns false at once) and the ones that parked wait for
// rendezvous_end like the others. With no targets, true at once.
bool rendezvous_wait(struct rendezvous *rv, rendezvous_keep_waiting_fn *keep_waiting, void *ctx);

// The initiator: releases the parked targets and gives the rendezvous up.
// After rendezvous_wait only.
void rendezvous_end(struct rendezvous *rv);

// A target: whether CPU `cpu` has a question to answer. One atomic load:
// cheap enough for every interrupt that might bring one.
bool rendezvous_asked(const struct rendezvous *rv, unsigned cpu);

// A target, CPU `cpu`: answers the question of the round under way, if it
// has one (else returns false at once). `at_rest`: whether it is at rest.
// If so it parks: waits, calling relax, until the initiator ends the round,
// and returns true. If not it answers busy and returns false at once.
// Call with interrupts off, holding no lock when at_rest.
bool rendezvous_answer(struct rendezvous *rv, unsigned cpu, bool at_rest,
                       rendezvous_relax_fn *relax);

#ifdef __cplusplus
}
#endif
