// Host test for kernel/kprintf: output reaches the console device unchanged.
// The formatting itself is tested in kernel/lib/fmt_test.cc.

#include <string>

#include "testing/fake_console.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/kprintf.h"
}

namespace {

TEST(KprintfTest, WritesFormattedTextToTheConsole)
{
    fake_console_take_output();
    EXPECT_EQ(kprintf("pid %d at 0x%lx: %s\n", 7, 0xdeadul, "killed"), 24);
    EXPECT_EQ(fake_console_take_output(), "pid 7 at 0xdead: killed\n");
}

TEST(KprintfTest, EmptyFormatPrintsNothing)
{
    fake_console_take_output();
    EXPECT_EQ(kprintf("%s", ""), 0);
    EXPECT_EQ(fake_console_take_output(), "");
}

}  // namespace
