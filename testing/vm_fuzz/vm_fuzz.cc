// Campaigns: sequence after sequence, and what to do with a failure (see
// vm_fuzz.h).

#include "testing/vm_fuzz/vm_fuzz.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include "testing/vm_fuzz/rng.h"
#include "testing/vm_fuzz/runner.h"
#include "testing/vm_fuzz/shrink.h"
#include "testing/vm_fuzz/text.h"

namespace vm_fuzz {

CampaignResult RunCampaign(const Campaign &campaign, std::ostream &log)
{
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    auto last_progress = start;
    CampaignResult result;
    for (uint64_t sequence = 0;; sequence++) {
        bool steps_done = campaign.steps != 0 && result.steps >= campaign.steps;
        bool time_done = campaign.seconds != 0 && elapsed() >= campaign.seconds;
        if (steps_done || time_done) {
            break;
        }
        uint64_t seed = Mix(campaign.seed ^ Mix(sequence));
        Rng shape(seed ^ 0x5eed);
        size_t length = 50 + shape.Below(350);
        if (campaign.steps != 0) {
            length = std::min(length, campaign.steps - result.steps);
        }
        Config config = campaign.config;
        if (campaign.vary_arena) {
            // Small memories run out often: out-of-memory paths get their turn.
            const size_t arenas[] = {64, 96, 128, 192, 256};
            config.arena_pages = arenas[shape.Below(5)];
        }
        SequenceResult run = GenerateAndRun(seed, length, config);
        result.sequences++;
        if (config.trace) {
            log << "vm_fuzz: sequence " << sequence << " (seed " << Hex(seed) << "):\n"
                << run.output;
        }
        if (!run.failure.failed) {
            result.steps += run.ops.size();
            result.stats.Add(run.stats);
            if (std::chrono::duration<double>(Clock::now() - last_progress).count() >= 10) {
                last_progress = Clock::now();
                log << "vm_fuzz: " << result.steps << " steps in " << result.sequences
                    << " sequences, " << elapsed() << " s, no failure\n";
            }
            continue;
        }

        result.failed = true;
        result.failure = run.failure;
        result.sequence_seed = seed;
        result.steps_to_failure = result.steps + run.failure.step + 1;
        result.steps += run.ops.size();
        result.failing.assign(
            run.ops.begin(), run.ops.begin() + static_cast<ptrdiff_t>(
                                                   std::min(run.ops.size(), run.failure.step + 1)));
        log << "vm_fuzz: FAILURE after " << result.steps_to_failure << " steps (sequence "
            << sequence << ", seed " << Hex(seed) << ", operation " << run.failure.step
            << "): " << run.failure.category << ": " << run.failure.message << "\n";
        log << "vm_fuzz: the sequence's output:\n" << run.output;

        result.minimized = result.failing;
        if (campaign.shrink) {
            const std::string category = run.failure.category;
            size_t tries = 0;
            auto fails = [&](const std::vector<Op> &ops) {
                tries++;
                SequenceResult r = Replay(ops, config);
                return r.failure.failed && r.failure.category == category;
            };
            if (fails(result.failing)) {
                result.minimized = Shrink(result.failing, fails, 4000);
                log << "vm_fuzz: shrunk " << result.failing.size() << " operations to "
                    << result.minimized.size() << " in " << tries << " replays\n";
            } else {
                log << "vm_fuzz: the failing sequence does not fail the same way on replay; "
                       "not shrunk\n";
            }
        }
        Config traced = config;
        traced.trace = true;
        SequenceResult replay = Replay(result.minimized, traced);
        result.replay_output = replay.output;
        log << "vm_fuzz: minimized sequence (save as a file, run with --replay=FILE):\n"
            << FormatReplay(result.minimized, config) << "vm_fuzz: its replay:\n"
            << replay.output << "vm_fuzz: replay result: "
            << (replay.failure.failed ? replay.failure.category + ": " + replay.failure.message
                                      : std::string("no failure"))
            << "\n";
        log << "vm_fuzz: reproduce the whole run with --seed=" << campaign.seed
            << "; the failing sequence alone is GenerateAndRun(" << Hex(seed) << ", " << length
            << ") with " << config.arena_pages << " pages\n";
        break;
    }
    result.seconds = elapsed();
    return result;
}

}  // namespace vm_fuzz
