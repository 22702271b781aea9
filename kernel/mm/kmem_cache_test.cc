// Host tests for kmem_cache, fixed-size object caches on pmem, on the arena
// of testing/pmem_arena.h.
//
// Criteria checked:
//  1. Creation: size 0 and sizes over KMEM_CACHE_MAX_OBJECT_SIZE are
//     ERR_INVAL; sizes round up to KMEM_CACHE_ALIGN; as many objects as fit
//     after the header share a slab page.
//  2. Objects are distinct, KMEM_CACHE_ALIGN-aligned, never page-aligned,
//     and do not overlap: a pattern written to each survives until its free.
//  3. A cache takes one page per objects_per_slab objects, and only when
//     its slabs are full; freed objects are handed out before new pages.
//  4. The policy: a slab goes back to pmem when its last object is freed,
//     so freeing everything brings pmem back to its baseline.
//  5. Out of pages: kmem_cache_alloc returns ERR_NOMEM, leaves its output
//     alone, leaks nothing, and works again once pages are free.
//  6. Misuse panics and names the object: double free, a pointer that is
//     not the start of an object, an object of another cache, a pointer
//     outside any slab, destroying a cache with objects allocated, and a
//     free list corrupted by a write after free.
//  7. Every test leaves pmem's free count at its baseline (the fixture).

#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
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

// Fills an object with bytes derived from its address and a tag, so that an
// overlapping neighbour's pattern cannot pass for it.
void Fill(void *object, size_t size, unsigned tag)
{
    unsigned char *bytes = static_cast<unsigned char *>(object);
    for (size_t i = 0; i < size; i++) {
        bytes[i] = static_cast<unsigned char>(tag * 31 + i);
    }
}

bool Holds(const void *object, size_t size, unsigned tag)
{
    const unsigned char *bytes = static_cast<const unsigned char *>(object);
    for (size_t i = 0; i < size; i++) {
        if (bytes[i] != static_cast<unsigned char>(tag * 31 + i)) {
            return false;
        }
    }
    return true;
}

class KmemCacheTest : public PmemTest {
  protected:
    void Init(size_t size)
    {
        ASSERT_EQ(kmem_cache_init(&cache_, "test", size), ERR_OK);
    }

    std::vector<void *> Allocate(size_t count)
    {
        std::vector<void *> objects;
        for (size_t i = 0; i < count; i++) {
            void *object = nullptr;
            EXPECT_EQ(kmem_cache_alloc(&cache_, &object), ERR_OK) << "object " << i;
            objects.push_back(object);
        }
        return objects;
    }

    void Free(const std::vector<void *> &objects)
    {
        for (void *object : objects) {
            kmem_cache_free(&cache_, object);
        }
    }

    size_t PagesTaken() const
    {
        return baseline_free_pages() - pmem_free_pages();
    }

    struct kmem_cache cache_;
};

TEST_F(KmemCacheTest, ZeroSizeIsInvalid)
{
    EXPECT_EQ(kmem_cache_init(&cache_, "zero", 0), ERR_INVAL);
}

TEST_F(KmemCacheTest, SizeOverTheMaximumIsInvalid)
{
    EXPECT_EQ(kmem_cache_init(&cache_, "big", KMEM_CACHE_MAX_OBJECT_SIZE + 1), ERR_INVAL);
    EXPECT_EQ(kmem_cache_init(&cache_, "page", PAGE_SIZE), ERR_INVAL);
}

TEST_F(KmemCacheTest, MaximumSizeGivesOneObjectPerSlab)
{
    Init(KMEM_CACHE_MAX_OBJECT_SIZE);
    EXPECT_EQ(cache_.objects_per_slab, 1u);
    std::vector<void *> objects = Allocate(3);
    EXPECT_EQ(PagesTaken(), 3u);
    for (unsigned i = 0; i < objects.size(); i++) {
        Fill(objects[i], KMEM_CACHE_MAX_OBJECT_SIZE, i);
    }
    for (unsigned i = 0; i < objects.size(); i++) {
        EXPECT_TRUE(Holds(objects[i], KMEM_CACHE_MAX_OBJECT_SIZE, i));
    }
    Free(objects);
    EXPECT_EQ(PagesTaken(), 0u);
    kmem_cache_destroy(&cache_);
}

TEST_F(KmemCacheTest, SizeRoundsUpToTheAlignment)
{
    Init(24);
    EXPECT_EQ(cache_.stride, 32u);
    EXPECT_EQ(cache_.objects_per_slab, (PAGE_SIZE - KMEM_SLAB_HEADER_SIZE) / 32);
}

TEST_F(KmemCacheTest, ObjectsAreAlignedDistinctAndDoNotOverlap)
{
    for (size_t size : {1, 8, 16, 24, 40, 100, 256, 1000, 2000}) {
        SCOPED_TRACE("object size " + std::to_string(size));
        Init(size);
        std::vector<void *> objects = Allocate(3 * cache_.objects_per_slab + 1);
        std::set<void *> distinct(objects.begin(), objects.end());
        EXPECT_EQ(distinct.size(), objects.size());
        for (unsigned i = 0; i < objects.size(); i++) {
            uintptr_t p = reinterpret_cast<uintptr_t>(objects[i]);
            EXPECT_EQ(p % KMEM_CACHE_ALIGN, 0u);
            EXPECT_NE(p % PAGE_SIZE, 0u) << "page-aligned objects would confuse kfree";
            EXPECT_EQ(p / PAGE_SIZE, (p + size - 1) / PAGE_SIZE) << "object crosses a page";
            Fill(objects[i], size, i);
        }
        for (unsigned i = 0; i < objects.size(); i++) {
            EXPECT_TRUE(Holds(objects[i], size, i)) << "object " << i << " was overwritten";
        }
        Free(objects);
        kmem_cache_destroy(&cache_);
    }
}

TEST_F(KmemCacheTest, OneSlabPageHoldsObjectsPerSlabObjects)
{
    Init(64);
    std::vector<void *> objects = Allocate(cache_.objects_per_slab);
    EXPECT_EQ(PagesTaken(), 1u);
    EXPECT_EQ(cache_.slabs, 1u);
    std::vector<void *> one_more = Allocate(1);
    EXPECT_EQ(PagesTaken(), 2u);
    Free(one_more);
    Free(objects);
}

TEST_F(KmemCacheTest, FreeingTheLastObjectOfASlabReturnsItsPage)
{
    Init(64);
    std::vector<void *> objects = Allocate(2 * cache_.objects_per_slab);
    EXPECT_EQ(PagesTaken(), 2u);
    Free(objects);
    EXPECT_EQ(PagesTaken(), 0u);
    EXPECT_EQ(cache_.slabs, 0u);
    EXPECT_EQ(cache_.allocated, 0u);
    kmem_cache_destroy(&cache_);
}

TEST_F(KmemCacheTest, FreedObjectIsHandedOutAgainWithoutANewPage)
{
    Init(64);
    std::vector<void *> objects = Allocate(cache_.objects_per_slab);
    void *freed = objects[7];
    kmem_cache_free(&cache_, freed);
    void *again = nullptr;
    ASSERT_EQ(kmem_cache_alloc(&cache_, &again), ERR_OK);
    EXPECT_EQ(again, freed);
    EXPECT_EQ(PagesTaken(), 1u);
    objects[7] = again;
    Free(objects);
}

TEST_F(KmemCacheTest, RandomAllocAndFreeKeepEveryLiveObjectIntact)
{
    Init(48);
    std::mt19937 random(12345);
    std::vector<std::pair<void *, unsigned>> live;
    for (unsigned step = 0; step < 5000; step++) {
        if (live.empty() || random() % 3 != 0) {
            void *object = nullptr;
            ASSERT_EQ(kmem_cache_alloc(&cache_, &object), ERR_OK);
            Fill(object, 48, step);
            live.push_back({object, step});
        } else {
            size_t victim = random() % live.size();
            ASSERT_TRUE(Holds(live[victim].first, 48, live[victim].second)) << "step " << step;
            kmem_cache_free(&cache_, live[victim].first);
            live[victim] = live.back();
            live.pop_back();
        }
        ASSERT_EQ(cache_.allocated, live.size());
    }
    for (auto &[object, tag] : live) {
        EXPECT_TRUE(Holds(object, 48, tag));
        kmem_cache_free(&cache_, object);
    }
}

TEST_F(KmemCacheTest, OutOfPagesReturnsNomemAndLeaksNothing)
{
    Init(512);
    std::vector<void *> objects;
    void *object = nullptr;
    err_t err;
    while ((err = kmem_cache_alloc(&cache_, &object)) == ERR_OK) {
        objects.push_back(object);
    }
    EXPECT_EQ(err, ERR_NOMEM);
    EXPECT_EQ(pmem_free_pages(), 0u);
    EXPECT_EQ(objects.size(), baseline_free_pages() * cache_.objects_per_slab);

    void *untouched = &cache_;
    EXPECT_EQ(kmem_cache_alloc(&cache_, &untouched), ERR_NOMEM);
    EXPECT_EQ(untouched, &cache_) << "a failed kmem_cache_alloc must not write its output";
    EXPECT_EQ(cache_.allocated, objects.size());

    // A freed object can be had again even with pmem still empty.
    kmem_cache_free(&cache_, objects.back());
    ASSERT_EQ(kmem_cache_alloc(&cache_, &objects.back()), ERR_OK);

    Free(objects);
    kmem_cache_destroy(&cache_);
}

TEST_F(KmemCacheTest, AllocatesAgainAfterPmemRecovers)
{
    Init(64);
    std::vector<paddr_t> pages = AllocateAllPages();
    void *object = nullptr;
    EXPECT_EQ(kmem_cache_alloc(&cache_, &object), ERR_NOMEM);
    EXPECT_EQ(cache_.slabs, 0u);
    FreePages(pages);
    ASSERT_EQ(kmem_cache_alloc(&cache_, &object), ERR_OK);
    kmem_cache_free(&cache_, object);
}

using KmemCacheDeathTest = KmemCacheTest;

TEST_F(KmemCacheDeathTest, DoubleFreePanicsWithTheObject)
{
    Init(64);
    std::vector<void *> objects = Allocate(2);
    kmem_cache_free(&cache_, objects[0]);
    EXPECT_DEATH(kmem_cache_free(&cache_, objects[0]),
                 "kmem_cache_free\\(test\\): " + Ptr(objects[0]) + " is not allocated");
    kmem_cache_free(&cache_, objects[1]);
}

TEST_F(KmemCacheDeathTest, FreeInsideAnObjectPanics)
{
    Init(64);
    std::vector<void *> objects = Allocate(1);
    char *inside = static_cast<char *>(objects[0]) + 8;
    EXPECT_DEATH(kmem_cache_free(&cache_, inside), Ptr(inside) + " is not the start of an object");
    Free(objects);
}

TEST_F(KmemCacheDeathTest, FreeToTheWrongCachePanics)
{
    Init(64);
    struct kmem_cache other;
    ASSERT_EQ(kmem_cache_init(&other, "other", 64), ERR_OK);
    std::vector<void *> objects = Allocate(1);
    EXPECT_DEATH(kmem_cache_free(&other, objects[0]),
                 "kmem_cache_free\\(other\\): " + Ptr(objects[0]) + " belongs to cache test");
    Free(objects);
}

TEST_F(KmemCacheDeathTest, FreeOfAPointerOutsideAnySlabPanics)
{
    Init(64);
    paddr_t page;
    ASSERT_EQ(pmem_alloc(&page), ERR_OK);
    void *not_a_slab = static_cast<char *>(kmap_p2v(page)) + 128;
    EXPECT_DEATH(kmem_cache_free(&cache_, not_a_slab), Ptr(not_a_slab) + " is not in a slab");
    EXPECT_DEATH(kmem_cache_of(not_a_slab), Ptr(not_a_slab) + " is not in a slab");
    pmem_free(page);
}

TEST_F(KmemCacheDeathTest, DestroyWithObjectsAllocatedPanics)
{
    Init(64);
    std::vector<void *> objects = Allocate(2);
    EXPECT_DEATH(kmem_cache_destroy(&cache_), "kmem_cache_destroy\\(test\\): 2 objects");
    Free(objects);
}

TEST_F(KmemCacheDeathTest, WriteAfterFreeThatBreaksTheFreeListPanicsAtAlloc)
{
    Init(64);
    std::vector<void *> objects = Allocate(2);
    kmem_cache_free(&cache_, objects[0]);
    *static_cast<void **>(objects[0]) = static_cast<char *>(objects[1]) + 4;  // the bug
    void *object;
    ASSERT_EQ(kmem_cache_alloc(&cache_, &object), ERR_OK);  // takes objects[0] back
    EXPECT_DEATH((void)kmem_cache_alloc(&cache_, &object), "free list of slab .* is corrupt");
    // Repair what the test broke, so the fixture's leak check holds.
    EXPECT_EQ(object, objects[0]);
    Free(objects);
}

}  // namespace
