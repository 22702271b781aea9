// Host tests for the byte ring buffer (kernel/fs/ringbuf.c).
//
// Criteria checked:
//  1. A new ring is empty: used 0, space = size; get returns 0.
//  2. put stores at most the free space and returns the count; get returns
//     at most what is held; used + space == size always.
//  3. Bytes come out in the order they went in, across the wrap at the end
//     of the array, for every split of puts and gets: a long stream pushed
//     through a small ring in chunks of varying sizes arrives intact.
//  4. Nothing is written outside the array (guard bytes around it stay).
//  5. size 0 is a kernel bug: panic.

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/fs/ringbuf.h"
}

namespace {

constexpr size_t kGuard = 16;
constexpr unsigned char kGuardByte = 0xEE;

class RingbufTest : public testing::Test {
  protected:
    void Make(size_t size)
    {
        storage_.assign(size + 2 * kGuard, kGuardByte);
        ringbuf_init(&rb_, storage_.data() + kGuard, size);
    }

    void TearDown() override
    {
        for (size_t i = 0; i < kGuard; i++) {
            EXPECT_EQ(storage_[i], kGuardByte) << "written before the array";
            EXPECT_EQ(storage_[storage_.size() - 1 - i], kGuardByte) << "written past the array";
        }
    }

    size_t Put(const std::string &s)
    {
        return ringbuf_put(&rb_, s.data(), s.size());
    }

    std::string Get(size_t n)
    {
        std::string out(n, '\0');
        out.resize(ringbuf_get(&rb_, out.data(), n));
        return out;
    }

    std::vector<unsigned char> storage_;
    struct ringbuf rb_;
};

TEST_F(RingbufTest, NewRingIsEmpty)
{
    Make(8);
    EXPECT_EQ(ringbuf_used(&rb_), 0u);
    EXPECT_EQ(ringbuf_space(&rb_), 8u);
    EXPECT_EQ(Get(4), "");
}

TEST_F(RingbufTest, PutStopsWhenFullAndGetWhenEmpty)
{
    Make(8);
    EXPECT_EQ(Put("abcde"), 5u);
    EXPECT_EQ(ringbuf_used(&rb_), 5u);
    EXPECT_EQ(ringbuf_space(&rb_), 3u);
    EXPECT_EQ(Put("fghij"), 3u);
    EXPECT_EQ(ringbuf_space(&rb_), 0u);
    EXPECT_EQ(Put("x"), 0u);
    EXPECT_EQ(Get(100), "abcdefgh");
    EXPECT_EQ(ringbuf_used(&rb_), 0u);
    EXPECT_EQ(Get(1), "");
}

TEST_F(RingbufTest, BytesKeepTheirOrderAcrossTheWrap)
{
    Make(8);
    EXPECT_EQ(Put("123456"), 6u);
    EXPECT_EQ(Get(5), "12345");
    EXPECT_EQ(Put("abcdefg"), 7u);  // 2 at the end of the array, 5 at its start
    EXPECT_EQ(ringbuf_space(&rb_), 0u);
    EXPECT_EQ(Get(3), "6ab");
    EXPECT_EQ(Get(8), "cdefg");
}

TEST_F(RingbufTest, LongStreamThroughASmallRingArrivesIntact)
{
    constexpr size_t kSize = 13;  // not a power of two: the wrap is index arithmetic
    Make(kSize);
    std::string in;
    for (int i = 0; i < 5000; i++) {
        in.push_back(static_cast<char>('A' + (i * 7 + i / 13) % 61));
    }
    std::string out;
    size_t sent = 0;
    for (size_t step = 0; out.size() < in.size(); step++) {
        size_t put_n = std::min(in.size() - sent, (step * 5) % 17);
        size_t put = ringbuf_put(&rb_, in.data() + sent, put_n);
        ASSERT_LE(put, put_n);
        sent += put;
        out += Get((step * 3) % 11 + 1);
        ASSERT_EQ(ringbuf_used(&rb_) + ringbuf_space(&rb_), kSize);
        ASSERT_EQ(out, in.substr(0, out.size()));
    }
    EXPECT_EQ(out, in);
}

TEST(RingbufDeathTest, ZeroSizePanics)
{
    struct ringbuf rb;
    unsigned char byte;
    EXPECT_DEATH(ringbuf_init(&rb, &byte, 0), "size > 0");
}

}  // namespace
