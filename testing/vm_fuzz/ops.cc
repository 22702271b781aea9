// Operations as text (see ops.h).

#include "testing/vm_fuzz/ops.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "testing/fake_cpus.h"
#include "testing/pmem_arena.h"
#include "testing/vm_fuzz/text.h"

namespace vm_fuzz {

namespace {

// Indexed by OpKind.
const char *const kOpNames[] = {"spawn", "exec",   "sbrk",   "touch",   "fork",
                                "exit",  "switch", "kernel", "failnext"};
constexpr size_t kNumOpKinds = sizeof kOpNames / sizeof kOpNames[0];

}  // namespace

const char *OpName(OpKind kind)
{
    return kOpNames[static_cast<size_t>(kind)];
}

std::string FormatOp(const Op &op)
{
    std::string text =
        Printf("%s %u 0x%" PRIx64 " 0x%" PRIx64, OpName(op.kind), op.proc, op.a, op.b);
    if (op.cpu != 0) {
        text += Printf(" @%u", op.cpu);
    }
    return text;
}

bool ParseOp(const std::string &line, Op *op)
{
    char name[16];
    unsigned proc;
    unsigned long long a, b;
    unsigned cpu = 0;
    char extra;
    int n = sscanf(line.c_str(), "%15s %u %llx %llx @%u %c", name, &proc, &a, &b, &cpu, &extra);
    if (n != 4 && n != 5) {
        return false;
    }
    if (n == 4 && sscanf(line.c_str(), "%*s %*u %*x %*x %c", &extra) == 1) {
        return false;  // something after the words that is no "@cpu"
    }
    for (size_t i = 0; i < kNumOpKinds; i++) {
        if (strcmp(name, kOpNames[i]) == 0) {
            *op = Op{static_cast<OpKind>(i), proc, a, b, cpu};
            return true;
        }
    }
    return false;
}

std::string FormatReplay(const std::vector<Op> &ops, const Config &config)
{
    std::string text =
        Printf("vm_fuzz replay arena=%zu procs=%zu", config.arena_pages, config.max_procs);
    text += config.cpus > 1 ? Printf(" cpus=%zu\n", config.cpus) : "\n";
    for (const Op &op : ops) {
        text += FormatOp(op) + "\n";
    }
    return text;
}

bool ParseReplay(const std::string &text, std::vector<Op> *ops, Config *config, std::string *error)
{
    std::istringstream in(text);
    std::string line;
    bool header = false;
    int number = 0;
    ops->clear();
    while (std::getline(in, line)) {
        number++;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (!header) {
            size_t arena, procs, cpus = 1;
            char extra;
            int n = sscanf(line.c_str(), "vm_fuzz replay arena=%zu procs=%zu cpus=%zu %c", &arena,
                           &procs, &cpus, &extra);
            bool plain = n == 2 &&
                         sscanf(line.c_str(), "vm_fuzz replay arena=%*u procs=%*u %c", &extra) != 1;
            if ((!plain && n != 3) || arena < kPmemArenaMinPages || procs < 1 || procs > 64 ||
                cpus < 1 || cpus > kFakeCpusMax) {
                *error = Printf("line %d: expected \"vm_fuzz replay arena=N procs=N\" "
                                "(and cpus=N)",
                                number);
                return false;
            }
            config->arena_pages = arena;
            config->max_procs = procs;
            config->cpus = cpus;
            header = true;
            continue;
        }
        Op op;
        if (!ParseOp(line, &op)) {
            *error = Printf("line %d: not an operation: %s", number, line.c_str());
            return false;
        }
        ops->push_back(op);
    }
    if (!header) {
        *error = "no \"vm_fuzz replay\" header";
        return false;
    }
    return true;
}

}  // namespace vm_fuzz
