#pragma once

// The operations a sequence is made of, and their text forms: one line per
// operation, and the replay file (a header, then the lines).
//
// An operation is a plain record, not a closure over the state it was
// generated in: it names a process by index into whichever processes live
// when it runs and carries random words rather than decisions, so any
// subsequence of a sequence still runs, which is what shrinking needs, and a
// sequence saved as text replays exactly.

#include <cstdint>
#include <string>
#include <vector>

#include "testing/vm_fuzz/sequence.h"

namespace vm_fuzz {

enum class OpKind : uint8_t {
    kSpawn,
    kExec,
    kSbrk,
    kTouch,
    kFork,
    kExit,
    kSwitch,
    kKernel,
    kFailNext,
};

// One operation. `proc` picks a process as an index into the live ones
// (modulo their number); `a` and `b` are random words the operation reads
// its choices from (which address, which increment, ...); `cpu` is the
// simulated CPU it runs on (modulo their number; always 0 with one CPU).
struct Op {
    OpKind kind = OpKind::kTouch;
    uint32_t proc = 0;
    uint64_t a = 0;
    uint64_t b = 0;
    uint32_t cpu = 0;
};

// The name an operation has in its text form: "spawn", "touch", ...
const char *OpName(OpKind kind);

// One line, e.g. "touch 1 0x1234 0xabcd", and back; an operation on a CPU
// other than 0 ends in "@cpu": "touch 1 0x1234 0xabcd @2". ParseOp accepts
// what FormatOp writes and rejects anything else.
std::string FormatOp(const Op &op);
bool ParseOp(const std::string &line, Op *op);

// The replay-file form: a header "vm_fuzz replay arena=N procs=N", with
// " cpus=N" after it when there are several CPUs, then one FormatOp line per
// operation; '#' starts a comment line. ParseReplay sets config's
// arena_pages, max_procs and cpus (1 without it) from the header and leaves
// the rest; on a malformed file it says which line in *error and returns
// false.
std::string FormatReplay(const std::vector<Op> &ops, const Config &config);
bool ParseReplay(const std::string &text, std::vector<Op> *ops, Config *config, std::string *error);

}  // namespace vm_fuzz
