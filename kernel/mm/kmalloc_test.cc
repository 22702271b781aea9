// Host tests for kmalloc/kfree, the kernel heap, on the arena of
// testing/pmem_arena.h.
//
// Criteria checked:
//  1. Size 0 and sizes over KMALLOC_MAX_SIZE are ERR_INVAL; nothing is
//     written to the output and nothing is allocated.
//  2. Every size from 1 to KMALLOC_MAX_SIZE gets a block that holds that
//     many bytes, 16-byte aligned, page-aligned over KMALLOC_MAX_SMALL, and
//     overlapping no other live block: patterns written to all blocks at
//     once survive until they are freed.
//  3. Small blocks share slab pages (power-of-two classes); each block over
//     KMALLOC_MAX_SMALL takes exactly one page.
//  4. Freeing every block brings pmem back to its baseline (the fixture
//     checks it for every test); kfree(NULL) does nothing.
//  5. Out of memory: kmalloc returns ERR_NOMEM, writes nothing, leaks
//     nothing, and works again once memory is freed.
//  6. Misuse panics and names the address: double free of a small and of a
//     big block, an address inside a block, an object from a kmem_cache that
//     is not kmalloc's, and an address kmalloc never handed out.
//  7. kmalloc_pages_held counts exactly the pages the heap took from pmem.

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/kmem_cache.h"
#include "kernel/mm/pmem.h"
}

namespace {

std::string Ptr(const void *p)
{
    char text[32];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
}

void Fill(void *block, size_t size, unsigned tag)
{
    unsigned char *bytes = static_cast<unsigned char *>(block);
    for (size_t i = 0; i < size; i++) {
        bytes[i] = static_cast<unsigned char>(tag * 7 + i / 3);
    }
}

bool Holds(const void *block, size_t size, unsigned tag)
{
    const unsigned char *bytes = static_cast<const unsigned char *>(block);
    for (size_t i = 0; i < size; i++) {
        if (bytes[i] != static_cast<unsigned char>(tag * 7 + i / 3)) {
            return false;
        }
    }
    return true;
}

class KmallocTest : public PmemTest {
  protected:
    explicit KmallocTest(size_t arena_pages = kDefaultArenaPages) : PmemTest(arena_pages)
    {
    }

    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
    }

    size_t PagesTaken() const
    {
        return baseline_free_pages() - pmem_free_pages();
    }

    // kmalloc that must succeed.
    void *Alloc(size_t size)
    {
        void *block = nullptr;
        EXPECT_EQ(kmalloc(size, &block), ERR_OK) << "size " << size;
        return block;
    }
};

TEST_F(KmallocTest, ZeroSizeIsInvalid)
{
    void *untouched = this;
    EXPECT_EQ(kmalloc(0, &untouched), ERR_INVAL);
    EXPECT_EQ(untouched, this);
    EXPECT_EQ(PagesTaken(), 0u);
}

TEST_F(KmallocTest, MoreThanAPageIsInvalid)
{
    void *untouched = this;
    EXPECT_EQ(kmalloc(KMALLOC_MAX_SIZE + 1, &untouched), ERR_INVAL);
    EXPECT_EQ(kmalloc(SIZE_MAX, &untouched), ERR_INVAL);
    EXPECT_EQ(untouched, this);
    EXPECT_EQ(PagesTaken(), 0u);
}

TEST_F(KmallocTest, FreeOfNullDoesNothing)
{
    kfree(nullptr);
    EXPECT_EQ(PagesTaken(), 0u);
}

TEST_F(KmallocTest, SmallBlocksAreAlignedAndShareASlabPage)
{
    std::vector<void *> blocks;
    for (int i = 0; i < 100; i++) {
        blocks.push_back(Alloc(16));
        EXPECT_EQ(reinterpret_cast<uintptr_t>(blocks.back()) % 16, 0u);
    }
    EXPECT_EQ(PagesTaken(), 1u) << "100 blocks of 16 bytes fit one slab page";
    for (void *block : blocks) {
        kfree(block);
    }
}

TEST_F(KmallocTest, SizesInOneClassShareItsSlab)
{
    void *a = Alloc(33);
    void *b = Alloc(64);
    EXPECT_EQ(PagesTaken(), 1u) << "33 and 64 bytes are both the 64-byte class";
    void *c = Alloc(65);
    EXPECT_EQ(PagesTaken(), 2u) << "65 bytes is the 128-byte class";
    kfree(a);
    kfree(b);
    kfree(c);
}

TEST_F(KmallocTest, EachBigBlockIsOnePageAligned)
{
    void *a = Alloc(KMALLOC_MAX_SMALL + 1);
    void *b = Alloc(KMALLOC_MAX_SIZE);
    EXPECT_EQ(PagesTaken(), 2u);
    EXPECT_TRUE(pg_aligned(kmap_v2p(a)));
    EXPECT_TRUE(pg_aligned(kmap_v2p(b)));
    kfree(a);
    kfree(b);
}

TEST_F(KmallocTest, PagesHeldAreThePagesTakenFromPmem)
{
    EXPECT_EQ(kmalloc_pages_held(), 0u);
    std::vector<void *> blocks;
    for (size_t size : {16, 16, 100, 1000, 2000, 4096, 17, 600}) {
        blocks.push_back(Alloc(size));
        EXPECT_EQ(kmalloc_pages_held(), PagesTaken()) << "after a block of " << size;
    }
    for (void *block : blocks) {
        kfree(block);
        EXPECT_EQ(kmalloc_pages_held(), PagesTaken());
    }
    EXPECT_EQ(kmalloc_pages_held(), 0u);
}

TEST_F(KmallocTest, FreeingASmallBlockMakesRoomForTheNext)
{
    void *a = Alloc(200);
    kfree(a);
    void *b = Alloc(200);
    EXPECT_EQ(b, a);
    kfree(b);
}

// Room for a live block of every size at once.
class KmallocAllSizesTest : public KmallocTest {
  protected:
    KmallocAllSizesTest() : KmallocTest(4096)
    {
    }
};

TEST_F(KmallocAllSizesTest, EverySizeGetsItsOwnNonOverlappingBlock)
{
    std::vector<std::pair<void *, size_t>> blocks;
    for (size_t size = 1; size <= KMALLOC_MAX_SIZE; size++) {
        void *block = Alloc(size);
        ASSERT_NE(block, nullptr);
        uintptr_t p = reinterpret_cast<uintptr_t>(block);
        EXPECT_EQ(p % 16, 0u) << "size " << size;
        if (size > KMALLOC_MAX_SMALL) {
            EXPECT_EQ(p % PAGE_SIZE, 0u) << "size " << size;
        }
        Fill(block, size, static_cast<unsigned>(size));
        blocks.push_back({block, size});
    }
    for (auto &[block, size] : blocks) {
        EXPECT_TRUE(Holds(block, size, static_cast<unsigned>(size)))
            << "the block of " << size << " bytes was overwritten";
    }
    for (auto &[block, size] : blocks) {
        kfree(block);
    }
}

TEST_F(KmallocTest, OutOfMemoryForSmallBlocksReturnsNomemAndLeaksNothing)
{
    std::vector<void *> blocks;
    void *block;
    err_t err;
    while ((err = kmalloc(100, &block)) == ERR_OK) {
        blocks.push_back(block);
    }
    EXPECT_EQ(err, ERR_NOMEM);
    EXPECT_EQ(pmem_free_pages(), 0u);
    void *untouched = this;
    EXPECT_EQ(kmalloc(100, &untouched), ERR_NOMEM);
    EXPECT_EQ(untouched, this);

    kfree(blocks.back());
    blocks.pop_back();
    EXPECT_EQ(kmalloc(128, &block), ERR_OK) << "a freed block of the class is available again";
    blocks.push_back(block);
    for (void *b : blocks) {
        kfree(b);
    }
}

TEST_F(KmallocTest, OutOfMemoryForBigBlocksReturnsNomemAndLeaksNothing)
{
    std::vector<void *> blocks;
    void *block;
    err_t err;
    while ((err = kmalloc(3000, &block)) == ERR_OK) {
        blocks.push_back(block);
    }
    EXPECT_EQ(err, ERR_NOMEM);
    EXPECT_EQ(blocks.size(), baseline_free_pages());
    EXPECT_EQ(kmalloc(16, &block), ERR_NOMEM) << "no page left for a first slab either";
    for (void *b : blocks) {
        kfree(b);
    }
}

using KmallocDeathTest = KmallocTest;

TEST_F(KmallocDeathTest, DoubleFreeOfASmallBlockPanics)
{
    void *keep = Alloc(32);  // keeps the slab alive, so the double free finds it
    void *block = Alloc(32);
    kfree(block);
    EXPECT_DEATH(kfree(block), Ptr(block) + " is not allocated \\(freed twice\\?\\)");
    kfree(keep);
}

TEST_F(KmallocDeathTest, DoubleFreeOfABigBlockPanics)
{
    void *block = Alloc(2000);
    paddr_t paddr = kmap_v2p(block);
    kfree(block);
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(paddr));
    EXPECT_DEATH(kfree(block), std::string("pmem_free: page ") + hex + " is not allocated");
}

TEST_F(KmallocDeathTest, FreeOfAnAddressInsideASmallBlockPanics)
{
    char *block = static_cast<char *>(Alloc(64));
    EXPECT_DEATH(kfree(block + 16), Ptr(block + 16) + " is not the start of an object");
    kfree(block);
}

TEST_F(KmallocDeathTest, FreeOfAnAddressInsideABigBlockPanics)
{
    char *block = static_cast<char *>(Alloc(4000));
    Fill(block, 4000, 1);
    EXPECT_DEATH(kfree(block + 100), Ptr(block + 100) + " is not in a slab");
    kfree(block);
}

TEST_F(KmallocDeathTest, FreeOfAnObjectFromAnotherCachePanics)
{
    struct kmem_cache other;
    ASSERT_EQ(kmem_cache_init(&other, "other", 32), ERR_OK);
    void *object;
    ASSERT_EQ(kmem_cache_alloc(&other, &object), ERR_OK);
    EXPECT_DEATH(kfree(object), "kfree: " + Ptr(object) + " is an object of kmem_cache other");
    kmem_cache_free(&other, object);
}

TEST_F(KmallocDeathTest, FreeOfAnAddressOutsideTheHeapPanics)
{
    int on_stack;
    EXPECT_DEATH(kfree(&on_stack), "not an address in the arena");
}

}  // namespace
