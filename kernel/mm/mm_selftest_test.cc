// Host test for the boot-time memory self-test (kernel/mm/mm_selftest.h),
// run on the arena so that it is known to pass before it runs under QEMU.
//
// Criteria checked:
//  1. On a healthy pmem and kmalloc, mm_selftest returns, reports every
//     free page as written and freed, and prints one "passed" line.
//  2. It leaves pmem's free count at the baseline (the fixture).

#include <string>

#include "testing/fake_console.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/mm_selftest.h"
#include "kernel/mm/pmem.h"
}

namespace {

class MmSelftestTest : public PmemTest {
  protected:
    // Enough pages for 64 page-sized blocks at once.
    MmSelftestTest() : PmemTest(256)
    {
    }

    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
        fake_console_take_output();
    }
};

TEST_F(MmSelftestTest, PassesAndReportsEveryFreePage)
{
    mm_selftest();
    EXPECT_EQ(fake_console_take_output(), "mm_selftest: passed (" +
                                              std::to_string(baseline_free_pages()) +
                                              " pages written and freed, 640 kmalloc blocks)\n");
}

}  // namespace
