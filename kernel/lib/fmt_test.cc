// Host tests for kernel/lib/fmt: the formatter behind kprintf and the user
// C library's printf. Expected strings are what C's printf prints for the same
// format, written out by hand so the test does not depend on the host libc.
//
// Criteria checked:
//  1. Every conversion prints its argument correctly, at every length modifier.
//  2. Width, '-' and '0' pad the way C specifies, signs and prefixes included.
//  3. Extreme values (INT64_MIN, UINT64_MAX) print without overflow.
//  4. fmt_snprintf never writes past its buffer, always terminates it, and
//     returns the untruncated length.
//  5. Unknown conversions and a trailing '%' are printed as written.

#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/lib/fmt.h"
}

namespace {

// Formats through fmt_vsnprintf. Deliberately not annotated as printf-like:
// several tests pass formats that the compiler would rightly reject.
std::string Format(const char *format, ...)
{
    char buf[256];
    va_list args;
    va_start(args, format);
    int n = fmt_vsnprintf(buf, sizeof(buf), format, args);
    va_end(args);
    EXPECT_EQ(n, static_cast<int>(std::string(buf).size()));
    return buf;
}

TEST(FmtTest, SignedDecimal)
{
    EXPECT_EQ(Format("%d", 0), "0");
    EXPECT_EQ(Format("%d", 42), "42");
    EXPECT_EQ(Format("%i", -42), "-42");
    EXPECT_EQ(Format("%d", INT_MIN), "-2147483648");
    EXPECT_EQ(Format("%d", INT_MAX), "2147483647");
    EXPECT_EQ(Format("%ld", LONG_MIN), "-9223372036854775808");
    EXPECT_EQ(Format("%lld", LLONG_MAX), "9223372036854775807");
    EXPECT_EQ(Format("%hhd", 300), "44");
    EXPECT_EQ(Format("%hd", 70000), "4464");
}

TEST(FmtTest, UnsignedDecimalHexOctal)
{
    EXPECT_EQ(Format("%u", 4294967295u), "4294967295");
    EXPECT_EQ(Format("%lu", ULONG_MAX), "18446744073709551615");
    EXPECT_EQ(Format("%x", 0xdeadbeefu), "deadbeef");
    EXPECT_EQ(Format("%X", 0xdeadbeefu), "DEADBEEF");
    EXPECT_EQ(Format("%lx", 0xffffffff80000000ul), "ffffffff80000000");
    EXPECT_EQ(Format("%llx", 0x123456789abcdefull), "123456789abcdef");
    EXPECT_EQ(Format("%zx", static_cast<size_t>(4096)), "1000");
    EXPECT_EQ(Format("%zu", static_cast<size_t>(4096)), "4096");
    EXPECT_EQ(Format("%o", 8u), "10");
    EXPECT_EQ(Format("%x", 0u), "0");
}

TEST(FmtTest, IntWithoutLengthModifierIsTruncatedTo32Bits)
{
    // %x takes an unsigned int: the upper half of a long must not leak in.
    EXPECT_EQ(Format("%x", 0x1ffffffffu & 0xffffffffu), "ffffffff");
}

TEST(FmtTest, Pointer)
{
    EXPECT_EQ(Format("%p", reinterpret_cast<void *>(0x1000)), "0x1000");
    EXPECT_EQ(Format("%p", reinterpret_cast<void *>(0xffff800000000000ul)), "0xffff800000000000");
    EXPECT_EQ(Format("%p", static_cast<void *>(nullptr)), "0x0");
}

TEST(FmtTest, CharStringAndPercent)
{
    EXPECT_EQ(Format("%c%c", 'o', 'k'), "ok");
    EXPECT_EQ(Format("%s", "osv"), "osv");
    EXPECT_EQ(Format("%s", static_cast<const char *>(nullptr)), "(null)");
    EXPECT_EQ(Format("100%%"), "100%");
    EXPECT_EQ(Format("[%5c]", 'x'), "[    x]");
    EXPECT_EQ(Format("[%-3c]", 'x'), "[x  ]");
}

TEST(FmtTest, WidthPadsWithSpacesOnTheLeft)
{
    EXPECT_EQ(Format("[%5d]", 42), "[   42]");
    EXPECT_EQ(Format("[%5d]", -42), "[  -42]");
    EXPECT_EQ(Format("[%8s]", "abc"), "[     abc]");
    EXPECT_EQ(Format("[%2d]", 12345), "[12345]");
    EXPECT_EQ(Format("[%*d]", 4, 7), "[   7]");
}

TEST(FmtTest, LeftJustifyPadsOnTheRight)
{
    EXPECT_EQ(Format("[%-5d]", 42), "[42   ]");
    EXPECT_EQ(Format("[%-8s]", "abc"), "[abc     ]");
    EXPECT_EQ(Format("[%*d]", -4, 7), "[7   ]");
    // '-' wins over '0'.
    EXPECT_EQ(Format("[%-05d]", 42), "[42   ]");
}

TEST(FmtTest, ZeroPaddingGoesAfterSignAndPrefix)
{
    EXPECT_EQ(Format("%05d", 42), "00042");
    EXPECT_EQ(Format("%05d", -42), "-0042");
    EXPECT_EQ(Format("%016lx", 0xbeeful), "000000000000beef");
    EXPECT_EQ(Format("%08x", 0xabcu), "00000abc");
    EXPECT_EQ(Format("%018p", reinterpret_cast<void *>(0x1000)), "0x0000000000001000");
}

TEST(FmtTest, PrecisionBoundsStringsAndSetsMinimumDigits)
{
    EXPECT_EQ(Format("%.3s", "abcdef"), "abc");
    EXPECT_EQ(Format("%.*s", 2, "abcdef"), "ab");
    EXPECT_EQ(Format("%.5d", 42), "00042");
    EXPECT_EQ(Format("%8.5d", -42), "  -00042");
    EXPECT_EQ(Format("%.0d", 0), "");
    // A precision turns the '0' flag off.
    EXPECT_EQ(Format("%08.3d", 7), "     007");
}

TEST(FmtTest, SignFlags)
{
    EXPECT_EQ(Format("%+d", 5), "+5");
    EXPECT_EQ(Format("% d", 5), " 5");
    EXPECT_EQ(Format("%+d", -5), "-5");
    EXPECT_EQ(Format("%+ d", 5), "+5");
}

TEST(FmtTest, UnknownConversionIsPrintedAsWritten)
{
    EXPECT_EQ(Format("a%qb"), "a%qb");
    EXPECT_EQ(Format("a%5qb"), "a%5qb");
    EXPECT_EQ(Format("trailing %"), "trailing %");
}

TEST(FmtTest, SnprintfTruncatesAndReportsFullLength)
{
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    EXPECT_EQ(fmt_snprintf(buf, 4, "%d", 123456), 6);
    EXPECT_STREQ(buf, "123");
    EXPECT_EQ(buf[4], 'X') << "wrote past the given size";

    EXPECT_EQ(fmt_snprintf(buf, 1, "abc"), 3);
    EXPECT_EQ(buf[0], '\0');

    buf[0] = 'Y';
    EXPECT_EQ(fmt_snprintf(buf, 0, "abc"), 3);
    EXPECT_EQ(buf[0], 'Y') << "size 0 must write nothing";

    EXPECT_EQ(fmt_snprintf(buf, sizeof(buf), "%s", "exactly"), 7);
    EXPECT_STREQ(buf, "exactly");
}

struct Collector {
    std::string text;
};

void CollectChar(void *ctx, char c)
{
    static_cast<Collector *>(ctx)->text.push_back(c);
}

int FormatTo(Collector *c, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = fmt_vformat(CollectChar, c, format, args);
    va_end(args);
    return n;
}

TEST(FmtTest, VformatEmitsEveryCharacterIncludingNul)
{
    Collector c;
    EXPECT_EQ(FormatTo(&c, "a%cb", '\0'), 3);
    ASSERT_EQ(c.text.size(), 3u);
    EXPECT_EQ(c.text[1], '\0');
}

TEST(FmtTest, LongOutputIsNotLimitedByAnInternalBuffer)
{
    Collector c;
    std::string long_string(1000, 'z');
    EXPECT_EQ(FormatTo(&c, "%s|%600d", long_string.c_str(), 1), 1601);
    EXPECT_EQ(c.text.substr(0, 1000), long_string);
    EXPECT_EQ(c.text.back(), '1');
}

}  // namespace
