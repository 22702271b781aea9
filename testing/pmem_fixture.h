#pragma once

// PmemTest: the GoogleTest fixture that memory-management tests build on.
//
// SetUp creates a fresh arena (testing/pmem_arena.h), hands it to pmem_init
// and records the number of free pages: the baseline. TearDown checks that
// the free count is back at the baseline (nothing leaked, nothing freed
// twice) and that no spinlock was left held, then frees the arena.
//
// A derived fixture that sets up more (kmalloc, a page table) overrides SetUp
// and calls PmemTest::SetUp() first; if it overrides TearDown, it releases
// its own pages first and calls PmemTest::TearDown() last. The arena size is
// a constructor argument:
//
//   class VmTest : public PmemTest {
//     protected:
//       VmTest() : PmemTest(/*arena_pages=*/256) {}
//   };

#include <cstddef>
#include <vector>

#include "testing/pmem_arena.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/sync/intr.h"
}

class PmemTest : public testing::Test {
  protected:
    static constexpr size_t kDefaultArenaPages = 64;

    explicit PmemTest(size_t arena_pages = kDefaultArenaPages) : arena_pages_(arena_pages)
    {
    }

    void SetUp() override
    {
        pmem_arena_create(arena_pages_);
        ReinitPmem();
    }

    void TearDown() override
    {
        EXPECT_EQ(pmem_free_pages(), baseline_free_pages_)
            << "free pages are not back at the baseline: a leak (fewer) or a double free (more)";
        EXPECT_EQ(intr_push_depth(), 0) << "a spinlock was left held";
        pmem_arena_destroy();
    }

    // Runs pmem_init again on the arena's boot info (which the test may have
    // changed) and takes the new free count as the baseline.
    // Starts pmem afresh on the arena, and the kernel heap on top of it (its
    // caches would otherwise hold slabs of the old pmem).
    void ReinitPmem()
    {
        pmem_init(pmem_arena_boot_info());
        kmalloc_init();
        baseline_free_pages_ = pmem_free_pages();
    }

    size_t baseline_free_pages() const
    {
        return baseline_free_pages_;
    }

    // Takes the free count now as the baseline: for a fixture that holds
    // pages all test long (the invariant checker's). It takes them and calls
    // this in SetUp; in TearDown it checks the free count itself, gives them
    // back and calls this again before PmemTest::TearDown.
    void ResetBaseline()
    {
        baseline_free_pages_ = pmem_free_pages();
    }

    // Allocates pages until pmem_alloc returns ERR_NOMEM; returns them.
    static std::vector<paddr_t> AllocateAllPages()
    {
        std::vector<paddr_t> pages;
        paddr_t paddr;
        while (pmem_alloc(&paddr) == ERR_OK) {
            pages.push_back(paddr);
        }
        return pages;
    }

    static void FreePages(const std::vector<paddr_t> &pages)
    {
        for (paddr_t paddr : pages) {
            pmem_free(paddr);
        }
    }

  private:
    size_t arena_pages_;
    size_t baseline_free_pages_ = 0;
};
