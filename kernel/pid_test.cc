// Host tests of pid_next (kernel/pid.h).
//
// Correctness criteria:
//  1. Pids come in increasing order from 1 (init's) when nothing is taken.
//  2. A pid in use (live, zombie or under construction) is skipped, however
//     many in a row.
//  3. Past PID_MAX the count wraps to PID_FIRST_REUSABLE: never to 0, to a
//     negative pid or to init's pid 1, even when 1 is free.
//  4. After a wrap, pids still in use are skipped.
//  5. The table is asked about each candidate at most once: with n slots
//     the answer comes within n + 1 questions.

#include <set>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/pid.h"
}

namespace {

struct Table {
    std::set<int> taken;
    int questions = 0;
};

bool InUse(int pid, void *ctx)
{
    auto *table = static_cast<Table *>(ctx);
    table->questions++;
    return table->taken.count(pid) != 0;
}

TEST(PidNext, CountsUpFromInit)
{
    Table table;
    EXPECT_EQ(pid_next(0, InUse, &table), PID_INIT);
    EXPECT_EQ(pid_next(1, InUse, &table), 2);
    EXPECT_EQ(pid_next(41, InUse, &table), 42);
}

TEST(PidNext, SkipsPidsInUse)
{
    Table table;
    table.taken = {5, 6, 7, 9};
    EXPECT_EQ(pid_next(4, InUse, &table), 8);
    EXPECT_EQ(pid_next(8, InUse, &table), 10);
}

TEST(PidNext, WrapsPastTheMaximumToTheFirstReusablePid)
{
    Table table;
    EXPECT_EQ(pid_next(PID_MAX - 1, InUse, &table), PID_MAX);
    int wrapped = pid_next(PID_MAX, InUse, &table);
    EXPECT_EQ(wrapped, PID_FIRST_REUSABLE);
    EXPECT_GT(wrapped, PID_INIT) << "init's pid, 0 and negative pids are never handed out";
}

TEST(PidNext, AfterAWrapSkipsLivePids)
{
    Table table;
    table.taken = {PID_INIT, 2, 3, 4, PID_MAX};
    EXPECT_EQ(pid_next(PID_MAX - 1, InUse, &table), 5);
    EXPECT_EQ(pid_next(PID_MAX, InUse, &table), 5);
}

TEST(PidNext, ALongRunOfTakenPidsAcrossTheWrap)
{
    // A table of 64 slots, all but one taken, around the wrap point.
    Table table;
    for (int i = 0; i <= 40; i++) {
        table.taken.insert(PID_MAX - i);
    }
    for (int pid = PID_FIRST_REUSABLE; pid < PID_FIRST_REUSABLE + 22; pid++) {
        table.taken.insert(pid);
    }
    ASSERT_EQ(table.taken.size(), 63u);
    int pid = pid_next(PID_MAX - 41, InUse, &table);
    EXPECT_EQ(pid, PID_FIRST_REUSABLE + 22);
    EXPECT_LE(table.questions, 64) << "at most one question per candidate up to a free one";
}

TEST(PidNext, ANegativeLastStartsAtInit)
{
    Table table;
    EXPECT_EQ(pid_next(-5, InUse, &table), PID_INIT);
}

}  // namespace
