// Host tests for the process code (kernel/proc.c): fork, its unwinding when
// it cannot finish, exec, exit and wait, on the host arena with threads that
// are created but never scheduled (testing/fake_sched.h) and user frames that
// hold a few registers (testing/fake_user_mode.h).
//
// The process table lives as long as the test program, as it lives as long
// as the kernel: the suite starts init once, from an initrd made here, and
// each test forks from it. Every test ends with everything as it began: the
// free pages, the address spaces, the threads, the table's slots, and the
// references to init's console file.
//
// Criteria checked:
//  1. fork makes a child that is published (started, its parent init, a
//     fresh pid), whose address space shares every page of init's
//     copy-on-write, whose descriptors are init's (each file one reference
//     more), and whose user frame is init's with the system call's result 0.
//  2. A child that exits is a zombie until init's wait collects it, with its
//     status; then every page, table, thread and slot is back.
//  3. fork out of memory at every point (the address space, a page table,
//     the thread, its stack) fails with ERR_NOMEM and gives back everything
//     it took: no page, address space, thread or slot stays taken, and init
//     is as it was (its pages' reference counts too).
//  4. fork with a full table fails with ERR_NOSPACE, taking nothing.
//  5. exec replaces the address space and gives the old one back; an exec
//     that fails (no such file, not an executable, out of memory) leaves the
//     process as it was.

#include <cstring>
#include <string>
#include <vector>

#include "testing/cpio_builder.h"
#include "testing/elf_builder.h"
#include "testing/fake_mmu.h"
#include "testing/fake_sched.h"
#include "testing/fake_user_mode.h"
#include "testing/pmem_arena.h"
#include "testing/pmem_hoard.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/fs/initrd.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/vm.h"
#include "kernel/pid.h"
#include "kernel/proc.h"
}

namespace {

constexpr size_t kArenaPages = 2048;
constexpr vaddr_t kEntry = USER_REGION_MIN;

// The initrd's program: a page of code and a page of data, the second half
// of it bss.
std::string Program()
{
    ElfImage img = ElfExecutable(kEntry, 3 * PAGE_SIZE);
    img.SetPhdrs({
        ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kEntry, PAGE_SIZE, PAGE_SIZE, PAGE_SIZE),
        ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, kEntry + PAGE_SIZE, 2 * PAGE_SIZE,
                   PAGE_SIZE / 2, PAGE_SIZE),
    });
    std::vector<uint8_t> bytes = img.Bytes();
    return std::string(bytes.begin(), bytes.end());
}

// How many pages of `as` are mapped, and their frames.
std::vector<paddr_t> FramesOf(struct addrspace *as)
{
    std::vector<paddr_t> frames;
    vpmap_for_each_mapping(
        as->vpmap,
        [](void *ctx, vaddr_t, paddr_t frame, memperm_t) {
            static_cast<std::vector<paddr_t> *>(ctx)->push_back(frame);
        },
        &frames);
    return frames;
}

class ProcTest : public testing::Test {
  protected:
    static void SetUpTestSuite()
    {
        pmem_arena_create(kArenaPages);
        pmem_init(pmem_arena_boot_info());
        kmalloc_init();
        fake_mmu_reset();
        std::string archive = CpioArchive({{"init", Program()}, {"notes.txt", "not a program"}});
        // The index points into the archive: keep it, 8-byte aligned.
        static std::vector<uint64_t> initrd;
        initrd.assign(archive.size() / 8 + 1, 0);
        std::memcpy(initrd.data(), archive.data(), archive.size());
        ASSERT_EQ(initrd_init(initrd.data(), archive.size()), ERR_OK);
        const char *const argv[] = {"init"};
        ASSERT_EQ(proc_start_init("init", 1, argv), ERR_OK);
        init_thread_ = fake_sched_last_started();
        ASSERT_NE(init_thread_, nullptr);
        init_ = init_thread_->proc;
        ASSERT_EQ(init_->pid, PID_INIT);
    }

    // init is the running process: the tests' forks, execs and waits are its.
    void SetUp() override
    {
        ASSERT_NE(init_, nullptr) << "init did not start";
        fake_sched_set_current(init_thread_);
        before_ = TakeCensus();
    }

    void TearDown() override
    {
        ReleasePmem();
        Census now = TakeCensus();
        EXPECT_EQ(now.free_pages, before_.free_pages) << "pages leaked (fewer) or freed twice";
        EXPECT_EQ(now.address_spaces, before_.address_spaces);
        EXPECT_EQ(now.threads, before_.threads);
        EXPECT_EQ(now.slots, before_.slots);
        EXPECT_EQ(now.console_refs, before_.console_refs);
        EXPECT_EQ(now.init_frames, before_.init_frames);
        EXPECT_EQ(now.init_refcounts, before_.init_refcounts);
        fake_sched_set_current(nullptr);
    }

    // What a test must leave as it found it.
    struct Census {
        size_t free_pages;
        size_t address_spaces;
        int threads;
        int slots;
        int console_refs;
        std::vector<paddr_t> init_frames;
        std::vector<int> init_refcounts;
    };

    static Census TakeCensus()
    {
        struct Census c = {pmem_free_pages(),
                           as_live_count(),
                           thread_count(),
                           proc_count(),
                           ConsoleRefs(),
                           FramesOf(init_->as),
                           {}};
        for (paddr_t frame : c.init_frames) {
            c.init_refcounts.push_back(pmem_refcount(frame));
        }
        return c;
    }

    // References to init's console file (descriptor 0).
    static int ConsoleRefs()
    {
        struct file *console;
        EXPECT_EQ(fdtable_get(&init_->files, 0, &console), ERR_OK);
        return console->refcount;
    }

    // The child with that pid: a slot whose thread fake_sched started last.
    static struct proc *LastStarted()
    {
        struct thread *t = fake_sched_last_started();
        return t != nullptr ? t->proc : nullptr;
    }

    // The child exits with `status` (its last system call), and init's wait
    // collects it.
    static void ExitAndReap(struct proc *child, int status)
    {
        int pid = child->pid;
        struct Exit {
            int status;
        } exit{status};
        fake_sched_run_to_exit(
            child->threads[0].thread,
            [](void *arg) { proc_exit(static_cast<struct Exit *>(arg)->status); }, &exit);
        EXPECT_EQ(child->state, PROC_ZOMBIE);
        int got = -1;
        EXPECT_EQ(proc_wait(pid, &got), pid);
        EXPECT_EQ(got, status);
        EXPECT_EQ(child->state, PROC_FREE);
    }

    // init forks; the child is the running process now. nullptr (and the
    // test fails) if fork does not work.
    static struct proc *ForkAndRunChild()
    {
        int pid;
        EXPECT_EQ(proc_fork(&pid), ERR_OK);
        struct proc *child = LastStarted();
        if (child != nullptr) {
            fake_sched_set_current(child->threads[0].thread);
        }
        return child;
    }

    // Takes every free page but `left` (testing/pmem_hoard.h).
    void ExhaustPmem(size_t left)
    {
        PmemTakeAllBut(left, &hoard_);
    }

    void ReleasePmem()
    {
        PmemGiveBack(&hoard_);
    }

    static struct proc *init_;
    static struct thread *init_thread_;
    struct Census before_ = {};
    std::vector<paddr_t> hoard_;
};

struct proc *ProcTest::init_;
struct thread *ProcTest::init_thread_;

TEST_F(ProcTest, ForkPublishesACopyOfTheParent)
{
    user_frame_set_return(thread_user_frame(init_->threads[0].thread),
                          12345);  // what fork's caller had
    int pid = 0;
    ASSERT_EQ(proc_fork(&pid), ERR_OK);

    struct proc *child = LastStarted();
    ASSERT_NE(child, nullptr) << "the child's thread was started";
    EXPECT_EQ(child->pid, pid);
    EXPECT_NE(pid, PID_INIT);
    EXPECT_EQ(child->state, PROC_ALIVE);
    EXPECT_EQ(child->parent, init_);
    EXPECT_STREQ(child->name, init_->name);
    EXPECT_EQ(proc_count(), before_.slots + 1);

    std::vector<paddr_t> frames = FramesOf(child->as);
    EXPECT_EQ(frames, FramesOf(init_->as)) << "every page shared";
    for (paddr_t frame : frames) {
        EXPECT_EQ(pmem_refcount(frame), 2) << "one reference per mapping";
    }
    EXPECT_EQ(ConsoleRefs(), before_.console_refs + 3) << "descriptors 0, 1 and 2 copied";

    FakeUserRegisters parent = fake_user_registers(thread_user_frame(init_->threads[0].thread));
    FakeUserRegisters copy = fake_user_registers(thread_user_frame(child->threads[0].thread));
    EXPECT_EQ(copy.pc, parent.pc);
    EXPECT_EQ(copy.sp, parent.sp);
    EXPECT_EQ(copy.result, 0) << "the child sees fork return 0";
    EXPECT_EQ(parent.result, 12345) << "the parent's frame is the parent's";

    ExitAndReap(child, 7);
}

TEST_F(ProcTest, ForkOutOfMemoryAtEveryPointGivesEverythingBack)
{
    int failures = 0;
    for (size_t left = 0;; left++) {
        SCOPED_TRACE("free pages left: " + std::to_string(left));
        ExhaustPmem(left);
        int pid = -1;
        err_t err = proc_fork(&pid);
        size_t free_after = pmem_free_pages();
        ReleasePmem();
        if (err == ERR_OK) {
            ExitAndReap(LastStarted(), 0);
            break;
        }
        failures++;
        EXPECT_EQ(err, ERR_NOMEM);
        EXPECT_EQ(pid, -1) << "no pid for a child that is not there";
        EXPECT_EQ(free_after, left) << "every page the failed fork took is back";
        EXPECT_EQ(as_live_count(), before_.address_spaces);
        EXPECT_EQ(thread_count(), before_.threads);
        EXPECT_EQ(proc_count(), before_.slots) << "the slot is free again";
        EXPECT_EQ(ConsoleRefs(), before_.console_refs) << "no descriptor was copied";
        ASSERT_LT(left, 200u) << "fork never succeeds";
    }
    // The address space's struct, its root, its tables, the thread's struct
    // and its stack: each allocation on its own makes a failure.
    EXPECT_GE(failures, 5);
}

TEST_F(ProcTest, ForkWithAFullTableFailsWithNoSpace)
{
    std::vector<struct proc *> children;
    int pid;
    err_t err;
    while ((err = proc_fork(&pid)) == ERR_OK) {
        children.push_back(LastStarted());
        ASSERT_LT(children.size(), size_t{PROC_MAX});
    }
    EXPECT_EQ(err, ERR_NOSPACE);
    EXPECT_EQ(proc_count(), PROC_MAX);
    size_t free_full = pmem_free_pages();
    EXPECT_EQ(proc_fork(&pid), ERR_NOSPACE);
    EXPECT_EQ(pmem_free_pages(), free_full) << "a refused fork takes nothing";

    for (struct proc *child : children) {
        ExitAndReap(child, 1);
    }
}

TEST_F(ProcTest, ExecReplacesTheAddressSpace)
{
    struct proc *child = ForkAndRunChild();
    ASSERT_NE(child, nullptr);
    struct addrspace *old = child->as;
    size_t spaces = as_live_count();

    const char *const argv[] = {"init", "again"};
    ASSERT_EQ(proc_exec("init", 2, argv), ERR_OK);

    EXPECT_NE(child->as, old);
    EXPECT_EQ(as_live_count(), spaces) << "the old address space is gone";
    EXPECT_EQ(child->threads[0].thread->vpmap, child->as->vpmap);
    EXPECT_EQ(fake_user_registers(thread_user_frame(child->threads[0].thread)).pc, kEntry);
    for (paddr_t frame : FramesOf(init_->as)) {
        EXPECT_EQ(pmem_refcount(frame), 1) << "no longer shared with the child";
    }
    fake_sched_set_current(init_thread_);
    ExitAndReap(child, 0);
}

TEST_F(ProcTest, AFailedExecLeavesTheProcessAsItWas)
{
    struct proc *child = ForkAndRunChild();
    ASSERT_NE(child, nullptr);
    struct addrspace *as = child->as;
    std::vector<paddr_t> frames = FramesOf(as);
    const char *const argv[] = {"x"};

    EXPECT_EQ(proc_exec("missing", 1, argv), ERR_NOENT);
    EXPECT_EQ(proc_exec("notes.txt", 1, argv), ERR_NOEXEC);
    size_t free_before = pmem_free_pages();
    ExhaustPmem(3);
    EXPECT_EQ(proc_exec("init", 1, argv), ERR_NOMEM);
    ReleasePmem();

    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_EQ(child->as, as);
    EXPECT_EQ(FramesOf(as), frames);
    fake_sched_set_current(init_thread_);
    ExitAndReap(child, 0);
}

}  // namespace
