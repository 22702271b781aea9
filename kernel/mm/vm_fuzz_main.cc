// vm_fuzz: long runs of the vm sequence fuzzer (testing/vm_fuzz/vm_fuzz.h).
//
//   bazel run //kernel/mm:vm_fuzz -- --duration=600          ten minutes, a new seed
//   bazel run //kernel/mm:vm_fuzz -- --seed=42 --steps=1000000
//   bazel run //kernel/mm:vm_fuzz -- --replay=/tmp/failure.txt   one saved sequence, traced
//
// Exit status: 0 no failure, 1 a failure (reported with its seed, the
// minimized sequence in replay-file form and a trace of its replay), 2 bad
// command line.

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/runner.h"
#include "testing/vm_fuzz/vm_fuzz.h"

namespace {

const char kUsage[] =
    "usage: vm_fuzz [--seed=N] [--steps=N] [--duration=SECONDS] [--procs=N] [--cpus=N]\n"
    "               [--arena=PAGES] [--no-shrink] [--inject=BUG] [--trace]\n"
    "       vm_fuzz --replay=FILE [--inject=BUG]\n"
    "  --seed=N          first seed (decimal or 0x hex); default: from the clock, printed\n"
    "  --steps=N         stop after N operations in all (1 .. 10^12)\n"
    "  --duration=T      stop after T seconds (1 .. 604800; suffix s, m or h allowed);\n"
    "                    without --steps or --duration: --duration=60\n"
    "  --procs=N         at most N processes at once (1 .. 64; default 6)\n"
    "  --cpus=N          simulated CPUs, each with its own TLB (1 .. 8; default 1); a\n"
    "                    process may run on several at once\n"
    "  --arena=PAGES     physical memory of each sequence, in pages (64 .. 65536);\n"
    "                    default: 64 .. 256, chosen per sequence\n"
    "  --no-shrink       report a failing sequence as found, without minimizing it\n"
    "  --inject=no-tlb-flush  the MMU ignores single-page TLB flushes: a planted bug\n"
    "                    the fuzzer must find (checks the fuzzer itself)\n"
    "  --inject=lost-shootdowns  TLB flushes reach only the CPU that makes them (with\n"
    "                    --cpus=2 or more: a missing shootdown)\n"
    "  --trace           print every step of every sequence (with --steps: a few hundred)\n"
    "  --replay=FILE     run one saved sequence (vm_fuzz's failure report prints one), traced\n";

[[noreturn]] void Usage(const std::string &problem)
{
    std::cerr << "vm_fuzz: " << problem << "\n" << kUsage;
    std::exit(2);
}

// A whole unsigned number in [min, max], decimal or 0x hex.
uint64_t Number(const std::string &flag, const std::string &text, uint64_t min, uint64_t max)
{
    if (text.empty() || text[0] == '-' || text[0] == '+') {
        Usage(flag + ": not a number: '" + text + "'");
    }
    char *end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text.c_str(), &end, 0);
    if (errno != 0 || *end != '\0') {
        Usage(flag + ": not a number: '" + text + "'");
    }
    if (value < min || value > max) {
        Usage(flag + ": " + text + " is out of range (" + std::to_string(min) + " .. " +
              std::to_string(max) + ")");
    }
    return value;
}

double Seconds(const std::string &text)
{
    std::string digits = text;
    double unit = 1;
    if (!digits.empty() && std::strchr("smh", digits.back()) != nullptr) {
        unit = digits.back() == 'm' ? 60 : digits.back() == 'h' ? 3600 : 1;
        digits.pop_back();
    }
    return static_cast<double>(Number("--duration", digits, 1, 604800)) * unit;
}

}  // namespace

int main(int argc, char **argv)
{
    vm_fuzz::Campaign campaign;
    campaign.seed =
        static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    std::string replay;
    bool seen_seed = false;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        size_t eq = arg.find('=');
        std::string flag = arg.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
        bool has_value = eq != std::string::npos;
        auto need_value = [&] {
            if (!has_value) {
                Usage(flag + " needs a value (" + flag + "=...)");
            }
        };
        if (flag == "--seed") {
            need_value();
            campaign.seed = Number(flag, value, 0, UINT64_MAX);
            seen_seed = true;
        } else if (flag == "--steps") {
            need_value();
            campaign.steps = Number(flag, value, 1, 1000000000000ull);
        } else if (flag == "--duration") {
            need_value();
            campaign.seconds = Seconds(value);
        } else if (flag == "--procs") {
            need_value();
            campaign.config.max_procs = Number(flag, value, 1, 64);
        } else if (flag == "--cpus") {
            need_value();
            campaign.config.cpus = Number(flag, value, 1, 8);
        } else if (flag == "--arena") {
            need_value();
            campaign.config.arena_pages = Number(flag, value, 64, 65536);
            campaign.vary_arena = false;
        } else if (flag == "--trace" && !has_value) {
            campaign.config.trace = true;
        } else if (flag == "--no-shrink" && !has_value) {
            campaign.shrink = false;
        } else if (flag == "--inject") {
            need_value();
            if (value == "no-tlb-flush") {
                campaign.config.suppress_tlb_flushes = true;
            } else if (value == "lost-shootdowns") {
                campaign.config.lose_shootdowns = true;
            } else {
                Usage("--inject: unknown bug '" + value +
                      "' (known: no-tlb-flush, lost-shootdowns)");
            }
        } else if (flag == "--replay") {
            need_value();
            replay = value;
        } else if (flag == "--help" || flag == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            Usage("unknown argument '" + arg + "'");
        }
    }

    if (!replay.empty()) {
        if (seen_seed || campaign.steps != 0 || campaign.seconds != 0) {
            Usage("--replay runs one saved sequence: no --seed, --steps or --duration");
        }
        std::ifstream in(replay);
        if (!in) {
            Usage("--replay: cannot read " + replay);
        }
        std::stringstream text;
        text << in.rdbuf();
        std::vector<vm_fuzz::Op> ops;
        std::string error;
        vm_fuzz::Config config = campaign.config;
        if (!vm_fuzz::ParseReplay(text.str(), &ops, &config, &error)) {
            Usage("--replay: " + replay + ": " + error);
        }
        config.trace = true;
        vm_fuzz::SequenceResult result = vm_fuzz::Replay(ops, config);
        std::cout << result.output;
        if (result.failure.failed) {
            std::cout << "vm_fuzz: FAILURE at operation " << result.failure.step << ": "
                      << result.failure.category << ": " << result.failure.message << "\n";
            return 1;
        }
        std::cout << "vm_fuzz: " << ops.size() << " operations, no failure\n";
        return 0;
    }

    if (campaign.steps == 0 && campaign.seconds == 0) {
        campaign.seconds = 60;
    }
    std::cout << "vm_fuzz: seed " << campaign.seed << ", "
              << (campaign.steps != 0 ? std::to_string(campaign.steps) + " steps" : "")
              << (campaign.steps != 0 && campaign.seconds != 0 ? " or " : "")
              << (campaign.seconds != 0 ? std::to_string(campaign.seconds) + " s" : "")
              << ", up to " << campaign.config.max_procs << " processes on " << campaign.config.cpus
              << (campaign.config.cpus == 1 ? " CPU, " : " CPUs, ")
              << (campaign.vary_arena ? std::string("64 .. 256")
                                      : std::to_string(campaign.config.arena_pages))
              << " pages of memory"
              << (campaign.config.suppress_tlb_flushes ? ", TLB flushes suppressed" : "")
              << (campaign.config.lose_shootdowns ? ", shootdowns lost" : "") << std::endl;
    vm_fuzz::CampaignResult result = vm_fuzz::RunCampaign(campaign, std::cout);
    std::cout << "vm_fuzz: " << result.steps << " steps in " << result.sequences << " sequences, "
              << result.seconds << " s: "
              << (result.failed
                      ? "FAILED after " + std::to_string(result.steps_to_failure) + " steps"
                      : std::string("no failure"))
              << " (seed " << campaign.seed << ")\nvm_fuzz: " << result.stats.Format() << std::endl;
    return result.failed ? 1 : 0;
}
