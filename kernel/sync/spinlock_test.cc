// Host tests for spinlocks and nested interrupt disabling, against the fake
// interrupt flag (testing/fake_interrupts.cc).
//
// Criteria checked:
//  1. Holding a spinlock keeps interrupts off; releasing the last lock
//     restores the state found at the first acquire.
//  2. push_off/pop_off nest: only the outermost pop_off re-enables.
//  3. Bugs panic: acquiring a held lock, releasing a free one, an unmatched
//     pop_off, and interrupts turned on inside a locked region.
//  4. A lock that another CPU has just taken (its exchange done, its number
//     not yet recorded) is waited for, not taken for this CPU's own, even
//     when this CPU held it last.

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

extern "C" {
#include "arch/interrupts.h"
#include "kernel/sync/intr.h"
#include "kernel/sync/spinlock.h"
}

namespace {

class SpinlockTest : public testing::Test {
  protected:
    void SetUp() override
    {
        intr_enable();
        spinlock_init(&lock_a_, "a");
        spinlock_init(&lock_b_, "b");
    }

    void TearDown() override
    {
        EXPECT_EQ(intr_push_depth(), 0) << "a push_off was left unmatched";
    }

    struct spinlock lock_a_;
    struct spinlock lock_b_;
};

TEST_F(SpinlockTest, AcquireTurnsInterruptsOffAndReleaseRestoresThem)
{
    spinlock_acquire(&lock_a_);
    EXPECT_TRUE(spinlock_held(&lock_a_));
    EXPECT_FALSE(intr_enabled());
    spinlock_release(&lock_a_);
    EXPECT_FALSE(spinlock_held(&lock_a_));
    EXPECT_TRUE(intr_enabled());
}

TEST_F(SpinlockTest, NestedLocksReenableOnlyAfterTheOutermostRelease)
{
    spinlock_acquire(&lock_a_);
    spinlock_acquire(&lock_b_);
    spinlock_release(&lock_b_);
    EXPECT_FALSE(intr_enabled()) << "lock a is still held";
    spinlock_release(&lock_a_);
    EXPECT_TRUE(intr_enabled());
}

TEST_F(SpinlockTest, InterruptsStayOffWhenTheyWereOffBeforeAcquire)
{
    intr_disable();
    spinlock_acquire(&lock_a_);
    spinlock_release(&lock_a_);
    EXPECT_FALSE(intr_enabled());
}

TEST_F(SpinlockTest, PushOffNests)
{
    intr_push_off();
    intr_push_off();
    EXPECT_EQ(intr_push_depth(), 2);
    intr_pop_off();
    EXPECT_FALSE(intr_enabled());
    intr_pop_off();
    EXPECT_TRUE(intr_enabled());
}

using SpinlockDeathTest = SpinlockTest;

TEST_F(SpinlockDeathTest, AcquiringAHeldLockPanics)
{
    EXPECT_DEATH(
        {
            spinlock_acquire(&lock_a_);
            spinlock_acquire(&lock_a_);
        },
        "spinlock a: acquired while already held");
}

TEST_F(SpinlockDeathTest, ReleasingAFreeLockPanics)
{
    EXPECT_DEATH(spinlock_release(&lock_a_), "spinlock a: released while not held");
}

TEST_F(SpinlockDeathTest, UnmatchedPopOffPanics)
{
    intr_disable();
    EXPECT_DEATH(intr_pop_off(), "no matching intr_push_off");
    intr_enable();
}

TEST_F(SpinlockDeathTest, EnablingInterruptsInsideALockPanicsAtPopOff)
{
    EXPECT_DEATH(
        {
            spinlock_acquire(&lock_a_);
            intr_enable();
            spinlock_release(&lock_a_);
        },
        "interrupts are on inside a push_off region");
}

TEST_F(SpinlockTest, ALockJustTakenByAnotherCpuIsWaitedForEvenIfThisCpuHeldItLast)
{
    spinlock_acquire(&lock_a_);
    spinlock_release(&lock_a_);
    // Another CPU's spinlock_acquire, caught between its exchange and the
    // store of its number: the lock is held, the holder not yet recorded.
    __atomic_store_n(&lock_a_.locked, 1, __ATOMIC_RELEASE);
    std::atomic<bool> released{false};
    std::thread other_cpu([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        released = true;
        __atomic_store_n(&lock_a_.locked, 0, __ATOMIC_RELEASE);
    });
    spinlock_acquire(&lock_a_);  // spins until the other CPU lets go
    EXPECT_TRUE(released) << "acquired a lock that another CPU held";
    spinlock_release(&lock_a_);
    other_cpu.join();
}

}  // namespace
