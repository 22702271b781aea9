#pragma once

// The model: what each process should see, and what the kernel should say.
//
// A process's memory is modelled as the bytes exec loaded (a pattern in code
// and loaded data, zero elsewhere) overlaid with every byte the process
// wrote since; reads and full-page comparisons (checks.h) hold the kernel to
// it, so a write seen by another process or a fresh page that is not zero
// shows up. The regions alone (code, data, heap up to the break, stack)
// decide each fault's verdict and each sbrk's result: the kernel's answers
// are compared with these predictions, never with themselves.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/pgfault.h"
#include "kernel/user_layout.h"
}

struct addrspace;

namespace vm_fuzz {

constexpr vaddr_t kCodeStart = USER_REGION_MIN;
constexpr vaddr_t kStackStart = USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE;
constexpr vaddr_t kGuardStart = kStackStart - USTACK_GUARD_PAGES * PAGE_SIZE;

// Page-table pages of an address space as exec builds it: the root, and a
// PDPT, a PD and a PT for each of the two 2 MiB spans it maps a page in
// (code and data; the stack's top page). See arch/vpmap.h.
constexpr size_t kExecTablePages = 1 + 3 + 3;

// Where exec put things, and the salt of the loaded bytes.
struct Layout {
    vaddr_t code_end;
    vaddr_t data_start;
    vaddr_t loaded_end;  // data pages [data_start, loaded_end) are loaded, the rest bss
    vaddr_t data_end;
    vaddr_t heap_start;
    uint64_t salt;
};

// Pages exec loads from the file (code and loaded data).
size_t LoadedPages(const Layout &l);

// The byte exec loaded at va: a pattern in code and loaded data, 0 elsewhere.
// Loaded bytes are odd, so a page whose first byte is 0 was not loaded.
uint8_t InitialByte(const Layout &l, vaddr_t va);

// A process as the model sees it, beside the address space the kernel keeps
// for it.
struct Proc {
    uint32_t id;
    struct addrspace *as;
    Layout layout;
    vaddr_t brk;
    std::map<vaddr_t, uint8_t> bytes;  // bytes this process wrote, as it should see them
    std::vector<vaddr_t> written;      // addresses it wrote (some may be gone), to revisit
};

enum class Region { kNone, kCode, kData, kHeap, kStack };

Region RegionOf(const Proc &p, vaddr_t va);

// The byte p should read at va.
uint8_t ExpectedByte(const Proc &p, vaddr_t va);

// The page at `page` as p should see it, if it is mapped: PAGE_SIZE bytes
// into want.
void ExpectedPage(const Proc &p, vaddr_t page, uint8_t *want);

// p wrote value at va. Remembers at most 4096 addresses to revisit (a
// random one makes room), so a long-lived process does not slow the run.
void RecordWrite(Proc *p, vaddr_t va, uint8_t value);

// What sbrk(increment) must return in p, and where it leaves the break
// (kernel/mm/vm.h's rules).
struct SbrkOutcome {
    err_t err;
    vaddr_t brk;
};
SbrkOutcome ExpectedSbrk(const Proc &p, int64_t increment);

// Moves p's break to brk, as a successful sbrk did: the whole pages above a
// lower break are gone, so they read zero again.
void MoveBreak(Proc *p, vaddr_t brk);

// The verdict the regions call for, or FAULT_RESOLVED when they allow the
// access (then the handler must serve it, or run out of memory).
enum fault_verdict ExpectedVerdict(const Proc &p, vaddr_t va, bool write);

// "FAULT_RESOLVED", ...: the enumerator's name, for messages.
const char *VerdictName(enum fault_verdict v);

// How many table pages a mapping of va in v would allocate now, 0 to 3: the
// model's measure of whether running out of memory was fair.
size_t TablesMissing(struct vpmap *v, vaddr_t va);

}  // namespace vm_fuzz
