// Host tests for file descriptor tables (kernel/fs/fdtable.c), with a fake kind
// of file that counts its releases.
//
// Criteria checked:
//  1. install takes the lowest free descriptor, also after a close.
//  2. With all FD_MAX descriptors in use, install returns ERR_NOSPACE and the
//     caller keeps its reference (nothing is released).
//  3. get and close return ERR_BADF for negative, too large, never-opened and
//     closed descriptors (closing twice included), and get leaves *file alone.
//  4. copy adds a reference to every open file: closing in one table leaves
//     the file open in the other.
//  5. close_all empties the table and releases every file.
//  6. The last close of a file shared by several descriptors calls release,
//     exactly once; earlier closes do not.
// Every test ends with every file released and pmem back at its baseline.

#include <climits>

#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/err.h"
#include "kernel/fs/fdtable.h"
#include "kernel/fs/file.h"
#include "kernel/mm/kmalloc.h"
}

namespace {

int64_t NoRead(struct file *, void *, size_t)
{
    return ERR_INVAL;
}

int64_t NoWrite(struct file *, const void *, size_t)
{
    return ERR_INVAL;
}

void NoStat(struct file *, struct osv_stat *)
{
}

void CountRelease(struct file *file)
{
    ++*static_cast<int *>(file->data);
}

const struct file_ops kCountingOps = {
    .read = NoRead,
    .write = NoWrite,
    .stat = NoStat,
    .release = CountRelease,
};

class FdtableTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
    }

    void TearDown() override
    {
        fdtable_close_all(&table_);
        EXPECT_EQ(releases_, opened_) << "every file opened by the test is released";
        PmemTest::TearDown();
    }

    struct file *Open()
    {
        struct file *file = nullptr;
        EXPECT_EQ(file_alloc(&kCountingOps, &releases_, true, true, &file), ERR_OK);
        opened_++;
        return file;
    }

    int Install(struct file *file)
    {
        int fd = -1;
        EXPECT_EQ(fdtable_install(&table_, file, &fd), ERR_OK);
        return fd;
    }

    struct fdtable table_ = {};
    int releases_ = 0;
    int opened_ = 0;
};

TEST_F(FdtableTest, InstallTakesTheLowestFreeDescriptor)
{
    EXPECT_EQ(Install(Open()), 0);
    EXPECT_EQ(Install(Open()), 1);
    EXPECT_EQ(Install(Open()), 2);
    EXPECT_EQ(fdtable_close(&table_, 1), ERR_OK);
    EXPECT_EQ(Install(Open()), 1);
    EXPECT_EQ(fdtable_close(&table_, 0), ERR_OK);
    EXPECT_EQ(Install(Open()), 0);
    EXPECT_EQ(Install(Open()), 3);
}

TEST_F(FdtableTest, FullTableIsNospaceAndTheCallerKeepsItsReference)
{
    for (int i = 0; i < FD_MAX; i++) {
        EXPECT_EQ(Install(Open()), i);
    }
    struct file *extra = Open();
    int fd = -7;
    EXPECT_EQ(fdtable_install(&table_, extra, &fd), ERR_NOSPACE);
    EXPECT_EQ(fd, -7);
    EXPECT_EQ(releases_, 0);
    EXPECT_EQ(extra->refcount, 1);
    file_put(extra);
    EXPECT_EQ(releases_, 1);
}

TEST_F(FdtableTest, BadDescriptorsAreBadf)
{
    EXPECT_EQ(Install(Open()), 0);
    EXPECT_EQ(Install(Open()), 1);
    EXPECT_EQ(fdtable_close(&table_, 1), ERR_OK);

    for (int fd : {-1, INT_MIN, FD_MAX, FD_MAX + 1, INT_MAX, 1 /* closed */, 2 /* never open */}) {
        struct file *file = reinterpret_cast<struct file *>(0x1234);
        EXPECT_EQ(fdtable_get(&table_, fd, &file), ERR_BADF) << "fd " << fd;
        EXPECT_EQ(file, reinterpret_cast<struct file *>(0x1234)) << "fd " << fd;
        EXPECT_EQ(fdtable_close(&table_, fd), ERR_BADF) << "fd " << fd;
    }
    EXPECT_EQ(releases_, 1);  // the close of fd 1 only
}

TEST_F(FdtableTest, GetReturnsTheInstalledFileWithoutAReference)
{
    struct file *file = Open();
    int fd = Install(file);
    struct file *got = nullptr;
    EXPECT_EQ(fdtable_get(&table_, fd, &got), ERR_OK);
    EXPECT_EQ(got, file);
    EXPECT_EQ(file->refcount, 1);
}

TEST_F(FdtableTest, CopyAddsAReferenceToEveryOpenFile)
{
    struct file *a = Open();
    struct file *b = Open();
    EXPECT_EQ(Install(a), 0);
    EXPECT_EQ(Install(b), 1);
    EXPECT_EQ(fdtable_close(&table_, 0), ERR_OK);  // a is released, b stays at fd 1
    EXPECT_EQ(releases_, 1);

    struct fdtable child = {};
    fdtable_copy(&child, &table_);
    EXPECT_EQ(child.files[0], nullptr);
    EXPECT_EQ(child.files[1], b);
    EXPECT_EQ(b->refcount, 2);

    EXPECT_EQ(fdtable_close(&table_, 1), ERR_OK);
    EXPECT_EQ(releases_, 1) << "the child still refers to b";
    struct file *got = nullptr;
    EXPECT_EQ(fdtable_get(&child, 1, &got), ERR_OK);
    EXPECT_EQ(got, b);
    EXPECT_EQ(fdtable_close(&child, 1), ERR_OK);
    EXPECT_EQ(releases_, 2);
}

TEST_F(FdtableTest, CloseAllEmptiesTheTableAndReleasesEveryFile)
{
    for (int i = 0; i < 5; i++) {
        Install(Open());
    }
    fdtable_close_all(&table_);
    EXPECT_EQ(releases_, 5);
    for (int fd = 0; fd < FD_MAX; fd++) {
        EXPECT_EQ(table_.files[fd], nullptr);
    }
}

TEST_F(FdtableTest, LastCloseOfASharedFileReleasesItOnce)
{
    struct file *file = Open();
    EXPECT_EQ(Install(file), 0);
    EXPECT_EQ(Install(file_get(file)), 1);  // as dup does
    EXPECT_EQ(Install(file_get(file)), 2);
    EXPECT_EQ(fdtable_close(&table_, 0), ERR_OK);
    EXPECT_EQ(fdtable_close(&table_, 2), ERR_OK);
    EXPECT_EQ(releases_, 0);
    EXPECT_EQ(fdtable_close(&table_, 1), ERR_OK);
    EXPECT_EQ(releases_, 1);
    EXPECT_EQ(fdtable_close(&table_, 1), ERR_BADF);
    EXPECT_EQ(releases_, 1);
}

}  // namespace
