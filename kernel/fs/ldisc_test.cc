// Host tests for the console's line discipline (kernel/fs/ldisc.c). Echo is
// checked on the fake console (testing/fake_console).
//
// Criteria checked:
//  1. Ordinary bytes are echoed as they arrive, but nothing is readable until
//     Enter: ldisc_read returns false while a line is being edited.
//  2. Enter ('\r' or '\n') finishes the line, stored and echoed as '\n'.
//  3. '\b' and DEL erase the last byte of the line being edited and echo
//     "\b \b"; at the start of a line they do nothing and echo nothing, and
//     they never reach into a finished line.
//  4. Ctrl-D at the start of a line reads as end of file (0 bytes), once;
//     later lines read normally. Ctrl-D after some bytes hands them over
//     without a newline, and the following read is not an end of file.
//     Ctrl-D is never echoed.
//  5. A read returns at most one line; a short read leaves the rest of the
//     line for the next read.
//  6. With LDISC_SIZE - 1 bytes held, further bytes are dropped with a bell;
//     Enter still ends the line. Unread lines count against the buffer, and
//     reading them makes room again; when finished lines fill the whole
//     buffer even Enter is dropped with a bell.
//  7. The ring wraps: many lines pushed through it arrive intact.

#include <string>

#include "testing/fake_console.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/fs/ldisc.h"
}

namespace {

class LdiscTest : public testing::Test {
  protected:
    void SetUp() override
    {
        ldisc_init(&ld_);
        fake_console_take_output();
    }

    // Feeds bytes; returns how many of them finished a line.
    int Type(const std::string &bytes)
    {
        int finished = 0;
        for (char c : bytes) {
            finished += ldisc_input(&ld_, c) ? 1 : 0;
        }
        return finished;
    }

    std::string Echo()
    {
        return fake_console_take_output();
    }

    // One ldisc_read of up to n bytes; "<none>" when nothing is finished.
    std::string Read(size_t n = 1000)
    {
        std::string buf(n, '\0');
        size_t count = 12345;
        if (!ldisc_read(&ld_, buf.data(), n, &count)) {
            EXPECT_EQ(count, 12345u) << "count is left alone when nothing is read";
            return "<none>";
        }
        buf.resize(count);
        return buf;
    }

    struct ldisc ld_;
};

TEST_F(LdiscTest, NothingIsReadableUntilEnter)
{
    EXPECT_EQ(Read(), "<none>");
    EXPECT_EQ(Type("hello"), 0);
    EXPECT_EQ(Echo(), "hello");
    EXPECT_EQ(Read(), "<none>");
}

TEST_F(LdiscTest, CarriageReturnAndNewlineBothEndALineAsNewline)
{
    EXPECT_EQ(Type("ls\r"), 1);
    EXPECT_EQ(Echo(), "ls\n");
    EXPECT_EQ(Read(), "ls\n");
    EXPECT_EQ(Type("cat\n"), 1);
    EXPECT_EQ(Echo(), "cat\n");
    EXPECT_EQ(Read(), "cat\n");
    EXPECT_EQ(Type("\r"), 1);
    EXPECT_EQ(Read(), "\n");
    EXPECT_EQ(Read(), "<none>");
}

TEST_F(LdiscTest, BackspaceAndDelEraseTheLastByte)
{
    EXPECT_EQ(Type("cat\b\x7fow\r"), 1);
    EXPECT_EQ(Echo(), "cat\b \b\b \bow\n");
    EXPECT_EQ(Read(), "cow\n");
}

TEST_F(LdiscTest, EraseAtTheStartOfALineDoesNothing)
{
    EXPECT_EQ(Type("\b\x7f"), 0);
    EXPECT_EQ(Echo(), "");
    EXPECT_EQ(Type("one\r\b\b\btwo\r"), 2);
    EXPECT_EQ(Echo(), "one\ntwo\n");
    EXPECT_EQ(Read(), "one\n") << "a finished line cannot be erased";
    EXPECT_EQ(Read(), "two\n");
}

TEST_F(LdiscTest, CtrlDAtTheStartOfALineIsEndOfFileOnce)
{
    EXPECT_EQ(Type("\x04"), 1);
    EXPECT_EQ(Echo(), "");
    EXPECT_EQ(Read(), "");
    EXPECT_EQ(Read(), "<none>") << "the end of file is consumed";
    EXPECT_EQ(Type("more\r\x04"), 2);
    EXPECT_EQ(Read(), "more\n");
    EXPECT_EQ(Read(), "");
    EXPECT_EQ(Read(), "<none>");
}

TEST_F(LdiscTest, CtrlDAfterSomeBytesHandsThemOverWithoutNewline)
{
    EXPECT_EQ(Type("abc\x04"), 1);
    EXPECT_EQ(Echo(), "abc");
    EXPECT_EQ(Read(), "abc");
    EXPECT_EQ(Read(), "<none>") << "not an end of file";
    EXPECT_EQ(Type("abc\x04\x04"), 2);
    EXPECT_EQ(Read(), "abc");
    EXPECT_EQ(Read(), "") << "the second Ctrl-D is at the start of a line";
}

TEST_F(LdiscTest, ExactReadOfAHandedOverLineTakesItsMark)
{
    EXPECT_EQ(Type("abc\x04xy\r"), 2);
    EXPECT_EQ(Read(3), "abc");
    EXPECT_EQ(Read(), "xy\n") << "no end of file in between";
}

TEST_F(LdiscTest, AReadReturnsAtMostOneLine)
{
    EXPECT_EQ(Type("one\rtwo\rthree\r"), 3);
    EXPECT_EQ(Read(), "one\n");
    EXPECT_EQ(Read(), "two\n");
    EXPECT_EQ(Read(), "three\n");
    EXPECT_EQ(Read(), "<none>");
}

TEST_F(LdiscTest, AShortReadLeavesTheRestOfTheLine)
{
    EXPECT_EQ(Type("abcdefg\rnext\r"), 2);
    EXPECT_EQ(Read(3), "abc");
    EXPECT_EQ(Read(3), "def");
    EXPECT_EQ(Read(3), "g\n");
    EXPECT_EQ(Read(3), "nex");
    EXPECT_EQ(Read(1), "t");
    EXPECT_EQ(Read(1), "\n");
}

TEST_F(LdiscTest, ALongLineIsCutWithABellAndEnterStillEndsIt)
{
    std::string line(LDISC_SIZE - 1, 'x');
    EXPECT_EQ(Type(line + "yz"), 0);
    EXPECT_EQ(Echo(), line + "\a\a");
    EXPECT_EQ(Type("\r"), 1);
    EXPECT_EQ(Echo(), "\n");
    EXPECT_EQ(Read(), line + "\n");
}

TEST_F(LdiscTest, UnreadLinesTakeRoomUntilRead)
{
    std::string half(LDISC_SIZE / 2 - 1, 'a');
    EXPECT_EQ(Type(half + "\r" + half + "\r"), 2);  // exactly LDISC_SIZE bytes held
    Echo();
    EXPECT_EQ(Type("b"), 0);
    EXPECT_EQ(Type("\r"), 0);
    EXPECT_EQ(Type("\x04"), 0);
    EXPECT_EQ(Echo(), "\a\a\a");
    EXPECT_EQ(Read(), half + "\n");
    EXPECT_EQ(Type("b\r"), 1);
    EXPECT_EQ(Echo(), "b\n");
    EXPECT_EQ(Read(), half + "\n");
    EXPECT_EQ(Read(), "b\n");
}

TEST_F(LdiscTest, ManyLinesWrapTheRingIntact)
{
    for (int i = 0; i < 500; i++) {
        std::string line = "line " + std::to_string(i) + std::string(i % 37, '.');
        ASSERT_EQ(Type(line + "\r"), 1);
        ASSERT_EQ(Read(), line + "\n");
    }
    Echo();
}

TEST(LdiscDeathTest, ZeroCountReadPanics)
{
    struct ldisc ld;
    ldisc_init(&ld);
    ldisc_input(&ld, '\r');
    char c;
    size_t count;
    EXPECT_DEATH((void)ldisc_read(&ld, &c, 0, &count), "n > 0");
}

}  // namespace
