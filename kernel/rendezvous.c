// The rendezvous protocol (see kernel/rendezvous.h).

#include "kernel/rendezvous.h"

#include "kernel/panic.h"

// The fields of the state word.
#define SET_BITS     8
#define SET_MASK     (((uint64_t)1 << SET_BITS) - 1)
#define ASKED_SHIFT  0
#define PARKED_SHIFT SET_BITS
#define BUSY_SHIFT   (2 * SET_BITS)
#define ROUND_SHIFT  32

_Static_assert(CPUS_MAX <= SET_BITS, "a set of CPUs in the state word has a bit for every CPU");

static uint64_t asked(uint64_t state)
{
    return (state >> ASKED_SHIFT) & SET_MASK;
}

static uint64_t busy(uint64_t state)
{
    return (state >> BUSY_SHIFT) & SET_MASK;
}

static uint32_t round_of(uint64_t state)
{
    return (uint32_t)(state >> ROUND_SHIFT);
}

bool rendezvous_begin(struct rendezvous *rv, cpus_mask_t targets)
{
    kassert((targets & ~SET_MASK) == 0);
    if (__atomic_exchange_n(&rv->taken, true, __ATOMIC_ACQUIRE)) {
        return false;  // another initiator's round: give up, never wait
    }
    // No target of the last round can still be answering: its initiator
    // saw every answer or withdrew the question before it ended that round.
    // Parked ones may still be on their way out, but they only read
    // `released`.
    uint32_t round = round_of(__atomic_load_n(&rv->state, __ATOMIC_RELAXED)) + 1;
    __atomic_store_n(&rv->state, (uint64_t)round << ROUND_SHIFT | targets << ASKED_SHIFT,
                     __ATOMIC_RELEASE);
    return true;
}

bool rendezvous_wait(struct rendezvous *rv, rendezvous_keep_waiting_fn *keep_waiting, void *ctx)
{
    kassert(__atomic_load_n(&rv->taken, __ATOMIC_RELAXED));
    for (;;) {
        uint64_t state = __atomic_load_n(&rv->state, __ATOMIC_ACQUIRE);
        if (asked(state) == 0) {
            return busy(state) == 0;
        }
        if (busy(state) != 0 || !keep_waiting(ctx)) {
            // Failed already, or waited long enough: whoever has not
            // answered by now never will.
            __atomic_fetch_and(&rv->state, ~(SET_MASK << ASKED_SHIFT), __ATOMIC_ACQ_REL);
            return false;
        }
    }
}

void rendezvous_end(struct rendezvous *rv)
{
    kassert(__atomic_load_n(&rv->taken, __ATOMIC_RELAXED));
    uint64_t state = __atomic_load_n(&rv->state, __ATOMIC_RELAXED);
    kassert(asked(state) == 0);
    __atomic_store_n(&rv->released, round_of(state), __ATOMIC_RELEASE);
    __atomic_store_n(&rv->taken, false, __ATOMIC_RELEASE);
}

bool rendezvous_asked(const struct rendezvous *rv, unsigned cpu)
{
    return (asked(__atomic_load_n(&rv->state, __ATOMIC_RELAXED)) & cpus_mask_of(cpu)) != 0;
}

bool rendezvous_answer(struct rendezvous *rv, unsigned cpu, bool at_rest,
                       rendezvous_relax_fn *relax)
{
    uint64_t me = cpus_mask_of(cpu);
    uint64_t state = __atomic_load_n(&rv->state, __ATOMIC_RELAXED);
    uint64_t answered;
    // One step: this CPU's bit leaves `asked` as its answer arrives, in the
    // round read with them. A second interrupt in the same round, or one
    // after a withdrawal, finds the bit gone.
    do {
        if ((asked(state) & me) == 0) {
            return false;
        }
        answered = (state & ~(me << ASKED_SHIFT)) | me << (at_rest ? PARKED_SHIFT : BUSY_SHIFT);
    } while (!__atomic_compare_exchange_n(&rv->state, &state, answered, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    if (!at_rest) {
        return false;
    }
    // Serial-number comparison: a later round's release also ends this
    // wait, and the count may wrap.
    uint32_t round = round_of(state);
    while ((int32_t)(__atomic_load_n(&rv->released, __ATOMIC_ACQUIRE) - round) < 0) {
        relax();
    }
    return true;
}
