// Host tests for the rendezvous protocol (kernel/rendezvous.h), with host
// threads standing for CPUs: a thread "answers its interrupt" by polling
// rendezvous_asked, as a CPU would when its interrupt arrives.
//
// Criteria checked:
//  1. With no targets, a rendezvous succeeds at once.
//  2. When every target answers at rest, rendezvous_wait returns true and
//     every target stays parked (has not returned from rendezvous_answer)
//     until rendezvous_end, then goes on.
//  3. One busy answer makes the rendezvous fail; the busy target goes on at
//     once; the ones that parked stay parked until rendezvous_end.
//  4. An initiator that gives up waiting fails the rendezvous and withdraws
//     the question: a target that answers afterwards neither parks nor
//     counts; the ones that parked before stay parked until the end.
//  5. One initiator at a time: a second rendezvous_begin fails without
//     waiting, and succeeds again once the first has ended.
//  6. A CPU that was not asked, or has answered already, answers nothing
//     and does not park.
//  7. A parked target slow to see its release is not caught by the next
//     round: it leaves, then answers the next round's question afresh.
//  8. Under a storm of CPUs that go between rest and work and initiate
//     rendezvous themselves, giving up now and then, no rendezvous hangs,
//     and none succeeds while a target is working: from rendezvous_wait's
//     true to rendezvous_end, every target stays at rest.

#include <atomic>
#include <chrono>
#include <climits>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/rendezvous.h"
}

namespace {

void Yield()
{
    std::this_thread::yield();
}

// keep_waiting for an initiator that waits as long as it takes.
bool Forever(void *)
{
    Yield();
    return true;
}

// keep_waiting for one that gives up after *ctx (an int) more looks.
bool Looks(void *ctx)
{
    Yield();
    return (*static_cast<int *>(ctx))-- > 0;
}

// A target thread for the simple tests: waits to be asked, then answers
// once, and records whether it parked and when it returned.
struct Target {
    unsigned cpu;
    bool at_rest;
    std::atomic<bool> returned{false};
    std::atomic<bool> parked{false};
    std::thread thread;

    void Start(struct rendezvous *rv)
    {
        thread = std::thread([this, rv] {
            while (!rendezvous_asked(rv, cpu)) {
                Yield();
            }
            parked = rendezvous_answer(rv, cpu, at_rest, Yield);
            returned = true;
        });
    }
};

cpus_mask_t MaskOf(std::initializer_list<unsigned> cpus)
{
    cpus_mask_t mask = 0;
    for (unsigned cpu : cpus) {
        mask |= cpus_mask_of(cpu);
    }
    return mask;
}

TEST(RendezvousTest, NoTargetsSucceedsAtOnce)
{
    struct rendezvous rv = {};
    ASSERT_TRUE(rendezvous_begin(&rv, 0));
    EXPECT_TRUE(rendezvous_wait(&rv, Forever, nullptr));
    rendezvous_end(&rv);
}

TEST(RendezvousTest, TargetsAtRestStayParkedUntilTheEnd)
{
    struct rendezvous rv = {};
    std::vector<Target> targets(3);
    for (unsigned i = 0; i < targets.size(); i++) {
        targets[i].cpu = i + 1;
        targets[i].at_rest = true;
    }
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1, 2, 3})));
    for (Target &t : targets) {
        t.Start(&rv);
    }
    EXPECT_TRUE(rendezvous_wait(&rv, Forever, nullptr));
    // The initiator "looks" for a while: nobody may go on meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (Target &t : targets) {
        EXPECT_FALSE(t.returned) << "cpu " << t.cpu << " went on before the end";
    }
    rendezvous_end(&rv);
    for (Target &t : targets) {
        t.thread.join();
        EXPECT_TRUE(t.parked) << "cpu " << t.cpu;
    }
}

TEST(RendezvousTest, OneBusyTargetFailsItAndTheParkedWaitForTheEnd)
{
    struct rendezvous rv = {};
    std::vector<Target> targets(3);
    for (unsigned i = 0; i < targets.size(); i++) {
        targets[i].cpu = i + 1;
        targets[i].at_rest = i != 1;  // cpu 2 is busy
    }
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1, 2, 3})));
    // The two at rest answer first (a busy answer withdraws the question
    // from whoever has not answered yet).
    targets[0].Start(&rv);
    targets[2].Start(&rv);
    while (rendezvous_asked(&rv, 1) || rendezvous_asked(&rv, 3)) {
        Yield();
    }
    targets[1].Start(&rv);
    EXPECT_FALSE(rendezvous_wait(&rv, Forever, nullptr));
    targets[1].thread.join();  // the busy one went on by itself
    EXPECT_FALSE(targets[1].parked);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(targets[0].returned);
    EXPECT_FALSE(targets[2].returned);
    rendezvous_end(&rv);
    targets[0].thread.join();
    targets[2].thread.join();
    EXPECT_TRUE(targets[0].parked);
    EXPECT_TRUE(targets[2].parked);
}

TEST(RendezvousTest, GivingUpWithdrawsTheQuestion)
{
    struct rendezvous rv = {};
    Target early;
    early.cpu = 1;
    early.at_rest = true;
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1, 2})));
    early.Start(&rv);
    while (rendezvous_asked(&rv, 1)) {
        Yield();
    }
    int looks = 100;
    EXPECT_FALSE(rendezvous_wait(&rv, Looks, &looks)) << "cpu 2 never answered";
    EXPECT_LT(looks, 0) << "it gave up only when told";
    EXPECT_FALSE(rendezvous_asked(&rv, 2)) << "withdrawn";
    EXPECT_FALSE(rendezvous_answer(&rv, 2, true, Yield)) << "a late answer parks nobody";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(early.returned) << "cpu 1 parked before the withdrawal: it waits for the end";
    rendezvous_end(&rv);
    early.thread.join();
    EXPECT_TRUE(early.parked);
}

TEST(RendezvousTest, ABusyAnswerEndsTheWaitAtOnce)
{
    struct rendezvous rv = {};
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1, 2})));
    EXPECT_FALSE(rendezvous_answer(&rv, 1, false, Yield));
    // cpu 2 has not answered, and need not: the rendezvous has failed.
    EXPECT_FALSE(rendezvous_wait(&rv, Forever, nullptr));
    EXPECT_FALSE(rendezvous_asked(&rv, 2));
    rendezvous_end(&rv);
}

TEST(RendezvousTest, ASecondInitiatorGivesUpWithoutWaiting)
{
    struct rendezvous rv = {};
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1})));
    EXPECT_FALSE(rendezvous_begin(&rv, MaskOf({0})));
    EXPECT_TRUE(rendezvous_asked(&rv, 1)) << "the failed begin changed nothing";
    EXPECT_FALSE(rendezvous_asked(&rv, 0));
    EXPECT_FALSE(rendezvous_answer(&rv, 1, false, Yield));
    EXPECT_FALSE(rendezvous_wait(&rv, Forever, nullptr));
    rendezvous_end(&rv);
    ASSERT_TRUE(rendezvous_begin(&rv, 0));
    EXPECT_TRUE(rendezvous_wait(&rv, Forever, nullptr));
    rendezvous_end(&rv);
}

TEST(RendezvousTest, OnlyAnAskedCpuAnswersAndOnlyOnce)
{
    struct rendezvous rv = {};
    // Before any round, and for a CPU left out of one: nothing to answer,
    // and at rest or not, no parking (the call would never return).
    EXPECT_FALSE(rendezvous_answer(&rv, 1, true, Yield));
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1})));
    EXPECT_FALSE(rendezvous_asked(&rv, 2));
    EXPECT_FALSE(rendezvous_answer(&rv, 2, true, Yield));
    EXPECT_FALSE(rendezvous_answer(&rv, 1, false, Yield));  // busy
    EXPECT_FALSE(rendezvous_asked(&rv, 1));
    EXPECT_FALSE(rendezvous_answer(&rv, 1, true, Yield)) << "a second answer";
    EXPECT_FALSE(rendezvous_wait(&rv, Forever, nullptr));
    rendezvous_end(&rv);
}

// For SlowParkedTargetLeavesBeforeAnsweringTheNextRound: the target's wait
// step, which can be held up at the test's word.
std::atomic<bool> hold_spin{false};
std::atomic<bool> in_held_spin{false};

void HeldSpin()
{
    while (hold_spin) {
        in_held_spin = true;
        Yield();
    }
    in_held_spin = false;
    Yield();
}

TEST(RendezvousTest, SlowParkedTargetLeavesBeforeAnsweringTheNextRound)
{
    struct rendezvous rv = {};
    std::atomic<int> answers{0};
    std::atomic<int> parks{0};
    std::atomic<bool> stop{false};
    hold_spin = true;
    std::thread target([&] {
        while (!stop) {
            if (rendezvous_asked(&rv, 1)) {
                parks += rendezvous_answer(&rv, 1, true, HeldSpin);
                answers++;
            }
            Yield();
        }
    });
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1})));
    EXPECT_TRUE(rendezvous_wait(&rv, Forever, nullptr));
    while (!in_held_spin) {
        Yield();
    }
    // Round 1 ends and round 2 asks while the target has not yet seen the
    // release (its wait step is held up).
    rendezvous_end(&rv);
    ASSERT_TRUE(rendezvous_begin(&rv, MaskOf({1})));
    EXPECT_EQ(answers, 0);
    hold_spin = false;
    EXPECT_TRUE(rendezvous_wait(&rv, Forever, nullptr));
    EXPECT_EQ(answers, 1) << "round 1's answer returned; round 2's is parked";
    rendezvous_end(&rv);
    stop = true;
    target.join();
    EXPECT_EQ(answers, 2);
    EXPECT_EQ(parks, 2);
}

// Criterion 7. Each CPU thread goes between working (not at rest) and
// resting; it answers any question at once, from either; while resting it
// sometimes initiates. An initiator that succeeds checks that every target
// stays at rest while it looks.
TEST(RendezvousTest, StormOfCpusNeverHangsAndNeverLooksAtAWorkingCpu)
{
    constexpr unsigned kCpus = 4;
    constexpr auto kDuration = std::chrono::milliseconds(300);
    struct rendezvous rv = {};
    std::atomic<bool> working[kCpus];
    for (auto &w : working) {
        w = false;
    }
    std::atomic<bool> stop{false};
    std::atomic<unsigned> initiating{kCpus};  // CPUs that may still initiate
    std::atomic<unsigned long> succeeded{0};
    std::atomic<unsigned long> failed{0};
    std::atomic<unsigned long> lost{0};
    std::atomic<unsigned long> seen_working{0};

    auto cpu = [&](unsigned self) {
        std::mt19937 rng(self);
        cpus_mask_t others = ((cpus_mask_t)1 << kCpus) - 1 - cpus_mask_of(self);
        bool still_initiating = true;
        for (;;) {
            // "Interrupts on": answer whatever was asked.
            if (rendezvous_asked(&rv, self)) {
                (void)rendezvous_answer(&rv, self, !working[self], Yield);
            }
            if (stop && still_initiating) {
                still_initiating = false;
                initiating--;
            }
            if (!still_initiating) {
                if (initiating == 0) {
                    return;  // nobody left to ask anything
                }
                Yield();
                continue;
            }
            unsigned action = rng() % 8;
            if (action < 3) {
                working[self] = !working[self];
            } else if (action == 3 && !working[self]) {
                if (!rendezvous_begin(&rv, others)) {
                    lost++;
                    continue;
                }
                // Half the time, give up after a few looks.
                int looks = rng() % 2 == 0 ? (int)(rng() % 20) : INT_MAX;
                if (rendezvous_wait(&rv, Looks, &looks)) {
                    succeeded++;
                    for (int look = 0; look < 50; look++) {
                        for (unsigned i = 0; i < kCpus; i++) {
                            seen_working += working[i];
                        }
                        Yield();
                    }
                } else {
                    failed++;
                }
                rendezvous_end(&rv);
            } else {
                Yield();
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < kCpus; i++) {
        threads.emplace_back(cpu, i);
    }
    std::this_thread::sleep_for(kDuration);
    stop = true;
    for (auto &t : threads) {
        t.join();
    }
    EXPECT_EQ(seen_working, 0u) << "a CPU worked during a successful rendezvous";
    EXPECT_GT(succeeded, 0u);
    EXPECT_GT(failed, 0u);
    RecordProperty("succeeded", (int)succeeded);
    RecordProperty("failed", (int)failed);
    RecordProperty("lost", (int)lost);
}

}  // namespace
