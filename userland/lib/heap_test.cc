// Host tests for userland/lib/heap, the allocator behind malloc, on a fake
// program break over a host buffer that starts at an unaligned address.
//
// Criteria checked:
//  1. Blocks are 16-byte aligned, do not overlap, and hold what is written
//     to them; malloc(0) gives a distinct freeable block.
//  2. A freed block is reused; a large free block is split, the rest staying
//     free; freed neighbours merge (either order), so a request as large as
//     their sum fits without growing the heap.
//  3. The heap grows in whole pages, at least HEAP_GROW_MIN at a time; a
//     free top of HEAP_TRIM_THRESHOLD or more goes back through morecore in
//     whole pages, down to less than the threshold; free memory below a live
//     block is not given back; small alloc/free cycles do not shrink and
//     regrow the heap.
//  4. realloc keeps the contents; it shrinks in place, grows in place into
//     a free neighbour or at the top of the heap, and moves otherwise;
//     realloc(NULL, n) allocates, realloc(p, 0) frees.
//  5. calloc zeroes (even reused memory) and refuses count * size overflow.
//  6. Failure is clean: when morecore fails, or for absurd sizes, NULL comes
//     back, the break and the heap are unchanged, and smaller requests still
//     work.
//  7. When the program moves the break behind the heap's back, the heap
//     starts a new segment and never gives back memory that is not its own.
//  8. free and realloc refuse what is not a live block: double frees,
//     interior, unaligned and foreign pointers, leaving the heap intact.
//  9. Random alloc/free/realloc sequences keep every invariant (heap_check)
//     and every block's contents; freeing everything trims the heap back
//     below the threshold.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "userland/lib/heap.h"
}

namespace {

constexpr size_t kArenaSize = 64 << 20;

// A program break over a host buffer. Memory given back is poisoned, so a
// use after trim shows up as corrupted contents.
struct FakeBreak {
    uint8_t *arena = nullptr;
    uintptr_t base = 0;
    uintptr_t brk = 0;
    size_t limit = kArenaSize;  // bytes above base the break may reach
    int grows = 0;
    int shrinks = 0;
    bool fail = false;

    static void *Morecore(void *ctx, intptr_t inc)
    {
        auto *f = static_cast<FakeBreak *>(ctx);
        if (inc == 0) {
            return reinterpret_cast<void *>(f->brk);
        }
        uintptr_t next = f->brk + inc;
        if (f->fail || next < f->base || next > f->base + f->limit) {
            return HEAP_MORECORE_FAILED;
        }
        uintptr_t old = f->brk;
        if (inc > 0) {
            f->grows++;
        } else {
            f->shrinks++;
            EXPECT_EQ(static_cast<size_t>(-inc) % HEAP_PAGE_SIZE, 0u) << "partial page given back";
            std::memset(reinterpret_cast<void *>(next), 0xdd, old - next);
        }
        f->brk = next;
        return reinterpret_cast<void *>(old);
    }
};

class HeapTest : public testing::Test {
  protected:
    void SetUp() override
    {
        fake_.arena = static_cast<uint8_t *>(std::aligned_alloc(HEAP_PAGE_SIZE, kArenaSize + 4096));
        ASSERT_NE(fake_.arena, nullptr);
        fake_.base = reinterpret_cast<uintptr_t>(fake_.arena) + 8;  // an unaligned break
        fake_.brk = fake_.base;
        heap_init(&heap_, FakeBreak::Morecore, &fake_);
    }

    void TearDown() override
    {
        EXPECT_TRUE(heap_check(&heap_, nullptr));
        std::free(fake_.arena);
    }

    heap_stats Stats()
    {
        heap_stats s{};
        EXPECT_TRUE(heap_check(&heap_, &s));
        return s;
    }

    size_t HeapBytes() const
    {
        return fake_.brk - fake_.base;
    }

    FakeBreak fake_;
    heap heap_{};
};

void Fill(void *p, size_t n, uint8_t seed)
{
    auto *b = static_cast<uint8_t *>(p);
    for (size_t i = 0; i < n; i++) {
        b[i] = static_cast<uint8_t>(seed + i * 31);
    }
}

bool Holds(const void *p, size_t n, uint8_t seed)
{
    auto *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; i++) {
        if (b[i] != static_cast<uint8_t>(seed + i * 31)) {
            return false;
        }
    }
    return true;
}

// 1

TEST_F(HeapTest, BlocksAreAlignedDisjointAndKeepTheirContents)
{
    std::vector<std::pair<void *, size_t>> blocks;
    for (size_t n = 0; n <= 300; n += 7) {
        void *p = heap_alloc(&heap_, n);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % HEAP_ALIGN, 0u);
        Fill(p, n, static_cast<uint8_t>(n));
        blocks.push_back({p, n});
    }
    for (auto [p, n] : blocks) {
        EXPECT_TRUE(Holds(p, n, static_cast<uint8_t>(n))) << n;
    }
    EXPECT_EQ(Stats().used_blocks, blocks.size());
    for (auto [p, n] : blocks) {
        EXPECT_TRUE(heap_free(&heap_, p));
    }
}

TEST_F(HeapTest, ZeroBytesGiveADistinctBlock)
{
    void *a = heap_alloc(&heap_, 0);
    void *b = heap_alloc(&heap_, 0);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    EXPECT_TRUE(heap_free(&heap_, a));
    EXPECT_TRUE(heap_free(&heap_, b));
}

// 2

TEST_F(HeapTest, FreedBlockIsReused)
{
    void *a = heap_alloc(&heap_, 100);
    void *guard = heap_alloc(&heap_, 16);
    int grows = fake_.grows;
    ASSERT_TRUE(heap_free(&heap_, a));
    EXPECT_EQ(heap_alloc(&heap_, 100), a);
    EXPECT_EQ(fake_.grows, grows);
    EXPECT_TRUE(heap_free(&heap_, a));
    EXPECT_TRUE(heap_free(&heap_, guard));
}

TEST_F(HeapTest, LargeFreeBlockIsSplit)
{
    void *a = heap_alloc(&heap_, 64);
    heap_stats s = Stats();
    EXPECT_EQ(s.segments, 1u);
    EXPECT_EQ(s.used_blocks, 1u);
    EXPECT_EQ(s.used_bytes, 64u + 16u);
    EXPECT_EQ(s.free_blocks, 1u);  // the rest of the first growth
    EXPECT_GE(s.free_bytes, HEAP_GROW_MIN - 256);
    EXPECT_TRUE(heap_free(&heap_, a));
    s = Stats();
    EXPECT_EQ(s.used_blocks, 0u);
    EXPECT_EQ(s.free_blocks, 1u);  // merged back
}

TEST_F(HeapTest, FreedNeighboursMerge)
{
    void *a = heap_alloc(&heap_, 240);  // 256-byte blocks
    void *b = heap_alloc(&heap_, 240);
    void *c = heap_alloc(&heap_, 240);
    void *guard = heap_alloc(&heap_, 240);  // keeps a..c off the top
    ASSERT_TRUE(heap_free(&heap_, a));
    ASSERT_TRUE(heap_free(&heap_, c));
    EXPECT_EQ(Stats().free_blocks, 3u);  // a, c, and the top
    ASSERT_TRUE(heap_free(&heap_, b));   // merges with both
    EXPECT_EQ(Stats().free_blocks, 2u);
    int grows = fake_.grows;
    EXPECT_EQ(heap_alloc(&heap_, 3 * 256 - 16), a);
    EXPECT_EQ(fake_.grows, grows);
    EXPECT_TRUE(heap_free(&heap_, a));
    EXPECT_TRUE(heap_free(&heap_, guard));
}

// 3

TEST_F(HeapTest, GrowthIsInWholePagesOfAtLeastTheMinimum)
{
    void *a = heap_alloc(&heap_, 10);
    EXPECT_EQ(HeapBytes() % HEAP_PAGE_SIZE, 0u);
    EXPECT_EQ(HeapBytes(), size_t{HEAP_GROW_MIN});
    void *big = heap_alloc(&heap_, 100000);
    EXPECT_EQ(HeapBytes() % HEAP_PAGE_SIZE, 0u);
    EXPECT_GE(HeapBytes(), 100000u + 16);
    EXPECT_LT(HeapBytes(), 100000u + HEAP_GROW_MIN + HEAP_PAGE_SIZE);
    EXPECT_TRUE(heap_free(&heap_, big));
    EXPECT_TRUE(heap_free(&heap_, a));
}

TEST_F(HeapTest, FreeTopGoesBackInWholePages)
{
    void *small = heap_alloc(&heap_, 10);
    size_t before = HeapBytes();
    void *big = heap_alloc(&heap_, 1 << 20);
    EXPECT_GE(HeapBytes(), size_t{1} << 20);
    EXPECT_GT(HeapBytes(), before);
    Fill(small, 10, 7);
    ASSERT_TRUE(heap_free(&heap_, big));
    EXPECT_EQ(fake_.shrinks, 1);
    EXPECT_LT(HeapBytes() - 32, size_t{HEAP_TRIM_THRESHOLD});
    EXPECT_TRUE(Holds(small, 10, 7));
    EXPECT_TRUE(heap_free(&heap_, small));
}

TEST_F(HeapTest, FreeMemoryBelowALiveBlockStays)
{
    void *big = heap_alloc(&heap_, 1 << 20);
    void *top = heap_alloc(&heap_, 10);
    size_t bytes = HeapBytes();
    ASSERT_TRUE(heap_free(&heap_, big));
    EXPECT_EQ(HeapBytes(), bytes);
    EXPECT_EQ(fake_.shrinks, 0);
    ASSERT_TRUE(heap_free(&heap_, top));  // now all of it is the free top
    EXPECT_EQ(fake_.shrinks, 1);
    EXPECT_LT(HeapBytes(), size_t{HEAP_TRIM_THRESHOLD});
}

TEST_F(HeapTest, SmallCyclesDoNotShrinkAndRegrow)
{
    for (int i = 0; i < 1000; i++) {
        void *p = heap_alloc(&heap_, 4000);
        ASSERT_NE(p, nullptr);
        ASSERT_TRUE(heap_free(&heap_, p));
    }
    EXPECT_EQ(fake_.grows, 1);
    EXPECT_EQ(fake_.shrinks, 0);
}

// 4

TEST_F(HeapTest, ReallocShrinksInPlace)
{
    void *p = heap_alloc(&heap_, 1000);
    void *guard = heap_alloc(&heap_, 10);
    Fill(p, 1000, 3);
    EXPECT_EQ(heap_realloc(&heap_, p, 100), p);
    EXPECT_TRUE(Holds(p, 100, 3));
    EXPECT_EQ(Stats().free_blocks, 2u);  // the cut-off tail, and the top
    EXPECT_TRUE(heap_free(&heap_, p));
    EXPECT_TRUE(heap_free(&heap_, guard));
}

TEST_F(HeapTest, ReallocGrowsIntoAFreeNeighbour)
{
    void *p = heap_alloc(&heap_, 100);
    void *next = heap_alloc(&heap_, 500);
    void *guard = heap_alloc(&heap_, 10);
    Fill(p, 100, 4);
    ASSERT_TRUE(heap_free(&heap_, next));
    EXPECT_EQ(heap_realloc(&heap_, p, 550), p);
    EXPECT_TRUE(Holds(p, 100, 4));
    EXPECT_TRUE(heap_free(&heap_, p));
    EXPECT_TRUE(heap_free(&heap_, guard));
}

TEST_F(HeapTest, ReallocGrowsAtTheTopInPlace)
{
    void *p = heap_alloc(&heap_, HEAP_GROW_MIN - 64);  // fills the first growth
    Fill(p, 100, 5);
    void *q = heap_realloc(&heap_, p, 10 * HEAP_GROW_MIN);
    EXPECT_EQ(q, p);
    EXPECT_TRUE(Holds(p, 100, 5));
    EXPECT_EQ(Stats().segments, 1u);
    EXPECT_TRUE(heap_free(&heap_, q));
}

TEST_F(HeapTest, ReallocMovesWhenBlockedAndKeepsContents)
{
    void *p = heap_alloc(&heap_, 100);
    void *blocker = heap_alloc(&heap_, 100);
    Fill(p, 100, 6);
    void *q = heap_realloc(&heap_, p, 5000);
    ASSERT_NE(q, nullptr);
    EXPECT_NE(q, p);
    EXPECT_TRUE(Holds(q, 100, 6));
    EXPECT_FALSE(heap_is_allocated(&heap_, p));  // the old block was freed
    EXPECT_TRUE(heap_free(&heap_, q));
    EXPECT_TRUE(heap_free(&heap_, blocker));
}

TEST_F(HeapTest, ReallocOfNullAllocatesAndToZeroFrees)
{
    void *p = heap_realloc(&heap_, nullptr, 50);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(heap_is_allocated(&heap_, p));
    EXPECT_EQ(heap_realloc(&heap_, p, 0), nullptr);
    EXPECT_FALSE(heap_is_allocated(&heap_, p));
    EXPECT_EQ(Stats().used_blocks, 0u);
}

// 5

TEST_F(HeapTest, CallocZeroesReusedMemory)
{
    void *p = heap_alloc(&heap_, 256);
    void *guard = heap_alloc(&heap_, 10);
    std::memset(p, 0xff, 256);
    ASSERT_TRUE(heap_free(&heap_, p));
    auto *z = static_cast<uint8_t *>(heap_calloc(&heap_, 16, 16));
    ASSERT_EQ(static_cast<void *>(z), p);
    for (int i = 0; i < 256; i++) {
        ASSERT_EQ(z[i], 0) << i;
    }
    EXPECT_TRUE(heap_free(&heap_, z));
    EXPECT_TRUE(heap_free(&heap_, guard));
}

TEST_F(HeapTest, CallocRefusesOverflow)
{
    EXPECT_EQ(heap_calloc(&heap_, SIZE_MAX / 2, 3), nullptr);
    EXPECT_EQ(heap_calloc(&heap_, size_t{1} << 32, size_t{1} << 32), nullptr);
    EXPECT_EQ(fake_.grows, 0);
}

// 6

TEST_F(HeapTest, MorecoreFailureLeavesEverythingAsItWas)
{
    void *a = heap_alloc(&heap_, 100);
    Fill(a, 100, 8);
    fake_.limit = HeapBytes() + 8 * HEAP_PAGE_SIZE;
    uintptr_t brk = fake_.brk;
    heap_stats before = Stats();
    EXPECT_EQ(heap_alloc(&heap_, 16 * HEAP_PAGE_SIZE), nullptr);
    EXPECT_EQ(fake_.brk, brk);
    heap_stats after = Stats();
    EXPECT_EQ(after.used_blocks, before.used_blocks);
    EXPECT_EQ(after.free_bytes, before.free_bytes);
    EXPECT_EQ(heap_realloc(&heap_, a, 16 * HEAP_PAGE_SIZE), nullptr);
    EXPECT_TRUE(Holds(a, 100, 8));
    fake_.fail = true;
    EXPECT_EQ(heap_alloc(&heap_, HEAP_GROW_MIN), nullptr);
    fake_.fail = false;
    void *b = heap_alloc(&heap_, 4 * HEAP_PAGE_SIZE);  // fits the limit
    EXPECT_NE(b, nullptr);
    EXPECT_TRUE(heap_free(&heap_, b));
    EXPECT_TRUE(heap_free(&heap_, a));
}

TEST_F(HeapTest, AbsurdSizesFailWithoutTouchingTheBreak)
{
    EXPECT_EQ(heap_alloc(&heap_, SIZE_MAX), nullptr);
    EXPECT_EQ(heap_alloc(&heap_, SIZE_MAX - 15), nullptr);
    EXPECT_EQ(heap_alloc(&heap_, HEAP_MAX_ALLOC + 1), nullptr);
    EXPECT_EQ(fake_.grows + fake_.shrinks, 0);
    void *p = heap_alloc(&heap_, 10);
    EXPECT_EQ(heap_realloc(&heap_, p, SIZE_MAX), nullptr);
    EXPECT_TRUE(heap_is_allocated(&heap_, p));
    EXPECT_TRUE(heap_free(&heap_, p));
}

// 7

TEST_F(HeapTest, ForeignBreakMoveStartsANewSegment)
{
    void *a = heap_alloc(&heap_, 100);
    Fill(a, 100, 9);
    fake_.brk += 100;  // the program called sbrk(100) itself
    uintptr_t foreign = fake_.brk - 100;
    std::memset(reinterpret_cast<void *>(foreign), 0x5a, 100);
    void *big = heap_alloc(&heap_, 2 * HEAP_GROW_MIN);
    ASSERT_NE(big, nullptr);
    EXPECT_GT(reinterpret_cast<uintptr_t>(big), foreign + 100);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % HEAP_ALIGN, 0u);
    EXPECT_EQ(Stats().segments, 2u);
    ASSERT_TRUE(heap_free(&heap_, big));  // the new segment's top is trimmed
    EXPECT_GE(fake_.brk, foreign + 100);  // but never below its start
    ASSERT_TRUE(heap_free(&heap_, a));
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(reinterpret_cast<uint8_t *>(foreign)[i], 0x5a);
    }
}

TEST_F(HeapTest, NoTrimWhenTheBreakMovedAfterTheHeap)
{
    void *big = heap_alloc(&heap_, 1 << 20);
    fake_.brk += 4096;  // the program's own page above the heap
    ASSERT_TRUE(heap_free(&heap_, big));
    EXPECT_EQ(fake_.shrinks, 0);
}

// 8

TEST_F(HeapTest, BadFreesAreRefused)
{
    auto *a = static_cast<char *>(heap_alloc(&heap_, 100));
    void *b = heap_alloc(&heap_, 100);
    std::memset(a, 0, 100);  // no stale bytes that look like a header
    int on_stack = 0;
    heap_stats before = Stats();
    EXPECT_FALSE(heap_free(&heap_, a + 16));  // interior
    EXPECT_FALSE(heap_free(&heap_, a + 1));   // unaligned
    EXPECT_FALSE(heap_free(&heap_, &on_stack));
    EXPECT_FALSE(heap_free(&heap_, reinterpret_cast<void *>(16)));
    EXPECT_EQ(heap_realloc(&heap_, a + 32, 10), nullptr);
    heap_stats after = Stats();
    EXPECT_EQ(after.used_blocks, before.used_blocks);
    EXPECT_EQ(after.free_blocks, before.free_blocks);
    EXPECT_TRUE(heap_free(&heap_, a));
    EXPECT_FALSE(heap_free(&heap_, a));  // double free
    EXPECT_TRUE(heap_free(&heap_, b));
    EXPECT_FALSE(heap_free(&heap_, b));
    EXPECT_TRUE(heap_free(&heap_, nullptr));
}

// 9

TEST_F(HeapTest, RandomOperationsKeepInvariantsAndContents)
{
    std::mt19937 rng(12345);
    struct Live {
        size_t size;
        uint8_t seed;
    };
    std::map<void *, Live> live;
    for (int step = 0; step < 20000; step++) {
        unsigned op = rng() % 10;
        size_t size = (rng() % 8 == 0) ? rng() % 200000 : rng() % 600;
        uint8_t seed = static_cast<uint8_t>(rng());
        if (op < 4 || live.empty()) {
            void *p = heap_alloc(&heap_, size);
            ASSERT_NE(p, nullptr);
            ASSERT_EQ(live.count(p), 0u);
            Fill(p, size, seed);
            live[p] = {size, seed};
        } else {
            auto it = live.begin();
            std::advance(it, rng() % live.size());
            ASSERT_TRUE(Holds(it->first, it->second.size, it->second.seed)) << step;
            if (op < 8) {  // as often as allocations: the heap stays bounded
                ASSERT_TRUE(heap_free(&heap_, it->first));
                live.erase(it);
            } else {
                void *q = heap_realloc(&heap_, it->first, size);
                if (size == 0) {  // realloc(p, 0) frees
                    ASSERT_EQ(q, nullptr);
                    live.erase(it);
                    continue;
                }
                ASSERT_NE(q, nullptr)
                    << "step " << step << " size " << size << " from " << it->second.size
                    << " heap " << HeapBytes() << " live " << live.size();
                size_t kept = std::min(size, it->second.size);
                ASSERT_TRUE(Holds(q, kept, it->second.seed)) << step;
                live.erase(it);
                Fill(q, size, seed);
                live[q] = {size, seed};
            }
        }
        if (step % 97 == 0) {
            heap_stats s = Stats();
            ASSERT_EQ(s.used_blocks, live.size()) << step;
        }
    }
    for (auto &[p, l] : live) {
        ASSERT_TRUE(Holds(p, l.size, l.seed));
        ASSERT_TRUE(heap_free(&heap_, p));
    }
    heap_stats s = Stats();
    EXPECT_EQ(s.used_blocks, 0u);
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_LT(HeapBytes(), size_t{HEAP_TRIM_THRESHOLD});
    EXPECT_GT(fake_.shrinks, 0);
}

}  // namespace
