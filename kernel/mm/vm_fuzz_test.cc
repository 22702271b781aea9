// Tests of the vm sequence fuzzer (testing/vm_fuzz/vm_fuzz.h), and a short
// fixed-seed run of it over the real vm, pgfault, pmem and kmalloc code on the
// fake page table. Longer runs: `bazel run //kernel/mm:vm_fuzz -- --duration=600`.
//
// Criteria checked:
//  1. The PRNG is deterministic per seed and stays in range.
//  2. Operations and replay files round-trip through text; malformed replay
//     files are refused with the line number.
//  3. Shrinking finds the few operations that matter.
//  4. A generated sequence replays to the same operations and outcome.
//  5. A fixed-seed run of several thousand steps finds no failure: every
//     invariant of vm_check, the page accounting and the memory model hold
//     after every step.
//  6. The fuzzer finds an injected page-table bug (no TLB flushes) and
//     shrinks it to a handful of operations.
//  7. Regression: an eager fork after sbrk(64 TiB) takes no time.
//  8. On three simulated CPUs, processes running on several at once: a
//     fixed-seed run finds no failure, and shoots TLB entries down.
//  9. The fuzzer finds an injected shootdown bug (flushes that reach only
//     the CPU making them) and shrinks it to a handful of operations.

#include <chrono>
#include <iostream>
#include <set>
#include <sstream>

#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/rng.h"
#include "testing/vm_fuzz/runner.h"
#include "testing/vm_fuzz/shrink.h"
#include "testing/vm_fuzz/vm_fuzz.h"
#include "gtest/gtest.h"

namespace vm_fuzz {
namespace {

TEST(VmFuzzTest, RngIsDeterministicAndStaysInRange)
{
    Rng a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 100; i++) {
        uint64_t x = a.Next();
        EXPECT_EQ(x, b.Next());
        differs |= x != c.Next();
    }
    EXPECT_TRUE(differs) << "another seed gives another sequence";
    std::set<uint64_t> seen;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = a.Below(7);
        EXPECT_LT(x, 7u);
        seen.insert(x);
    }
    EXPECT_EQ(seen.size(), 7u);
}

TEST(VmFuzzTest, OperationsAndReplayFilesRoundTripThroughText)
{
    std::vector<Op> ops = {
        {OpKind::kSpawn, 0, 0x12, 0x34},     {OpKind::kTouch, 3, ~0ull, 0},
        {OpKind::kFailNext, 1, 5, 6},        {OpKind::kKernel, 0, 0, 0},
        {OpKind::kSbrk, 2, 7, 8, /*cpu=*/3},
    };
    Config config;
    config.arena_pages = 96;
    config.max_procs = 3;
    config.cpus = 4;
    std::string text = FormatReplay(ops, config);
    std::vector<Op> parsed;
    Config read;
    std::string error;
    ASSERT_TRUE(ParseReplay("# a comment\n" + text, &parsed, &read, &error)) << error;
    ASSERT_EQ(parsed.size(), ops.size());
    for (size_t i = 0; i < ops.size(); i++) {
        EXPECT_EQ(FormatOp(parsed[i]), FormatOp(ops[i]));
    }
    EXPECT_EQ(read.arena_pages, 96u);
    EXPECT_EQ(read.max_procs, 3u);
    EXPECT_EQ(read.cpus, 4u);
    EXPECT_EQ(FormatOp(ops[4]), "sbrk 2 0x7 0x8 @3");
    EXPECT_EQ(FormatOp(ops[0]), "spawn 0 0x12 0x34") << "CPU 0 is left out";
    ASSERT_TRUE(ParseReplay("vm_fuzz replay arena=96 procs=3\n", &parsed, &read, &error));
    EXPECT_EQ(read.cpus, 1u) << "a file from before CPUs";

    EXPECT_FALSE(ParseReplay("touch 0 0x1 0x2\n", &parsed, &read, &error));
    EXPECT_EQ(error, "line 1: expected \"vm_fuzz replay arena=N procs=N\" (and cpus=N)");
    EXPECT_FALSE(ParseReplay(text + "jump 0 0x1 0x2\n", &parsed, &read, &error));
    EXPECT_EQ(error, "line 7: not an operation: jump 0 0x1 0x2");
    EXPECT_FALSE(ParseReplay(text + "touch 0 0x1 0x2 extra\n", &parsed, &read, &error));
    EXPECT_FALSE(ParseReplay(text + "touch 0 0x1 0x2 @1 extra\n", &parsed, &read, &error));
    EXPECT_FALSE(ParseReplay("vm_fuzz replay arena=96 procs=3 cpus=9\n", &parsed, &read, &error));
    EXPECT_FALSE(ParseReplay("", &parsed, &read, &error));
}

TEST(VmFuzzTest, ShrinkFindsTheOperationsThatMatter)
{
    // Fails when an operation with a == 3 comes before one with a == 7.
    auto fails = [](const std::vector<Op> &ops) {
        bool three = false;
        for (const Op &op : ops) {
            three |= op.a == 3;
            if (three && op.a == 7) {
                return true;
            }
        }
        return false;
    };
    std::vector<Op> ops;
    for (uint64_t i = 0; i < 200; i++) {
        ops.push_back({OpKind::kTouch, 0, i % 50 == 3 ? 3 : i == 150 ? 7 : 100 + i, 0});
    }
    ASSERT_TRUE(fails(ops));
    std::vector<Op> small = Shrink(ops, fails, 10000);
    ASSERT_EQ(small.size(), 2u);
    EXPECT_EQ(small[0].a, 3u);
    EXPECT_EQ(small[1].a, 7u);
}

TEST(VmFuzzTest, AGeneratedSequenceReplaysTheSame)
{
    Config config;
    SequenceResult generated = GenerateAndRun(/*seed=*/7, /*length=*/300, config);
    ASSERT_FALSE(generated.failure.failed)
        << generated.failure.category << ": " << generated.failure.message << "\n"
        << generated.output;
    ASSERT_EQ(generated.ops.size(), 300u);
    SequenceResult replayed = Replay(generated.ops, config);
    EXPECT_FALSE(replayed.failure.failed) << replayed.failure.message;
    ASSERT_EQ(replayed.ops.size(), generated.ops.size());
    for (size_t i = 0; i < generated.ops.size(); i++) {
        EXPECT_EQ(FormatOp(replayed.ops[i]), FormatOp(generated.ops[i]));
    }
}

TEST(VmFuzzTest, EagerForkOfAHugeSparseHeapCopiesOnlyItsPages)
{
    // The fuzzer's first find: as_copy's eager mode probed every page of
    // every region, so forking after sbrk(64 TiB) never finished.
    std::vector<Op> ops = {
        {OpKind::kSpawn, 0, 0, 0}, {OpKind::kSbrk, 0, /*a % 20 == 12: 1 GiB << (b % 17)*/ 12, 16},
        {OpKind::kTouch, 0, 0, 0}, {OpKind::kFork, 0, /*a % 10 == 0: eager*/ 10, 0},
        {OpKind::kTouch, 1, 0, 0},
    };
    auto start = std::chrono::steady_clock::now();
    SequenceResult result = Replay(ops, Config());
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_FALSE(result.failure.failed)
        << result.failure.category << ": " << result.failure.message << "\n"
        << result.output;
    EXPECT_EQ(result.stats.forks, 1u);
    EXPECT_LT(seconds, 5.0);
}

TEST(VmFuzzTest, FixedSeedRunFindsNoFailure)
{
    Campaign campaign;
    campaign.seed = 20261123;
    campaign.steps = 10000;
    CampaignResult result = RunCampaign(campaign, std::cerr);
    EXPECT_FALSE(result.failed) << "reproduce: bazel run //kernel/mm:vm_fuzz -- --seed="
                                << campaign.seed << " --steps=" << campaign.steps;
    EXPECT_EQ(result.steps, campaign.steps);
    std::cerr << "vm_fuzz: " << result.steps << " steps in " << result.sequences << " sequences, "
              << result.seconds << " s: " << result.stats.Format() << "\n";
    // Everything the fuzzer is for happened, many times.
    const Stats &s = result.stats;
    for (uint64_t count :
         {s.tlb_hits, s.demand_zero, s.cow_copies, s.cow_reused, s.kills, s.out_of_memory, s.forks,
          s.forks_failed, s.execs, s.execs_failed, s.sbrks_refused, s.exits}) {
        EXPECT_GE(count, 5u) << s.Format();
    }
}

// Runs a campaign with a bug planted (`config`) and expects the fuzzer to
// find it, shrink it to a few operations, and find it again in the shrunk
// sequence. Prints what it found, as `what`.
void ExpectPlantedBugFoundAndShrunk(const Config &config, const char *what)
{
    Campaign campaign;
    campaign.seed = 1;
    campaign.steps = 20000;
    campaign.config = config;
    std::ostringstream log;
    CampaignResult result = RunCampaign(campaign, log);
    ASSERT_TRUE(result.failed) << log.str();
    EXPECT_LE(result.minimized.size(), 12u) << log.str();
    SequenceResult again = Replay(result.minimized, campaign.config);
    EXPECT_TRUE(again.failure.failed);
    EXPECT_EQ(again.failure.category, result.failure.category);
    std::cerr << "vm_fuzz: " << what << ": found after " << result.steps_to_failure << " steps ("
              << result.failure.category << ": " << result.failure.message << "), shrunk to "
              << result.minimized.size() << " operations\n";
}

TEST(VmFuzzTest, FindsMissingTlbFlushesAndShrinksThem)
{
    Config config;
    config.suppress_tlb_flushes = true;
    ExpectPlantedBugFoundAndShrunk(config, "a page table that never flushes the TLB");
}

TEST(VmFuzzTest, FixedSeedRunOnThreeCpusFindsNoFailure)
{
    Campaign campaign;
    campaign.seed = 20261123;
    campaign.steps = 10000;
    campaign.config.cpus = 3;
    CampaignResult result = RunCampaign(campaign, std::cerr);
    EXPECT_FALSE(result.failed) << "reproduce: bazel run //kernel/mm:vm_fuzz -- --seed="
                                << campaign.seed << " --steps=" << campaign.steps << " --cpus=3";
    EXPECT_EQ(result.steps, campaign.steps);
    std::cerr << "vm_fuzz: on 3 CPUs, " << result.steps << " steps in " << result.sequences
              << " sequences, " << result.seconds << " s: " << result.stats.Format() << "\n";
    // Processes ran on several CPUs at once, and changes were shot down.
    const Stats &s = result.stats;
    for (uint64_t count : {s.tlb_hits, s.cow_copies, s.cow_reused, s.forks, s.sbrks, s.exits,
                           s.shared_loads, s.shootdowns}) {
        EXPECT_GE(count, 5u) << s.Format();
    }
}

TEST(VmFuzzTest, FindsLostShootdownsAndShrinksThem)
{
    Config config;
    config.cpus = 3;
    config.lose_shootdowns = true;
    ExpectPlantedBugFoundAndShrunk(config, "TLB flushes that reach only the CPU making them");
}

}  // namespace
}  // namespace vm_fuzz
