// Host tests for kernel/timer.
//
// Criteria checked:
//  1. Each timer_interrupt adds exactly one tick.
//  2. Reading the count does not change it.

#include <cstdint>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/timer.h"
}

namespace {

TEST(TimerTest, EachInterruptAddsOneTick)
{
    uint64_t before = timer_ticks();
    timer_interrupt();
    EXPECT_EQ(timer_ticks(), before + 1);
    for (int i = 0; i < TIMER_HZ; i++) {
        timer_interrupt();
    }
    EXPECT_EQ(timer_ticks(), before + 1 + TIMER_HZ);
}

TEST(TimerTest, ReadingDoesNotTick)
{
    uint64_t before = timer_ticks();
    EXPECT_EQ(timer_ticks(), before);
    EXPECT_EQ(timer_ticks(), before);
}

}  // namespace
