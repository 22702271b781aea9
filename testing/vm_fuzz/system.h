#pragma once

// The interpreter: a small operating system on the host, driving the real
// vm.c, pgfault.c, pmem.c and kmalloc.c with operations (ops.h).
//
// It keeps the live processes (each an address space the kernel built with
// exec's loader, beside the model's view of it: model.h), loads page tables
// on switches as the scheduler would, and makes user accesses through the
// simulated CPUs and their TLBs (testing/fake_cpus.h, testing/fake_mmu.h): a
// fault happens only where the MMU would fault, and then handle_page_fault
// runs as the trap code would call it; a process whose fault is not
// resolved dies, and a resolved access is retried and must not fault
// again. Every access, verdict and result is compared with the model's
// prediction as it happens; the first difference is the sequence's failure,
// and nothing more is judged after it.
//
// Several CPUs: each operation runs on its CPU, which loads the process's
// table if it runs another; a process may run on several CPUs at once (its
// table loaded on each, as its threads would have it), and a change one CPU
// makes must then be seen by the next access on every other. Exit and exec
// take the process off every CPU first (the kernel's table is loaded there),
// as they would end its other threads.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "testing/vm_fuzz/model.h"
#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/sequence.h"

extern "C" {
#include "kernel/addr.h"
#include "kernel/err.h"
}

namespace vm_fuzz {

class System {
  public:
    explicit System(const Config &config) : config_(config)
    {
    }

    // A fresh arena and everything on it. False (with the failure set) when
    // the host state is not clean.
    bool Start();

    // Every process exits; then nothing may be left (checks.h).
    void Finish();

    // What the generator picks from: how many processes live, and which one
    // runs on each CPU (-1: none).
    size_t Procs() const
    {
        return procs_.size();
    }
    const std::vector<int> &Running() const
    {
        return running_;
    }

    // Runs op, the step'th operation of the sequence, against whatever
    // state it meets (a process index wraps around the live ones; with no
    // process, an operation that needs one does nothing).
    void Apply(const Op &op, size_t step);

    // The checks made after every step (checks.h).
    void AfterStep();

    const Failure &failure() const
    {
        return failure_;
    }

    // The statistics, with the fault handler's own counts.
    Stats stats() const;

  private:
    void Trace(const char *format, ...) __attribute__((format(printf, 2, 3)));
    std::string OnCpu() const;  // " on cpu N" with several CPUs, else nothing
    void Fail(const std::string &category, const std::string &message);

    void Hoard(size_t left);
    void Unhoard();
    bool MayRunOut(size_t free_before, size_t pages) const;

    void Spawn(const Op &op);
    void Exec(size_t index, const Op &op);
    void SwitchTo(size_t index);
    void LoadKernelTable(size_t cpu);
    void TakeOffEveryCpu(size_t index);
    void Exit(size_t index);
    void Sbrk(size_t index, const Op &op);
    void Fork(size_t index, const Op &op);
    bool Access(size_t index, vaddr_t va, bool write, uint8_t value);
    void Touch(size_t index, const Op &op);

    Config config_;
    std::vector<Proc> procs_;
    std::vector<int> running_;  // per CPU: the process whose page table is loaded, or -1
    size_t cpu_ = 0;            // the CPU the operation runs on
    uint32_t next_id_ = 1;
    int pending_fail_ = -1;       // a FailNext waiting for its operation
    bool armed_ = false;          // this operation runs with the pages left that FailNext said
    std::vector<paddr_t> hoard_;  // the pages taken away for it
    size_t step_ = 0;
    size_t baseline_free_ = 0;
    uint64_t baseline_shootdowns_ = 0;
    Failure failure_;
    Stats stats_;
};

}  // namespace vm_fuzz
