// Host tests for reading and writing files from and to user memory
// (kernel/fs/file_io.c), with a fake kind of file that records what it is
// given, a kill flag of the test's own, the fake page table and the pmem
// arena.
//
// A killed writer's count never reaches user code (the process ends on the
// way out of the kernel), so it is checked here; the QEMU test
// //userland/tests/proc:killwrite_qemu_test checks what user code sees.
//
// Criteria checked:
//  1. A write moves every byte, in order, in steps of at most
//     SYS_FILE_CHUNK bytes, and returns the count.
//  2. A kill is looked for before every step: a writer killed before the
//     first step gets ERR_KILLED and the file is never called; one killed
//     during a step gets the count written so far, and no further step
//     starts, whatever the count asked for (even INT64_MAX and more).
//  3. A step the file cuts short because the writer was killed while it
//     waited (a pipe) ends the write with the count so far; a file's
//     ERR_KILLED ends it with the count so far, or ERR_KILLED if 0.
//  4. Without a kill, the old rules hold: a short step (a pipe whose
//     reader left) ends the write with the count; a file error with nothing
//     written is that error; a buffer that turns bad part way returns the
//     count of the whole steps before the bad one, and one bad from the
//     start ERR_FAULT; a count of 0
//     returns 0 without a step or a look at the kill flag; a file not open
//     for writing is ERR_BADF.
//  5. A read takes at most SYS_FILE_CHUNK bytes from the file and copies
//     them out; a bad or read-only buffer is ERR_FAULT and the file is not
//     read; a file's ERR_KILLED is passed on.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "testing/fake_current.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/err.h"
#include "kernel/fs/file.h"
#include "kernel/fs/file_io.h"
#include "kernel/mm/vm.h"
#include "kernel/uaccess.h"
}

namespace {

constexpr vaddr_t kData = 0x400000;  // kDataPages pages, URW, all mapped
constexpr size_t kDataPages = 8;
constexpr size_t kDataBytes = kDataPages * PAGE_SIZE;
constexpr vaddr_t kText = 0x600000;  // 1 page, UR, mapped

// The kill flag killed() reports: the test's stand-in for thread_killed.
bool g_killed;
int g_kill_checks;

bool Killed()
{
    g_kill_checks++;
    return g_killed;
}

// What the fake file does on its n-th write call (counting from 1).
struct Step {
    int64_t result;     // < 0: an error; else bytes taken (at most what was offered)
    bool kill = false;  // the writer is killed during this step
};

// The fake kind of file: takes what it is offered unless a scripted step
// says otherwise; records the bytes and the size of every call.
struct FakeFile {
    std::string written;
    std::vector<size_t> write_sizes;
    std::vector<Step> script;  // by call, from the first; past its end: take all
    int reads = 0;
    int64_t read_result = -1;  // < 0: an error; else the count, of bytes 'r'
};

FakeFile &Of(struct file *file)
{
    return *static_cast<FakeFile *>(file->data);
}

int64_t FakeWrite(struct file *file, const void *buf, size_t n)
{
    FakeFile &f = Of(file);
    f.write_sizes.push_back(n);
    size_t call = f.write_sizes.size();
    int64_t result = static_cast<int64_t>(n);
    if (call <= f.script.size()) {
        const Step &step = f.script[call - 1];
        g_killed = g_killed || step.kill;
        result = step.result;
    }
    if (result > 0) {
        EXPECT_LE(static_cast<size_t>(result), n) << "a script step takes more than offered";
        f.written.append(static_cast<const char *>(buf), static_cast<size_t>(result));
    }
    return result;
}

int64_t FakeRead(struct file *file, void *buf, size_t n)
{
    FakeFile &f = Of(file);
    f.reads++;
    if (f.read_result < 0) {
        return f.read_result;
    }
    size_t count = std::min(n, static_cast<size_t>(f.read_result));
    std::memset(buf, 'r', count);
    return static_cast<int64_t>(count);
}

void FakeStat(struct file *, struct osv_stat *)
{
}

const struct file_ops kFakeOps = {
    .read = FakeRead,
    .write = FakeWrite,
    .stat = FakeStat,
    .release = nullptr,
};

class FileIoTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        g_killed = false;
        g_kill_checks = 0;
        ASSERT_EQ(as_create(&as_), ERR_OK);
        ASSERT_EQ(as_map_memregion(as_, kData, kDataBytes, MEMPERM_URW, MEMREGION_DATA, nullptr),
                  ERR_OK);
        ASSERT_EQ(as_map_memregion(as_, kText, PAGE_SIZE, MEMPERM_UR, MEMREGION_CODE, nullptr),
                  ERR_OK);
        for (size_t i = 0; i < kDataPages; i++) {
            ASSERT_EQ(as_map_zero_page(as_, kData + i * PAGE_SIZE), ERR_OK);
        }
        ASSERT_EQ(as_map_zero_page(as_, kText), ERR_OK);
        fake_set_current_as(as_);
        // The user's data: a byte pattern that no step size divides.
        data_.resize(kDataBytes);
        for (size_t i = 0; i < kDataBytes; i++) {
            data_[i] = static_cast<char>('a' + i % 23);
        }
        ASSERT_EQ(copyout(kData, data_.data(), data_.size()), ERR_OK);
        ASSERT_EQ(file_alloc(&kFakeOps, &fake_, /*readable=*/true, /*writable=*/true, &file_),
                  ERR_OK);
    }

    void TearDown() override
    {
        file_put(file_);
        fake_set_current_as(nullptr);
        as_destroy(as_);
        PmemTest::TearDown();
    }

    int64_t Write(vaddr_t buf, uint64_t n)
    {
        return file_write_from_user(file_, buf, n, Killed);
    }

    // Whether the file got exactly the n bytes of the user's data at
    // offset `from` (without printing kilobytes when it did not).
    testing::AssertionResult WrittenIs(size_t from, size_t n) const
    {
        const std::string &got = fake_.written;
        std::string want = data_.substr(from, n);
        if (got == want) {
            return testing::AssertionSuccess();
        }
        size_t i = 0;
        while (i < got.size() && i < want.size() && got[i] == want[i]) {
            i++;
        }
        return testing::AssertionFailure()
               << "the file got " << got.size() << " bytes, want " << n
               << " bytes of the data at offset " << from << "; they differ from byte " << i;
    }

    struct addrspace *as_ = nullptr;
    struct file *file_ = nullptr;
    FakeFile fake_;
    std::string data_;
};

TEST_F(FileIoTest, WriteMovesEveryByteInStepsOfAChunk)
{
    EXPECT_EQ(Write(kData, 5000), 5000);
    EXPECT_TRUE(WrittenIs(0, 5000));
    ASSERT_EQ(fake_.write_sizes.size(), 10u);  // 9 steps of 512 and one of 392
    for (size_t i = 0; i < 9; i++) {
        EXPECT_EQ(fake_.write_sizes[i], static_cast<size_t>(SYS_FILE_CHUNK)) << "step " << i;
    }
    EXPECT_EQ(fake_.write_sizes[9], 5000u - 9 * SYS_FILE_CHUNK);
    EXPECT_EQ(g_kill_checks, 10) << "one look for a kill before each step";
}

TEST_F(FileIoTest, WriterKilledBeforeTheFirstStepGetsErrKilledAndWritesNothing)
{
    g_killed = true;
    EXPECT_EQ(Write(kData, 5000), ERR_KILLED);
    EXPECT_TRUE(fake_.write_sizes.empty());
}

TEST_F(FileIoTest, KillDuringAStepEndsTheWriteWithTheCountSoFar)
{
    fake_.script = {{SYS_FILE_CHUNK}, {SYS_FILE_CHUNK}, {SYS_FILE_CHUNK, /*kill=*/true}};
    EXPECT_EQ(Write(kData, kDataBytes), 3 * SYS_FILE_CHUNK);
    EXPECT_TRUE(WrittenIs(0, 3 * SYS_FILE_CHUNK));
    EXPECT_EQ(fake_.write_sizes.size(), 3u) << "no step starts after the kill";
}

TEST_F(FileIoTest, KillEndsAWriteOfAnyCountWithinOneStep)
{
    // Counts far beyond the buffer: only the kill keeps the write from
    // running on (into ERR_FAULT here, or for minutes on a real console).
    for (uint64_t count : {uint64_t{INT64_MAX}, UINT64_MAX}) {
        fake_ = FakeFile{};
        g_killed = false;
        fake_.script = {{SYS_FILE_CHUNK}, {SYS_FILE_CHUNK, /*kill=*/true}};
        EXPECT_EQ(Write(kData, count), 2 * SYS_FILE_CHUNK) << "count " << count;
        EXPECT_EQ(fake_.write_sizes.size(), 2u) << "count " << count;
    }
}

TEST_F(FileIoTest, StepCutShortByAKillReportsTheBytesItTook)
{
    // A pipe writer killed while waiting for room returns what it put in.
    fake_.script = {{SYS_FILE_CHUNK}, {100, /*kill=*/true}};
    EXPECT_EQ(Write(kData, 5000), SYS_FILE_CHUNK + 100);
    EXPECT_TRUE(WrittenIs(0, SYS_FILE_CHUNK + 100));
    EXPECT_EQ(fake_.write_sizes.size(), 2u);
}

TEST_F(FileIoTest, FileErrKilledAfterSomeStepsReportsTheCountSoFar)
{
    fake_.script = {{SYS_FILE_CHUNK}, {SYS_FILE_CHUNK}, {ERR_KILLED, /*kill=*/true}};
    EXPECT_EQ(Write(kData, 5000), 2 * SYS_FILE_CHUNK);
    EXPECT_TRUE(WrittenIs(0, 2 * SYS_FILE_CHUNK));
}

TEST_F(FileIoTest, FileErrKilledAtTheFirstStepIsErrKilled)
{
    fake_.script = {{ERR_KILLED, /*kill=*/true}};
    EXPECT_EQ(Write(kData, 5000), ERR_KILLED);
    EXPECT_TRUE(fake_.written.empty());
}

TEST_F(FileIoTest, ShortStepWithoutAKillEndsTheWriteWithTheCount)
{
    // A pipe whose reader left part way through a step.
    fake_.script = {{SYS_FILE_CHUNK}, {7}};
    EXPECT_EQ(Write(kData, 5000), SYS_FILE_CHUNK + 7);
    EXPECT_EQ(fake_.write_sizes.size(), 2u);
}

TEST_F(FileIoTest, FileErrorWithNothingWrittenIsThatError)
{
    fake_.script = {{ERR_PIPE}};
    EXPECT_EQ(Write(kData, 5000), ERR_PIPE);
}

TEST_F(FileIoTest, BufferThatTurnsBadPartWayReturnsTheCountSoFar)
{
    // The last 1100 bytes of the data region, then unmapped memory: two
    // whole steps are written; the third runs into the bad memory, so its
    // copyin fails before the file sees any of it.
    vaddr_t buf = kData + kDataBytes - 1100;
    EXPECT_EQ(Write(buf, 5000), 2 * SYS_FILE_CHUNK);
    EXPECT_TRUE(WrittenIs(kDataBytes - 1100, 2 * SYS_FILE_CHUNK));
}

TEST_F(FileIoTest, BadBufferIsErrFaultAndWritesNothing)
{
    EXPECT_EQ(Write(0, 100), ERR_FAULT);
    EXPECT_EQ(Write(kData + kDataBytes, 100), ERR_FAULT);
    EXPECT_TRUE(fake_.write_sizes.empty());
}

TEST_F(FileIoTest, CountOfZeroReturnsZeroWithoutAStepOrALookAtTheKillFlag)
{
    g_killed = true;
    EXPECT_EQ(Write(0, 0), 0);
    EXPECT_TRUE(fake_.write_sizes.empty());
    EXPECT_EQ(g_kill_checks, 0);
}

TEST_F(FileIoTest, WriteToAFileNotOpenForWritingIsErrBadf)
{
    struct file *read_only;
    ASSERT_EQ(file_alloc(&kFakeOps, &fake_, /*readable=*/true, /*writable=*/false, &read_only),
              ERR_OK);
    EXPECT_EQ(file_write_from_user(read_only, kData, 100, Killed), ERR_BADF);
    EXPECT_EQ(file_write_from_user(read_only, kData, 0, Killed), ERR_BADF);
    EXPECT_TRUE(fake_.write_sizes.empty());
    file_put(read_only);
}

TEST_F(FileIoTest, ReadTakesAtMostAChunkAndCopiesItOut)
{
    fake_.read_result = 100000;
    EXPECT_EQ(file_read_to_user(file_, kData + 10, 5000), SYS_FILE_CHUNK);
    std::string got(SYS_FILE_CHUNK + 1, '\0');
    ASSERT_EQ(copyin(got.data(), kData + 10, got.size()), ERR_OK);
    EXPECT_EQ(got, std::string(SYS_FILE_CHUNK, 'r') + data_[10 + SYS_FILE_CHUNK]);
}

TEST_F(FileIoTest, ReadIntoABadOrReadOnlyBufferIsErrFaultAndTakesNothing)
{
    fake_.read_result = 100;
    EXPECT_EQ(file_read_to_user(file_, 0, 100), ERR_FAULT);
    EXPECT_EQ(file_read_to_user(file_, kText, 100), ERR_FAULT);
    EXPECT_EQ(file_read_to_user(file_, kData + kDataBytes - 10, 100), ERR_FAULT);
    EXPECT_EQ(fake_.reads, 0);
}

TEST_F(FileIoTest, ReadKilledWhileItWaitsIsErrKilled)
{
    fake_.read_result = ERR_KILLED;
    EXPECT_EQ(file_read_to_user(file_, kData, 100), ERR_KILLED);
    EXPECT_EQ(fake_.reads, 1);
}

}  // namespace
