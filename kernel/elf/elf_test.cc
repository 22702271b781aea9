// Host tests for kernel/elf: elf_parse on hand-made images and on a real user
// program from the build.
//
// Criteria checked:
//  1. A good two-segment executable parses: the entry point, and for each
//     segment its address, sizes, file offset and permission, exactly.
//  2. Segments come out sorted by address whatever the order of the program
//     headers; segments that touch at a page boundary are accepted; other
//     program header types and empty PT_LOADs are ignored; the image may sit
//     at any alignment in memory; p_flags map to UR, URW, URX.
//  3. Every malformation that elf.h lists is refused with ERR_NOEXEC, one
//     test each, at the first byte past the limit (the limit itself passes):
//     truncated header, magic, class, byte order, version, type, machine,
//     program header size and table bounds, PT_INTERP, filesz > memsz,
//     segment bytes past the end of the file or wrapping, unaligned address,
//     address below ELF_USER_MIN, above ELF_USER_MAX or wrapping, W+X,
//     overlapping or page-sharing segments, too many segments, no loadable
//     segment, entry point outside every executable segment.
//  4. A user program linked by the build (userland/tests:hello) parses, with
//     text at ELF_USER_MIN and no segment both writable and executable.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "testing/elf_builder.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/elf/elf.h"
#include "kernel/elf/elf_format.h"
}

namespace {

constexpr uint64_t kPage = 4096;

using Image = ElfImage;

elf64_phdr Load(uint32_t flags, uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz)
{
    return ElfSegment(ELF_PT_LOAD, flags, vaddr, offset, filesz, memsz);
}

// Text (RX) at 0x400000 from file offset 0x1000, and data (RW) two pages up
// with a partly-zero tail (.bss).
Image GoodImage()
{
    Image img = ElfExecutable(0x400010, 0x3100);
    img.SetPhdrs({
        Load(ELF_PF_R | ELF_PF_X, 0x400000, 0x1000, 0x1234, 0x1234),
        Load(ELF_PF_R | ELF_PF_W, 0x402000, 0x3000, 0x100, 0x2000),
    });
    return img;
}

err_t Parse(const Image &img, elf_image *out)
{
    std::vector<uint8_t> bytes = img.Bytes();
    return elf_parse(bytes.data(), bytes.size(), out);
}

err_t Parse(const Image &img)
{
    elf_image out;
    return Parse(img, &out);
}

// Sets e_phnum to match the program headers.
void SetPhdrs(Image &img, std::vector<elf64_phdr> phdrs)
{
    img.SetPhdrs(std::move(phdrs));
}

// 1, 2: good images.

TEST(ElfTest, GoodTwoSegmentImageParsesExactly)
{
    elf_image out;
    ASSERT_EQ(Parse(GoodImage(), &out), ERR_OK);
    EXPECT_EQ(out.entry, 0x400010u);
    ASSERT_EQ(out.num_segments, 2u);
    EXPECT_EQ(out.segments[0].vaddr, 0x400000u);
    EXPECT_EQ(out.segments[0].mem_size, 0x1234u);
    EXPECT_EQ(out.segments[0].file_offset, 0x1000u);
    EXPECT_EQ(out.segments[0].file_size, 0x1234u);
    EXPECT_EQ(out.segments[0].perm, MEMPERM_URX);
    EXPECT_EQ(out.segments[1].vaddr, 0x402000u);
    EXPECT_EQ(out.segments[1].mem_size, 0x2000u);
    EXPECT_EQ(out.segments[1].file_offset, 0x3000u);
    EXPECT_EQ(out.segments[1].file_size, 0x100u);
    EXPECT_EQ(out.segments[1].perm, MEMPERM_URW);
}

TEST(ElfTest, SegmentsComeOutSortedByAddress)
{
    Image img = GoodImage();
    SetPhdrs(img, {img.phdrs[1], img.phdrs[0]});
    elf_image out;
    ASSERT_EQ(Parse(img, &out), ERR_OK);
    ASSERT_EQ(out.num_segments, 2u);
    EXPECT_EQ(out.segments[0].vaddr, 0x400000u);
    EXPECT_EQ(out.segments[1].vaddr, 0x402000u);
}

TEST(ElfTest, PermissionsFollowFlags)
{
    Image img = GoodImage();
    SetPhdrs(img, {
                      Load(ELF_PF_R | ELF_PF_X, 0x400000, 0x1000, 0x10, 0x10),
                      Load(ELF_PF_R, 0x401000, 0x1000, 0x10, 0x10),
                      Load(ELF_PF_R | ELF_PF_W, 0x402000, 0x1000, 0x10, 0x10),
                      Load(0, 0x403000, 0x1000, 0x10, 0x10),
                      Load(ELF_PF_X, 0x404000, 0x1000, 0x10, 0x10),
                  });
    img.eh.e_entry = 0x400008;
    elf_image out;
    ASSERT_EQ(Parse(img, &out), ERR_OK);
    ASSERT_EQ(out.num_segments, 5u);
    EXPECT_EQ(out.segments[0].perm, MEMPERM_URX);
    EXPECT_EQ(out.segments[1].perm, MEMPERM_UR);
    EXPECT_EQ(out.segments[2].perm, MEMPERM_URW);
    EXPECT_EQ(out.segments[3].perm, MEMPERM_UR);
    EXPECT_EQ(out.segments[4].perm, MEMPERM_URX);
}

TEST(ElfTest, SegmentsTouchingAtAPageBoundaryAreAccepted)
{
    Image img = GoodImage();
    img.phdrs[0].p_memsz = 0x2000;  // text ends exactly where data starts
    img.phdrs[0].p_filesz = 0x2000;
    img.phdrs[1].p_offset = 0x3000;
    ASSERT_EQ(Parse(img), ERR_OK);
}

TEST(ElfTest, OtherProgramHeadersAndEmptyLoadsAreIgnored)
{
    Image img = GoodImage();
    elf64_phdr note{};
    note.p_type = ELF_PT_NOTE;
    note.p_offset = 0xffffffffffffffffull;  // nonsense: never looked at
    note.p_filesz = 0x1000;
    elf64_phdr stack{};
    stack.p_type = ELF_PT_GNU_STACK;
    stack.p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    elf64_phdr empty = Load(ELF_PF_R, 0x12345, 0, 0, 0);  // unaligned, but maps nothing
    SetPhdrs(img, {note, img.phdrs[0], stack, empty, img.phdrs[1]});
    elf_image out;
    ASSERT_EQ(Parse(img, &out), ERR_OK);
    EXPECT_EQ(out.num_segments, 2u);
}

TEST(ElfTest, ImageAtAnOddAddressParses)
{
    std::vector<uint8_t> bytes = GoodImage().Bytes();
    std::vector<uint8_t> shifted(bytes.size() + 1);
    std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
    elf_image out;
    ASSERT_EQ(elf_parse(shifted.data() + 1, bytes.size(), &out), ERR_OK);
    EXPECT_EQ(out.num_segments, 2u);
}

// 3: malformed images, one check each.

TEST(ElfTest, TruncatedHeaderIsRefused)
{
    std::vector<uint8_t> bytes = GoodImage().Bytes();
    elf_image out;
    EXPECT_EQ(elf_parse(bytes.data(), sizeof(elf64_ehdr) - 1, &out), ERR_NOEXEC);
    EXPECT_EQ(elf_parse(bytes.data(), 0, &out), ERR_NOEXEC);
}

TEST(ElfTest, BadMagicIsRefused)
{
    for (int i = 0; i < 4; i++) {
        Image img = GoodImage();
        img.eh.e_ident[i] ^= 0x20;
        EXPECT_EQ(Parse(img), ERR_NOEXEC) << "magic byte " << i;
    }
}

TEST(ElfTest, Elf32IsRefused)
{
    Image img = GoodImage();
    img.eh.e_ident[ELF_EI_CLASS] = ELF_CLASS32;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, BigEndianIsRefused)
{
    Image img = GoodImage();
    img.eh.e_ident[ELF_EI_DATA] = ELF_DATA_MSB;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, UnknownVersionIsRefused)
{
    Image img = GoodImage();
    img.eh.e_ident[ELF_EI_VERSION] = 2;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img = GoodImage();
    img.eh.e_version = 0;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, WrongMachineIsRefused)
{
    Image img = GoodImage();
    img.eh.e_machine = ELF_EM_386;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SharedObjectIsRefused)
{
    Image img = GoodImage();
    img.eh.e_type = ELF_ET_DYN;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, RelocatableObjectIsRefused)
{
    Image img = GoodImage();
    img.eh.e_type = ELF_ET_REL;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, WrongProgramHeaderSizeIsRefused)
{
    Image img = GoodImage();
    img.eh.e_phentsize = sizeof(elf64_phdr) + 8;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, ExtendedProgramHeaderCountIsRefused)
{
    Image img = GoodImage();
    img.eh.e_phnum = ELF_PN_XNUM;
    img.file_size = sizeof(elf64_ehdr) + ELF_PN_XNUM * sizeof(elf64_phdr);  // it would fit
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, ProgramHeadersPastTheEndAreRefused)
{
    Image img = GoodImage();
    img.eh.e_phoff = img.file_size - 2 * sizeof(elf64_phdr);  // the table ends the file
    ASSERT_EQ(Parse(img), ERR_OK);
    img.eh.e_phoff += 1;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, ProgramHeaderOffsetThatWrapsIsRefused)
{
    Image img = GoodImage();
    img.eh.e_phoff = UINT64_MAX - 8;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.eh.e_phoff = UINT64_MAX - 2 * sizeof(elf64_phdr) + 2;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, InterpreterIsRefused)
{
    Image img = GoodImage();
    elf64_phdr interp{};
    interp.p_type = ELF_PT_INTERP;
    interp.p_offset = 0x200;
    interp.p_filesz = 0x10;
    SetPhdrs(img, {interp, img.phdrs[0], img.phdrs[1]});
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, FileSizeAboveMemorySizeIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_filesz = img.phdrs[1].p_memsz + 1;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, FileBytesInAnEmptySegmentAreRefused)
{
    Image img = GoodImage();
    SetPhdrs(img, {img.phdrs[0], img.phdrs[1], Load(ELF_PF_R, 0x500000, 0x1000, 1, 0)});
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentBytesPastTheEndAreRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_filesz = img.file_size - img.phdrs[1].p_offset;  // up to the last byte
    ASSERT_EQ(Parse(img), ERR_OK);
    img.phdrs[1].p_filesz += 1;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentOffsetPastTheEndIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_offset = img.file_size;  // no bytes from the file: fine
    img.phdrs[1].p_filesz = 0;
    ASSERT_EQ(Parse(img), ERR_OK);
    img.phdrs[1].p_offset = img.file_size + 1;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentOffsetPlusSizeThatWrapsIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_offset = UINT64_MAX - 0x10;  // offset + filesz wraps to 0xef
    img.phdrs[1].p_filesz = 0x100;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.phdrs[1].p_offset = 0x10;
    img.phdrs[1].p_filesz = UINT64_MAX - 0x8;
    img.phdrs[1].p_memsz = UINT64_MAX - 0x8;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, UnalignedAddressIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr += 0x10;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, AddressBelowUserMinIsRefused)
{
    Image img = GoodImage();
    img.phdrs[0].p_vaddr = ELF_USER_MIN - kPage;
    img.eh.e_entry = img.phdrs[0].p_vaddr;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.phdrs[0].p_vaddr = 0;
    img.eh.e_entry = 0x10;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentEndingAboveUserMaxIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = ELF_USER_MAX - kPage;
    img.phdrs[1].p_memsz = kPage;  // ends exactly at the limit: fine
    ASSERT_EQ(Parse(img), ERR_OK);
    img.phdrs[1].p_memsz = kPage + 1;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentStartingAtUserMaxIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = ELF_USER_MAX;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.phdrs[1].p_vaddr = 0xffff800000000000ull;  // the kernel half
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentThatWrapsIsRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = UINT64_MAX - kPage + 1;  // last page of the address space
    img.phdrs[1].p_memsz = 2 * kPage;               // vaddr + memsz wraps to 0x1000
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img = GoodImage();
    img.phdrs[1].p_memsz = UINT64_MAX - 0x1000;  // from a good address
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, WritableAndExecutableSegmentIsRefused)
{
    Image img = GoodImage();
    img.phdrs[0].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, OverlappingSegmentsAreRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = 0x401000;  // inside text's second page
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentsAtTheSameAddressAreRefused)
{
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = img.phdrs[0].p_vaddr;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, SegmentsSharingAPageAreRefused)
{
    // Text's last byte is at 0x401233; data starting at 0x401000 would need
    // that page to be both RX and RW, even listed first.
    Image img = GoodImage();
    img.phdrs[1].p_vaddr = 0x401000;
    img.phdrs[1].p_memsz = 0x10;
    img.phdrs[1].p_filesz = 0x10;
    SetPhdrs(img, {img.phdrs[1], img.phdrs[0]});
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, TooManySegmentsAreRefused)
{
    Image img = GoodImage();
    std::vector<elf64_phdr> phdrs;
    for (uint64_t i = 0; i < ELF_MAX_SEGMENTS; i++) {
        phdrs.push_back(Load(ELF_PF_R | ELF_PF_X, 0x400000 + i * kPage, 0x1000, 0x10, 0x10));
    }
    SetPhdrs(img, phdrs);
    img.eh.e_entry = 0x400008;
    ASSERT_EQ(Parse(img), ERR_OK);  // exactly the limit
    phdrs.push_back(Load(ELF_PF_R, 0x400000 + ELF_MAX_SEGMENTS * kPage, 0x1000, 0x10, 0x10));
    SetPhdrs(img, phdrs);
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, NoLoadableSegmentIsRefused)
{
    Image img = GoodImage();
    elf64_phdr note{};
    note.p_type = ELF_PT_NOTE;
    SetPhdrs(img, {note});
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    SetPhdrs(img, {});
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

TEST(ElfTest, EntryOutsideExecutableSegmentsIsRefused)
{
    Image img = GoodImage();
    img.eh.e_entry = 0x400000 + 0x1233;  // text's last byte: fine
    ASSERT_EQ(Parse(img), ERR_OK);
    img.eh.e_entry = 0x400000 + 0x1234;  // one past text
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.eh.e_entry = 0x402000;  // data: not executable
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.eh.e_entry = 0x3fffff;  // just below text
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
    img.eh.e_entry = 0;
    EXPECT_EQ(Parse(img), ERR_NOEXEC);
}

// 4: a program the build linked.

std::vector<uint8_t> ReadRunfile(const std::string &path)
{
    const char *srcdir = std::getenv("TEST_SRCDIR");
    const char *workspace = std::getenv("TEST_WORKSPACE");
    EXPECT_NE(srcdir, nullptr);
    EXPECT_NE(workspace, nullptr);
    if (srcdir == nullptr || workspace == nullptr) {
        return {};
    }
    std::ifstream in(std::string(srcdir) + "/" + workspace + "/" + path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << path;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TEST(ElfTest, UserProgramFromTheBuildParses)
{
    std::vector<uint8_t> bytes = ReadRunfile("userland/tests/hello");
    ASSERT_FALSE(bytes.empty());
    elf_image out;
    ASSERT_EQ(elf_parse(bytes.data(), bytes.size(), &out), ERR_OK);
    ASSERT_GE(out.num_segments, 2u);
    EXPECT_EQ(out.segments[0].vaddr, ELF_USER_MIN);
    EXPECT_EQ(out.segments[0].perm, MEMPERM_URX);
    bool writable = false;
    for (size_t i = 0; i < out.num_segments; i++) {
        writable |= memperm_allows(out.segments[i].perm, MEMPERM_WRITE);
        EXPECT_FALSE(memperm_allows(out.segments[i].perm, MEMPERM_WRITE) &&
                     memperm_allows(out.segments[i].perm, MEMPERM_EXEC));
    }
    EXPECT_TRUE(writable);
}

}  // namespace
