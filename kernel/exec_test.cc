// Host tests of the program loader (kernel/exec.c), on the host arena with
// the fake page table.
//
// Correctness criteria:
//  1. A program's segments become regions with their permissions (code URX,
//     data URW); the code and the data's file bytes are mapped and hold the
//     file's bytes; the rest of a data page is zero; bss pages past the
//     file's bytes are not mapped (demand-zero); the heap starts empty right
//     after the highest segment; the stack region is there with only its top
//     page mapped. pages_mapped counts exactly the mapped pages.
//  2. The arguments sit in the stack's top page as _start expects: the
//     stack pointer 16-byte aligned, pointing at argc, then argv[0..argc)
//     pointing at the NUL-ended strings, then NULL; the entry is the ELF's.
//  3. Files that are not programs give ERR_NOEXEC; too many arguments, or
//     too many bytes of them, ERR_TOOLONG; nothing is allocated either way.
//  4. Out of memory at every point of the load (each page, each page table,
//     each region record) is ERR_NOMEM and leaves nothing behind.

#include <cstring>
#include <string>
#include <vector>

#include "testing/elf_builder.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/syscall_abi.h"
}

namespace {

constexpr vaddr_t kCode = USER_REGION_MIN;
constexpr vaddr_t kData = kCode + 2 * PAGE_SIZE;
constexpr uint64_t kDataFileBytes = 100;
constexpr vaddr_t kEntry = kCode + 0x10;

// Two pages of code (R X), then data: kDataFileBytes from the file and two
// more pages of bss (R W).
std::vector<uint8_t> Program()
{
    ElfImage img = ElfExecutable(kEntry, 3 * PAGE_SIZE + kDataFileBytes);
    img.SetPhdrs({
        ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kCode, 0, 2 * PAGE_SIZE, 2 * PAGE_SIZE),
        ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, kData, 3 * PAGE_SIZE, kDataFileBytes,
                   3 * PAGE_SIZE),
    });
    return img.Bytes();
}

class ExecTest : public PmemTest {
  protected:
    ExecTest() : PmemTest(128)
    {
    }

    // The byte at user address va of `as`, through its page table.
    static uint8_t Peek(struct addrspace *as, vaddr_t va)
    {
        paddr_t pa;
        EXPECT_EQ(vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr), ERR_OK) << std::hex << va;
        return *static_cast<uint8_t *>(kmap_p2v(pa));
    }

    static uint64_t PeekWord(struct addrspace *as, vaddr_t va)
    {
        uint64_t word = 0;
        for (int i = 0; i < 8; i++) {
            word |= static_cast<uint64_t>(Peek(as, va + i)) << (8 * i);
        }
        return word;
    }

    static std::string PeekString(struct addrspace *as, vaddr_t va)
    {
        std::string s;
        for (uint8_t c; (c = Peek(as, va)) != 0; va++) {
            s += static_cast<char>(c);
        }
        return s;
    }

    static bool Mapped(struct addrspace *as, vaddr_t va)
    {
        paddr_t pa;
        return vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr) == ERR_OK;
    }
};

TEST_F(ExecTest, SegmentsBecomeRegionsAndTheirFileBytesAreLoaded)
{
    std::vector<uint8_t> file = Program();
    const char *argv[] = {"prog"};
    struct exec_image image;
    ASSERT_EQ(exec_load_image(file.data(), file.size(), 1, argv, &image), ERR_OK);
    struct addrspace *as = image.as;

    struct memregion *code = as_find_memregion(as, kCode);
    ASSERT_NE(code, nullptr);
    EXPECT_EQ(code->start, kCode);
    EXPECT_EQ(code->end, kCode + 2 * PAGE_SIZE);
    EXPECT_EQ(code->perm, MEMPERM_URX);
    struct memregion *data = as_find_memregion(as, kData);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->end, kData + 3 * PAGE_SIZE);
    EXPECT_EQ(data->perm, MEMPERM_URW);

    for (vaddr_t off = 0; off < 2 * PAGE_SIZE; off += 511) {
        EXPECT_EQ(Peek(as, kCode + off), file[off]) << "code byte " << off;
    }
    for (vaddr_t off = 0; off < PAGE_SIZE; off++) {
        uint8_t want = off < kDataFileBytes ? file[3 * PAGE_SIZE + off] : 0;
        ASSERT_EQ(Peek(as, kData + off), want) << "data byte " << off;
    }
    EXPECT_FALSE(Mapped(as, kData + PAGE_SIZE)) << "bss is demand-zero";
    EXPECT_FALSE(Mapped(as, kData + 2 * PAGE_SIZE)) << "bss is demand-zero";

    ASSERT_NE(as->heap, nullptr);
    EXPECT_EQ(as->heap->start, kData + 3 * PAGE_SIZE);
    EXPECT_EQ(as->heap->end, as->heap->start);
    EXPECT_EQ(as->brk, as->heap->start);
    ASSERT_NE(as->stack, nullptr);
    EXPECT_EQ(as->stack->end, USTACK_UPPERBOUND);
    EXPECT_EQ(as->stack->start, USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE);
    EXPECT_TRUE(Mapped(as, USTACK_UPPERBOUND - PAGE_SIZE));
    EXPECT_FALSE(Mapped(as, USTACK_UPPERBOUND - 2 * PAGE_SIZE));

    EXPECT_EQ(as->pages_mapped, 4u) << "2 code + 1 data + the stack's top page";
    EXPECT_EQ(image.entry, kEntry);
    as_destroy(as);
}

TEST_F(ExecTest, ArgumentsAreLaidOutAsStartExpects)
{
    std::vector<uint8_t> file = Program();
    const char *argv[] = {"prog", "", "third argument"};
    struct exec_image image;
    ASSERT_EQ(exec_load_image(file.data(), file.size(), 3, argv, &image), ERR_OK);
    struct addrspace *as = image.as;
    vaddr_t sp = image.stack_pointer;

    EXPECT_EQ(sp % 16, 0u);
    EXPECT_GE(sp, USTACK_UPPERBOUND - PAGE_SIZE) << "all in the stack's top page";
    EXPECT_EQ(PeekWord(as, sp), 3u) << "argc";
    for (int i = 0; i < 3; i++) {
        vaddr_t string = PeekWord(as, sp + 8 * (i + 1));
        EXPECT_GT(string, sp);
        EXPECT_LT(string, USTACK_UPPERBOUND);
        EXPECT_EQ(PeekString(as, string), argv[i]) << "argv[" << i << "]";
    }
    EXPECT_EQ(PeekWord(as, sp + 8 * 4), 0u) << "argv[argc] is NULL";
    as_destroy(as);
}

TEST_F(ExecTest, BadProgramsAndArgumentsAllocateNothing)
{
    std::vector<uint8_t> file = Program();
    std::vector<uint8_t> text(file.size(), 'x');
    const char *argv[] = {"prog"};
    struct exec_image image;
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(exec_load_image(text.data(), text.size(), 1, argv, &image), ERR_NOEXEC);
    EXPECT_EQ(exec_load_image(file.data(), 10, 1, argv, &image), ERR_NOEXEC) << "truncated";

    std::vector<const char *> many(EXEC_MAX_ARGS + 1, "a");
    EXPECT_EQ(exec_load_image(file.data(), file.size(), EXEC_MAX_ARGS + 1, many.data(), &image),
              ERR_TOOLONG);
    std::string big(EXEC_MAX_ARG_BYTES, 'b');  // with its NUL, one byte too many
    const char *big_argv[] = {big.c_str()};
    EXPECT_EQ(exec_load_image(file.data(), file.size(), 1, big_argv, &image), ERR_TOOLONG);
    EXPECT_EQ(exec_load_image(file.data(), file.size(), -1, argv, &image), ERR_TOOLONG);

    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_EQ(as_live_count(), 0u);
}

TEST_F(ExecTest, OutOfMemoryAtEveryPointLeavesNothing)
{
    std::vector<uint8_t> file = Program();
    const char *argv[] = {"prog", "arg"};
    struct exec_image image;
    // Keep only `left` pages free, for every `left` until the load works.
    for (size_t left = 0;; left++) {
        std::vector<paddr_t> hoard = AllocateAllPages();
        ASSERT_GE(hoard.size(), left);
        FreePages(std::vector<paddr_t>(hoard.end() - static_cast<long>(left), hoard.end()));
        hoard.resize(hoard.size() - left);

        err_t err = exec_load_image(file.data(), file.size(), 2, argv, &image);
        if (err == ERR_OK) {
            as_destroy(image.as);
        } else {
            EXPECT_EQ(err, ERR_NOMEM) << "with " << left << " pages free";
            EXPECT_EQ(as_live_count(), 0u) << "with " << left << " pages free";
        }
        EXPECT_EQ(pmem_free_pages(), left) << "with " << left << " pages free";
        FreePages(hoard);
        if (err == ERR_OK) {
            EXPECT_GT(left, 4u) << "a load needs its 4 pages at least";
            break;
        }
        ASSERT_LT(left, 64u) << "the load never succeeded";
    }
}

}  // namespace
