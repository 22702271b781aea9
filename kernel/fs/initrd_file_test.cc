// Host tests for initrd files and the directory (kernel/fs/initrd_file.c). The
// initrd itself is faked here: initrd_find and initrd_file_at over a table,
// as kernel/fs/initrd.h specifies them.
//
// Criteria checked:
//  1. A missing path is ERR_NOENT, with *out untouched and nothing allocated.
//  2. "sh" and "/sh" open the same file; reads return its bytes in order,
//     each advancing the offset, and 0 at the end (again and again); an
//     empty file reads 0 at once.
//  3. The files are read-only: write is ERR_BADF.
//  4. stat: a regular file's type and size; the directory's type, size 0.
//  5. "/" and "" open the directory. Reads return whole struct osv_dirent
//     records, as many as fit in n, never part of one, in archive order,
//     then 0; n smaller than one record is ERR_INVAL and consumes nothing.
//  6. Directory names: a name too long for the record is cut to
//     DIRENT_NAME_MAX - 1 bytes; every name is NUL-terminated and the rest
//     of the record is zero.
//  7. Descriptors sharing a file (dup, fork) share its offset.
//  8. Out of memory: ERR_NOMEM, *out untouched, nothing leaks.
// The fixture checks that every page comes back.

#include <cstring>
#include <string>
#include <vector>

#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/err.h"
#include "kernel/fs/file.h"
#include "kernel/fs/initrd.h"
#include "kernel/fs/initrd_file.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/syscall_abi.h"
}

namespace {

struct FakeFile {
    std::string name;
    std::string data;
};

const std::string kLongName(DIRENT_NAME_MAX + 10, 'n');

const std::vector<FakeFile> &Files()
{
    static const std::vector<FakeFile> files = {
        {"init", "\x7f"
                 "ELF init program"},
        {"sh", "#!/bin/sh\necho hello from the initrd\n"},
        {"empty", ""},
        {kLongName, "long"},
        {"readme", std::string(3000, 'r')},
    };
    return files;
}

void Fill(const FakeFile &f, struct initrd_file *out)
{
    out->name = f.name.c_str();
    out->data = f.data.data();
    out->size = f.data.size();
}

}  // namespace

extern "C" err_t initrd_find(const char *name, struct initrd_file *file)
{
    if (name[0] == '/') {
        name++;
    }
    for (const FakeFile &f : Files()) {
        if (f.name == name) {
            Fill(f, file);
            return ERR_OK;
        }
    }
    return ERR_NOENT;
}

extern "C" err_t initrd_file_at(size_t index, struct initrd_file *file)
{
    if (index >= Files().size()) {
        return ERR_NOENT;
    }
    Fill(Files()[index], file);
    return ERR_OK;
}

namespace {

class InitrdFileTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
    }

    struct file *Open(const char *path)
    {
        struct file *file = nullptr;
        EXPECT_EQ(initrd_file_open(path, &file), ERR_OK) << path;
        return file;
    }

    static std::string Read(struct file *file, size_t n)
    {
        std::string buf(n, '\0');
        int64_t got = file_read(file, buf.data(), n);
        EXPECT_GE(got, 0);
        buf.resize(got > 0 ? static_cast<size_t>(got) : 0);
        return buf;
    }
};

TEST_F(InitrdFileTest, MissingPathIsNoentAndAllocatesNothing)
{
    size_t free_before = pmem_free_pages();
    for (const char *path : {"nosuch", "/nosuch", "sh/", "//", "init2"}) {
        struct file *file = reinterpret_cast<struct file *>(0x1234);
        EXPECT_EQ(initrd_file_open(path, &file), ERR_NOENT) << path;
        EXPECT_EQ(file, reinterpret_cast<struct file *>(0x1234));
    }
    EXPECT_EQ(pmem_free_pages(), free_before);
}

TEST_F(InitrdFileTest, ReadsAdvanceAndEndWithZero)
{
    const std::string &sh = Files()[1].data;
    for (const char *path : {"sh", "/sh"}) {
        struct file *file = Open(path);
        EXPECT_EQ(Read(file, 10), sh.substr(0, 10));
        EXPECT_EQ(Read(file, 7), sh.substr(10, 7));
        EXPECT_EQ(Read(file, 1000), sh.substr(17));
        EXPECT_EQ(Read(file, 1000), "");
        EXPECT_EQ(Read(file, 1), "");
        file_put(file);
    }
    struct file *empty = Open("empty");
    EXPECT_EQ(Read(empty, 10), "");
    file_put(empty);
}

TEST_F(InitrdFileTest, FilesAreReadOnly)
{
    for (const char *path : {"sh", "/"}) {
        struct file *file = Open(path);
        EXPECT_FALSE(file->writable);
        EXPECT_EQ(file_write(file, "x", 1), ERR_BADF);
        file_put(file);
    }
}

TEST_F(InitrdFileTest, StatGivesTypeAndSize)
{
    struct osv_stat st;
    struct file *file = Open("readme");
    file_stat(file, &st);
    EXPECT_EQ(st.type, static_cast<uint32_t>(FILE_TYPE_REGULAR));
    EXPECT_EQ(st.size, 3000u);
    file_put(file);

    struct file *dir = Open("/");
    file_stat(dir, &st);
    EXPECT_EQ(st.type, static_cast<uint32_t>(FILE_TYPE_DIRECTORY));
    EXPECT_EQ(st.size, 0u);
    file_put(dir);
}

// Reads the directory with count n; returns the records, or sets *err.
std::vector<osv_dirent> ReadDir(struct file *dir, size_t n, int64_t *result)
{
    std::vector<unsigned char> buf(n + 1, 0xAB);
    *result = file_read(dir, buf.data(), n);
    EXPECT_EQ(buf[n], 0xAB) << "written past n";
    std::vector<osv_dirent> records;
    if (*result > 0) {
        EXPECT_EQ(*result % sizeof(osv_dirent), 0u) << "never part of a record";
        records.resize(*result / sizeof(osv_dirent));
        std::memcpy(records.data(), buf.data(), *result);
    }
    return records;
}

TEST_F(InitrdFileTest, DirectoryReadsWholeRecordsInArchiveOrder)
{
    for (const char *path : {"/", ""}) {
        struct file *dir = Open(path);
        int64_t result;
        EXPECT_TRUE(ReadDir(dir, sizeof(osv_dirent) - 1, &result).empty());
        EXPECT_EQ(result, ERR_INVAL);

        std::vector<osv_dirent> first = ReadDir(dir, 2 * sizeof(osv_dirent) + 30, &result);
        ASSERT_EQ(first.size(), 2u);
        EXPECT_STREQ(first[0].name, "init");
        EXPECT_EQ(first[0].size, Files()[0].data.size());
        EXPECT_STREQ(first[1].name, "sh");
        EXPECT_EQ(first[1].size, Files()[1].data.size());

        std::vector<osv_dirent> rest = ReadDir(dir, 100 * sizeof(osv_dirent), &result);
        ASSERT_EQ(rest.size(), 3u);
        EXPECT_STREQ(rest[0].name, "empty");
        EXPECT_EQ(rest[0].size, 0u);
        EXPECT_STREQ(rest[2].name, "readme");
        EXPECT_EQ(rest[2].size, 3000u);

        EXPECT_TRUE(ReadDir(dir, sizeof(osv_dirent), &result).empty());
        EXPECT_EQ(result, 0);
        file_put(dir);
    }
}

TEST_F(InitrdFileTest, LongNamesAreCutAndRecordsHaveNoStaleBytes)
{
    struct file *dir = Open("/");
    int64_t result;
    std::vector<osv_dirent> all = ReadDir(dir, 10 * sizeof(osv_dirent), &result);
    ASSERT_EQ(all.size(), Files().size());
    const osv_dirent &lng = all[3];
    EXPECT_EQ(std::string(lng.name), kLongName.substr(0, DIRENT_NAME_MAX - 1));
    const osv_dirent &init = all[0];
    for (size_t i = std::strlen(init.name); i < DIRENT_NAME_MAX; i++) {
        EXPECT_EQ(init.name[i], '\0') << "byte " << i;
    }
    file_put(dir);
}

TEST_F(InitrdFileTest, SharedFileSharesItsOffset)
{
    struct file *file = Open("sh");
    struct file *dup = file_get(file);
    EXPECT_EQ(Read(file, 4), "#!/b");
    EXPECT_EQ(Read(dup, 4), "in/s");
    file_put(dup);
    file_put(file);
}

TEST_F(InitrdFileTest, OutOfMemoryIsNomemAndLeaksNothing)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    for (const char *path : {"sh", "/"}) {
        struct file *file = reinterpret_cast<struct file *>(0x1234);
        EXPECT_EQ(initrd_file_open(path, &file), ERR_NOMEM) << path;
        EXPECT_EQ(file, reinterpret_cast<struct file *>(0x1234));
    }
    FreePages(pages);
}

}  // namespace
