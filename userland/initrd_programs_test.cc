// Host test: the initrd the build makes (//userland:initrd) is read by the
// kernel's initrd code, and every program in it is accepted by the kernel's
// ELF loader. This ties the three together: packer (tools/mkinitrd),
// reader (kernel/fs/initrd.c) and loader (kernel/elf/elf.c) agree, and the user
// programs are linked as kernel/elf/elf.h demands (userland/user.ld).
//
// Criteria checked:
//  1. The archive parses, and holds exactly the expected programs, in the
//     order of the initrd rule's `programs`.
//  2. Each program parses with elf_parse: text (URX) at ELF_USER_MIN holding
//     the entry point, then read-only data (UR), then data and bss (URW);
//     nothing both writable and executable.
//  3. A program's bytes in the initrd are exactly the user_program output.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "kernel/elf/elf.h"
#include "kernel/fs/initrd.h"
}

namespace {

std::vector<uint8_t> ReadRunfile(const std::string &path)
{
    const char *srcdir = std::getenv("TEST_SRCDIR");
    const char *workspace = std::getenv("TEST_WORKSPACE");
    if (srcdir == nullptr || workspace == nullptr) {
        ADD_FAILURE() << "TEST_SRCDIR/TEST_WORKSPACE not set: run under bazel test";
        return {};
    }
    std::ifstream in(std::string(srcdir) + "/" + workspace + "/" + path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << path;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

const std::vector<std::string> kPrograms = {
    "init",  "sh", "cat",       "echo",  "ls",         "meminfo",
    "vmmap", "wc", "exec_args", "hello", "malloctest", "vmwalk",
};

class InitrdProgramsTest : public testing::Test {
  protected:
    void SetUp() override
    {
        archive_ = ReadRunfile("userland/initrd.cpio");
        ASSERT_FALSE(archive_.empty());
        ASSERT_EQ(initrd_init(archive_.data(), archive_.size()), ERR_OK);
    }

    std::vector<uint8_t> archive_;
};

TEST_F(InitrdProgramsTest, HoldsEveryProgramInOrder)
{
    for (size_t i = 0; i < kPrograms.size(); i++) {
        initrd_file f;
        ASSERT_EQ(initrd_file_at(i, &f), ERR_OK) << i;
        EXPECT_EQ(f.name, kPrograms[i]);
    }
    initrd_file f;
    EXPECT_EQ(initrd_file_at(kPrograms.size(), &f), ERR_NOENT);
}

TEST_F(InitrdProgramsTest, EveryProgramIsALoadableExecutable)
{
    for (size_t i = 0;; i++) {
        initrd_file f;
        if (initrd_file_at(i, &f) != ERR_OK) {
            break;
        }
        SCOPED_TRACE(f.name);
        elf_image image;
        ASSERT_EQ(elf_parse(f.data, f.size, &image), ERR_OK);
        ASSERT_EQ(image.num_segments, 3u);
        const elf_segment &text = image.segments[0];
        EXPECT_EQ(text.vaddr, ELF_USER_MIN);
        EXPECT_EQ(text.perm, MEMPERM_URX);
        EXPECT_GE(image.entry, text.vaddr);
        EXPECT_LT(image.entry, text.vaddr + text.mem_size);
        EXPECT_EQ(image.segments[1].perm, MEMPERM_UR);
        EXPECT_EQ(image.segments[2].perm, MEMPERM_URW);
        EXPECT_GE(image.segments[2].mem_size, image.segments[2].file_size);
    }
}

TEST_F(InitrdProgramsTest, ProgramBytesAreCopiedExactly)
{
    std::vector<uint8_t> hello = ReadRunfile("userland/tests/hello");
    ASSERT_FALSE(hello.empty());
    initrd_file f;
    ASSERT_EQ(initrd_find("hello", &f), ERR_OK);
    ASSERT_EQ(f.size, hello.size());
    EXPECT_EQ(std::memcmp(f.data, hello.data(), f.size), 0);
}

}  // namespace
