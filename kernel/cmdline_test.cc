// Host tests for kernel/cmdline.
//
// Criteria checked:
//  1. An empty or NULL command line has no keys and no flags.
//  2. Words are split on any run of spaces and tabs, leading and trailing
//     ones included.
//  3. "key=value" words answer cmdline_get, bare words answer cmdline_has, and
//     neither answers the other; missing keys give NULL.
//  4. The value is everything after the first '='; "key=" is the empty value;
//     a repeated key gives the last value.
//  5. Quotes are ordinary characters (not supported): they do not group words.
//  6. Overlong input keeps whole words only, stops at the first word that
//     does not fit, and says so on the console; so do too many words.
//  7. A second cmdline_init replaces what the first parsed.

#include <string>

#include "testing/fake_console.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/cmdline.h"
}

namespace {

class CmdlineTest : public testing::Test {
  protected:
    void SetUp() override
    {
        fake_console_take_output();
    }
};

TEST_F(CmdlineTest, EmptyLineHasNothing)
{
    cmdline_init("");
    EXPECT_EQ(cmdline_get("selftest"), nullptr);
    EXPECT_FALSE(cmdline_has("quiet"));
    EXPECT_EQ(fake_console_take_output(), "");
}

TEST_F(CmdlineTest, NullLineCountsAsEmpty)
{
    cmdline_init(nullptr);
    EXPECT_EQ(cmdline_get("selftest"), nullptr);
    EXPECT_FALSE(cmdline_has("quiet"));
}

TEST_F(CmdlineTest, OnlySpacesHasNothing)
{
    cmdline_init("   \t  ");
    EXPECT_FALSE(cmdline_has(""));
    EXPECT_EQ(cmdline_get(""), nullptr);
}

TEST_F(CmdlineTest, RepeatedSpacesAndTabsSeparateWords)
{
    cmdline_init("  quiet \t\t selftest=timer    verbose  ");
    EXPECT_TRUE(cmdline_has("quiet"));
    EXPECT_TRUE(cmdline_has("verbose"));
    ASSERT_NE(cmdline_get("selftest"), nullptr);
    EXPECT_STREQ(cmdline_get("selftest"), "timer");
}

TEST_F(CmdlineTest, FlagsAndKeysAreDistinct)
{
    cmdline_init("quiet selftest=timer");
    EXPECT_EQ(cmdline_get("quiet"), nullptr);
    EXPECT_FALSE(cmdline_has("selftest"));
}

TEST_F(CmdlineTest, MissingKeyGivesNull)
{
    cmdline_init("a=1 b=2");
    EXPECT_EQ(cmdline_get("c"), nullptr);
    EXPECT_FALSE(cmdline_has("c"));
}

TEST_F(CmdlineTest, KeysMatchWholeNotPrefix)
{
    cmdline_init("selftest=timer quietly");
    EXPECT_EQ(cmdline_get("self"), nullptr);
    EXPECT_EQ(cmdline_get("selftests"), nullptr);
    EXPECT_FALSE(cmdline_has("quiet"));
}

TEST_F(CmdlineTest, ValueIsEverythingAfterTheFirstEquals)
{
    cmdline_init("a=b=c empty=");
    EXPECT_STREQ(cmdline_get("a"), "b=c");
    ASSERT_NE(cmdline_get("empty"), nullptr);
    EXPECT_STREQ(cmdline_get("empty"), "");
}

TEST_F(CmdlineTest, RepeatedKeyGivesTheLastValue)
{
    cmdline_init("selftest=timer selftest=pagefault");
    EXPECT_STREQ(cmdline_get("selftest"), "pagefault");
}

TEST_F(CmdlineTest, QuotesDoNotGroupWords)
{
    cmdline_init("msg=\"a b\"");
    EXPECT_STREQ(cmdline_get("msg"), "\"a");
    EXPECT_TRUE(cmdline_has("b\""));
    EXPECT_FALSE(cmdline_has("b"));
}

TEST_F(CmdlineTest, LineThatJustFitsIsKeptWhole)
{
    // One word filling every byte but the NUL.
    std::string word(CMDLINE_MAX_LEN - 1, 'x');
    cmdline_init(word.c_str());
    EXPECT_TRUE(cmdline_has(word.c_str()));
    EXPECT_EQ(fake_console_take_output(), "");
}

TEST_F(CmdlineTest, OverlongLineKeepsWholeWordsAndSaysWhatItDropped)
{
    // "a=1 " then filler words of 9 characters; the word that crosses the
    // limit and everything after it are dropped.
    std::string line = "a=1";
    int fillers = 0;
    while (line.size() < 2 * CMDLINE_MAX_LEN) {
        line += " f" + std::string(7, 'x') + std::to_string(fillers % 10);
        fillers++;
    }
    line += " last=yes";
    cmdline_init(line.c_str());

    EXPECT_STREQ(cmdline_get("a"), "1");
    EXPECT_EQ(cmdline_get("last"), nullptr);
    std::string out = fake_console_take_output();
    EXPECT_NE(out.find("cmdline: too long"), std::string::npos) << out;
    EXPECT_NE(out.find("ignoring \"fxxxxxxx"), std::string::npos) << out;
    EXPECT_NE(out.find("\" and everything after it"), std::string::npos) << out;
}

TEST_F(CmdlineTest, OverlongWordIsDroppedNotCut)
{
    std::string line = "ok selftest=" + std::string(CMDLINE_MAX_LEN, 'p');
    cmdline_init(line.c_str());
    EXPECT_TRUE(cmdline_has("ok"));
    EXPECT_EQ(cmdline_get("selftest"), nullptr);
    std::string out = fake_console_take_output();
    EXPECT_NE(out.find("ignoring \"selftest=ppp"), std::string::npos) << out;
    EXPECT_NE(out.find("...\" and everything after it"), std::string::npos) << out;
}

TEST_F(CmdlineTest, TooManyWordsKeepsTheFirstOnes)
{
    std::string line;
    for (int i = 0; i <= CMDLINE_MAX_WORDS; i++) {
        line += "w" + std::to_string(i) + " ";
    }
    cmdline_init(line.c_str());
    EXPECT_TRUE(cmdline_has("w0"));
    EXPECT_TRUE(cmdline_has(("w" + std::to_string(CMDLINE_MAX_WORDS - 1)).c_str()));
    EXPECT_FALSE(cmdline_has(("w" + std::to_string(CMDLINE_MAX_WORDS)).c_str()));
    std::string out = fake_console_take_output();
    EXPECT_NE(out.find("cmdline: more than 32 words"), std::string::npos) << out;
    EXPECT_NE(out.find("ignoring \"w32\""), std::string::npos) << out;
}

TEST_F(CmdlineTest, SecondInitReplacesTheFirst)
{
    cmdline_init("quiet a=1");
    cmdline_init("b=2");
    EXPECT_FALSE(cmdline_has("quiet"));
    EXPECT_EQ(cmdline_get("a"), nullptr);
    EXPECT_STREQ(cmdline_get("b"), "2");
}

TEST_F(CmdlineTest, WordsAfterDoubleDashAreInitArgumentsNotKernelOptions)
{
    cmdline_init("selftest=mm quiet -- forktest 3 selftest=x quiet2");
    EXPECT_STREQ(cmdline_get("selftest"), "mm");
    EXPECT_FALSE(cmdline_has("quiet2"));
    const char *argv[8];
    ASSERT_EQ(cmdline_init_args(argv, 8), 4);
    EXPECT_STREQ(argv[0], "forktest");
    EXPECT_STREQ(argv[1], "3");
    EXPECT_STREQ(argv[2], "selftest=x");
    EXPECT_STREQ(argv[3], "quiet2");
}

TEST_F(CmdlineTest, InitArgumentsAreCappedAndEmptyWithoutDoubleDash)
{
    const char *argv[2];
    cmdline_init("-- a b c");
    EXPECT_EQ(cmdline_init_args(argv, 2), 2);
    EXPECT_STREQ(argv[1], "b");
    cmdline_init("a b c");
    EXPECT_EQ(cmdline_init_args(argv, 2), 0);
}

}  // namespace
