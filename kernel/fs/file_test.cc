// Host tests for struct file (kernel/fs/file.c): allocation, references and the
// direction checks, with a fake kind of file that records its calls.
//
// Criteria checked:
//  1. file_alloc hands out a file with one reference and the given
//     operations, data and directions.
//  2. file_get adds a reference; only the last file_put calls release, once,
//     and frees the struct (the fixture's leak check).
//  3. file_read on a file not opened for reading, and file_write on one not
//     opened for writing, return ERR_BADF without calling the operation.
//  4. A count of 0 returns 0 without calling the operation.
//  5. file_stat zeroes the record before the kind fills it in.
//  6. Out of memory: file_alloc returns ERR_NOMEM and leaves *out alone.

#include <cstring>
#include <vector>

#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/err.h"
#include "kernel/fs/file.h"
#include "kernel/mm/kmalloc.h"
}

namespace {

struct Calls {
    int reads = 0;
    int writes = 0;
    int stats = 0;
    int releases = 0;
};

Calls &Of(struct file *file)
{
    return *static_cast<Calls *>(file->data);
}

int64_t FakeRead(struct file *file, void *buf, size_t n)
{
    Of(file).reads++;
    std::memset(buf, 'r', n);
    return static_cast<int64_t>(n);
}

int64_t FakeWrite(struct file *file, const void *, size_t n)
{
    Of(file).writes++;
    return static_cast<int64_t>(n);
}

void FakeStat(struct file *file, struct osv_stat *st)
{
    Of(file).stats++;
    st->type = FILE_TYPE_PIPE;  // leaves size and reserved as found
}

void FakeRelease(struct file *file)
{
    Of(file).releases++;
}

const struct file_ops kFakeOps = {
    .read = FakeRead,
    .write = FakeWrite,
    .stat = FakeStat,
    .release = FakeRelease,
};

class FileTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
    }

    struct file *Open(bool readable, bool writable)
    {
        struct file *file = nullptr;
        EXPECT_EQ(file_alloc(&kFakeOps, &calls_, readable, writable, &file), ERR_OK);
        return file;
    }

    Calls calls_;
};

TEST_F(FileTest, AllocGivesOneReferenceAndTheGivenFields)
{
    struct file *file = Open(true, false);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->refcount, 1);
    EXPECT_EQ(file->ops, &kFakeOps);
    EXPECT_EQ(file->data, &calls_);
    EXPECT_TRUE(file->readable);
    EXPECT_FALSE(file->writable);
    EXPECT_EQ(file->offset, 0u);
    file_put(file);
    EXPECT_EQ(calls_.releases, 1);
}

TEST_F(FileTest, OnlyTheLastPutReleases)
{
    struct file *file = Open(true, true);
    EXPECT_EQ(file_get(file), file);
    EXPECT_EQ(file_get(file), file);
    EXPECT_EQ(file->refcount, 3);
    file_put(file);
    file_put(file);
    EXPECT_EQ(calls_.releases, 0);
    file_put(file);
    EXPECT_EQ(calls_.releases, 1);
}

TEST_F(FileTest, WrongDirectionIsBadfAndNeverReachesTheKind)
{
    char buf[8];
    struct file *read_only = Open(true, false);
    struct file *write_only = Open(false, true);
    EXPECT_EQ(file_write(read_only, buf, sizeof buf), ERR_BADF);
    EXPECT_EQ(file_read(write_only, buf, sizeof buf), ERR_BADF);
    EXPECT_EQ(calls_.reads, 0);
    EXPECT_EQ(calls_.writes, 0);

    EXPECT_EQ(file_read(read_only, buf, sizeof buf), 8);
    EXPECT_EQ(file_write(write_only, buf, sizeof buf), 8);
    EXPECT_EQ(calls_.reads, 1);
    EXPECT_EQ(calls_.writes, 1);
    file_put(read_only);
    file_put(write_only);
}

TEST_F(FileTest, ZeroCountReturnsZeroWithoutCallingTheKind)
{
    char buf[1];
    struct file *file = Open(true, true);
    EXPECT_EQ(file_read(file, buf, 0), 0);
    EXPECT_EQ(file_write(file, buf, 0), 0);
    EXPECT_EQ(calls_.reads, 0);
    EXPECT_EQ(calls_.writes, 0);
    file_put(file);
}

TEST_F(FileTest, StatZeroesBeforeTheKindFillsIn)
{
    struct file *file = Open(true, false);
    struct osv_stat st;
    std::memset(&st, 0xAB, sizeof st);
    file_stat(file, &st);
    EXPECT_EQ(calls_.stats, 1);
    EXPECT_EQ(st.type, static_cast<uint32_t>(FILE_TYPE_PIPE));
    EXPECT_EQ(st.reserved, 0u);
    EXPECT_EQ(st.size, 0u);
    file_put(file);
}

TEST_F(FileTest, AllocOutOfMemoryIsNomemAndLeavesOutAlone)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    struct file *file = reinterpret_cast<struct file *>(0x1234);
    EXPECT_EQ(file_alloc(&kFakeOps, &calls_, true, true, &file), ERR_NOMEM);
    EXPECT_EQ(file, reinterpret_cast<struct file *>(0x1234));
    FreePages(pages);
}

}  // namespace
