// Host tests for kernel/initrd, the cpio newc reader, on archives built here
// byte by byte.
//
// Criteria checked:
//  1. A good archive is indexed completely: every file's name, size and
//     bytes, whatever its length (padding), empty files included; data is
//     4-byte aligned in an aligned archive.
//  2. initrd_find ignores one leading '/', and nothing else: "//sh", "sh/",
//     prefixes, "/" and "" are not found (ERR_NOENT).
//  3. initrd_file_at walks the files in archive order, ERR_NOENT after.
//  4. An archive holding only the trailer is valid and empty; bytes after the
//     trailer are ignored; hex digits may be upper or lower case.
//  5. Every malformation initrd.h lists gives ERR_INVAL, one test each, and
//     afterwards nothing is found, not even a file of an earlier good
//     archive; every truncation of a good archive is refused.
//  6. INITRD_MAX_FILES files are accepted; one more gives ERR_NOSPACE.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "testing/cpio_builder.h"
#include "gtest/gtest.h"

extern "C" {
#include "kernel/fs/cpio_format.h"
#include "kernel/fs/initrd.h"
}

namespace {

// Offset of field `field` in the header at `header`.
size_t FieldAt(size_t header, int field)
{
    return header + CPIO_NEWC_MAGIC_LEN + field * CPIO_NEWC_FIELD_DIGITS;
}

void SetField(std::string &archive, size_t header, int field, const std::string &digits)
{
    ASSERT_EQ(digits.size(), size_t{CPIO_NEWC_FIELD_DIGITS});
    archive.replace(FieldAt(header, field), CPIO_NEWC_FIELD_DIGITS, digits);
}

const std::vector<CpioEntry> kFiles = {
    {"init", std::string("\x7f"
                         "ELF\0\0init program",
                         18)},  // NULs inside the data
    {"sh", "#!shell bytes"},    // 13 bytes: 3 of padding
    {"empty", ""},
    {"a", "x"},
    {"lorem.txt", "Lorem ipsum dolor sit amet.\n"},
};

class InitrdTest : public testing::Test {
  protected:
    // Parses `archive` from a copy in 8-byte-aligned memory kept until the
    // next call (the index points into it).
    err_t Init(const std::string &archive)
    {
        buffer_.assign((archive.size() + 7) / 8 + 1, 0);
        std::memcpy(buffer_.data(), archive.data(), archive.size());
        return initrd_init(buffer_.data(), archive.size());
    }

    const void *Base() const
    {
        return buffer_.data();
    }

    // What a test's malformed archive must leave behind: nothing findable,
    // even though the previous (good) archive had files.
    void ExpectRefused(const std::string &archive, err_t expected = ERR_INVAL)
    {
        std::vector<uint64_t> good_buffer;
        ASSERT_EQ(Init(CpioArchive(kFiles)), ERR_OK);
        good_buffer.swap(buffer_);  // keep the good archive alive meanwhile
        EXPECT_EQ(Init(archive), expected);
        initrd_file f;
        EXPECT_EQ(initrd_find("sh", &f), ERR_NOENT);
        EXPECT_EQ(initrd_file_at(0, &f), ERR_NOENT);
    }

    std::vector<uint64_t> buffer_;
};

// 1, 2, 3, 4: good archives.

TEST_F(InitrdTest, GoodArchiveIndexesEveryFile)
{
    std::string archive = CpioArchive(kFiles);
    ASSERT_EQ(Init(archive), ERR_OK);
    for (const CpioEntry &e : kFiles) {
        initrd_file f;
        ASSERT_EQ(initrd_find(e.name.c_str(), &f), ERR_OK) << e.name;
        EXPECT_STREQ(f.name, e.name.c_str());
        EXPECT_EQ(f.size, e.data.size());
        EXPECT_EQ(std::string(static_cast<const char *>(f.data), f.size), e.data);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data) % 4, 0u) << e.name;
        const char *base = static_cast<const char *>(Base());
        EXPECT_GE(static_cast<const char *>(f.data), base);
        EXPECT_LE(static_cast<const char *>(f.data) + f.size, base + archive.size());
    }
}

TEST_F(InitrdTest, LookupIgnoresOneLeadingSlash)
{
    ASSERT_EQ(Init(CpioArchive(kFiles)), ERR_OK);
    initrd_file f;
    ASSERT_EQ(initrd_find("sh", &f), ERR_OK);
    EXPECT_STREQ(f.name, "sh");
    ASSERT_EQ(initrd_find("/sh", &f), ERR_OK);
    EXPECT_STREQ(f.name, "sh");
    ASSERT_EQ(initrd_find("/lorem.txt", &f), ERR_OK);
    EXPECT_EQ(f.size, kFiles[4].data.size());
}

TEST_F(InitrdTest, LookupFindsOnlyExactNames)
{
    ASSERT_EQ(Init(CpioArchive(kFiles)), ERR_OK);
    initrd_file f;
    for (const char *name : {"//sh", "sh/", "s", "shh", "SH", "/", "", "lorem", "nothere"}) {
        EXPECT_EQ(initrd_find(name, &f), ERR_NOENT) << '"' << name << '"';
    }
}

TEST_F(InitrdTest, IterationFollowsArchiveOrder)
{
    ASSERT_EQ(Init(CpioArchive(kFiles)), ERR_OK);
    for (size_t i = 0; i < kFiles.size(); i++) {
        initrd_file f;
        ASSERT_EQ(initrd_file_at(i, &f), ERR_OK);
        EXPECT_STREQ(f.name, kFiles[i].name.c_str());
        EXPECT_EQ(f.size, kFiles[i].data.size());
    }
    initrd_file f;
    EXPECT_EQ(initrd_file_at(kFiles.size(), &f), ERR_NOENT);
    EXPECT_EQ(initrd_file_at(SIZE_MAX, &f), ERR_NOENT);
}

TEST_F(InitrdTest, TrailerAloneIsAnEmptyArchive)
{
    ASSERT_EQ(Init(CpioArchive({})), ERR_OK);
    initrd_file f;
    EXPECT_EQ(initrd_file_at(0, &f), ERR_NOENT);
    EXPECT_EQ(initrd_find("sh", &f), ERR_NOENT);
}

TEST_F(InitrdTest, BytesAfterTheTrailerAreIgnored)
{
    std::string archive = CpioArchive(kFiles);
    archive.append(512 - archive.size() % 512, '\0');  // GNU cpio's block padding
    archive += "garbage that is no header";
    ASSERT_EQ(Init(archive), ERR_OK);
    initrd_file f;
    EXPECT_EQ(initrd_file_at(kFiles.size() - 1, &f), ERR_OK);
    EXPECT_EQ(initrd_file_at(kFiles.size(), &f), ERR_NOENT);
}

TEST_F(InitrdTest, LowerCaseHexIsAccepted)
{
    std::string archive = CpioArchive({{"big", std::string(0xab, 'b')}});
    SetField(archive, 0, CPIO_FIELD_FILESIZE, "000000ab");
    SetField(archive, 0, CPIO_FIELD_MODE, "000081ed");  // regular, 0755
    ASSERT_EQ(Init(archive), ERR_OK);
    initrd_file f;
    ASSERT_EQ(initrd_find("big", &f), ERR_OK);
    EXPECT_EQ(f.size, 0xabu);
}

TEST_F(InitrdTest, InitReplacesTheIndex)
{
    ASSERT_EQ(Init(CpioArchive(kFiles)), ERR_OK);
    ASSERT_EQ(Init(CpioArchive({{"other", "o"}})), ERR_OK);
    initrd_file f;
    EXPECT_EQ(initrd_find("sh", &f), ERR_NOENT);
    EXPECT_EQ(initrd_find("other", &f), ERR_OK);
}

// 5: malformed archives.

TEST_F(InitrdTest, EmptyBufferIsRefused)
{
    ExpectRefused("");
}

TEST_F(InitrdTest, EveryTruncationIsRefused)
{
    std::string archive = CpioArchive(kFiles);
    for (size_t len = 0; len < archive.size(); len++) {
        SCOPED_TRACE(len);
        ExpectRefused(archive.substr(0, len));
    }
}

TEST_F(InitrdTest, OtherMagicIsRefused)
{
    for (const char *magic : {"070707", "070702", "070700", "x70701"}) {
        SCOPED_TRACE(magic);
        std::string archive = CpioArchive(kFiles);
        archive.replace(0, CPIO_NEWC_MAGIC_LEN, magic);
        ExpectRefused(archive);
    }
}

TEST_F(InitrdTest, NonHexDigitInAnyFieldIsRefused)
{
    for (int field = 0; field < CPIO_NUM_FIELDS; field++) {
        for (char bad : {'g', ' ', 'x', '\0', '-'}) {
            SCOPED_TRACE(testing::Message() << "field " << field << " char " << int{bad});
            std::string archive = CpioArchive(kFiles);
            archive[FieldAt(0, field) + 3] = bad;
            ExpectRefused(archive);
        }
    }
}

TEST_F(InitrdTest, NonzeroCheckIsRefused)
{
    std::string archive = CpioArchive(kFiles);
    SetField(archive, 0, CPIO_FIELD_CHECK, "00000001");
    ExpectRefused(archive);
}

TEST_F(InitrdTest, ZeroNameSizeIsRefused)
{
    std::string archive = CpioArchive(kFiles);
    SetField(archive, 0, CPIO_FIELD_NAMESIZE, "00000000");
    ExpectRefused(archive);
}

TEST_F(InitrdTest, NamePastTheEndIsRefused)
{
    std::string archive = CpioArchive(kFiles);
    SetField(archive, 0, CPIO_FIELD_NAMESIZE, CpioHex8(static_cast<uint32_t>(archive.size())));
    ExpectRefused(archive);
    SetField(archive, 0, CPIO_FIELD_NAMESIZE, "FFFFFFFF");
    ExpectRefused(archive);
}

TEST_F(InitrdTest, NameWithoutItsNulIsRefused)
{
    std::string archive = CpioArchive({{"init", "data"}});
    SetField(archive, 0, CPIO_FIELD_NAMESIZE, "00000004");  // "init" without the NUL
    ExpectRefused(archive);
}

TEST_F(InitrdTest, NulInsideTheNameIsRefused)
{
    std::string archive = CpioArchive({{"in", "data"}});
    // "in\0" padded to "in\0\0\0" (110 + 3 -> 116): claim 5 bytes of name.
    SetField(archive, 0, CPIO_FIELD_NAMESIZE, "00000005");
    ExpectRefused(archive);
}

TEST_F(InitrdTest, DataPastTheEndIsRefused)
{
    std::string archive = CpioArchive(kFiles);
    SetField(archive, 0, CPIO_FIELD_FILESIZE, CpioHex8(static_cast<uint32_t>(archive.size())));
    ExpectRefused(archive);
    SetField(archive, 0, CPIO_FIELD_FILESIZE, "FFFFFFFF");
    ExpectRefused(archive);
    SetField(archive, 0, CPIO_FIELD_FILESIZE, "FFFFFFF0");
    ExpectRefused(archive);
}

TEST_F(InitrdTest, WrongDataSizeIsRefused)
{
    // Four bytes more than the file has: the next header is then misplaced.
    std::string archive = CpioArchive(kFiles);
    SetField(archive, 0, CPIO_FIELD_FILESIZE,
             CpioHex8(static_cast<uint32_t>(kFiles[0].data.size() + 4)));
    ExpectRefused(archive);
}

TEST_F(InitrdTest, DirectoryIsRefused)
{
    ExpectRefused(CpioArchive({{"init", "x"}, {"bin", "", 040755}}));
}

TEST_F(InitrdTest, SymlinkIsRefused)
{
    ExpectRefused(CpioArchive({{"init", "x"}, {"sh", "init", 0120777}}));
}

TEST_F(InitrdTest, EmptyNameIsRefused)
{
    ExpectRefused(CpioArchive({{"", "x"}}));
}

TEST_F(InitrdTest, OverlongNameIsRefused)
{
    std::string longest(INITRD_NAME_MAX, 'n');
    ASSERT_EQ(Init(CpioArchive({{longest, "x"}})), ERR_OK);
    initrd_file f;
    EXPECT_EQ(initrd_find(longest.c_str(), &f), ERR_OK);
    ExpectRefused(CpioArchive({{longest + "n", "x"}}));
}

TEST_F(InitrdTest, NameWithSlashIsRefused)
{
    ExpectRefused(CpioArchive({{"bin/sh", "x"}}));
    ExpectRefused(CpioArchive({{"/sh", "x"}}));
    ExpectRefused(CpioArchive({{"sh/", "x"}}));
}

TEST_F(InitrdTest, DotNamesAreRefused)
{
    ExpectRefused(CpioArchive({{".", "x"}}));
    ExpectRefused(CpioArchive({{"..", "x"}}));
}

TEST_F(InitrdTest, DuplicateNameIsRefused)
{
    ExpectRefused(CpioArchive({{"sh", "one"}, {"init", "x"}, {"sh", "two"}}));
}

TEST_F(InitrdTest, MissingTrailerIsRefused)
{
    ExpectRefused(CpioArchive(kFiles, /*trailer=*/false));
}

TEST_F(InitrdTest, TrailerWithDataIsRefused)
{
    std::string archive = CpioArchive(kFiles, /*trailer=*/false);
    CpioAppend(archive, CpioEntry{CPIO_TRAILER_NAME, "data", 0}, 0);
    ExpectRefused(archive);
}

// 6: the index's limit.

std::vector<CpioEntry> ManyFiles(size_t n)
{
    std::vector<CpioEntry> entries;
    for (size_t i = 0; i < n; i++) {
        entries.push_back({"f" + std::to_string(i), std::to_string(i)});
    }
    return entries;
}

TEST_F(InitrdTest, MaxFilesAreIndexed)
{
    ASSERT_EQ(Init(CpioArchive(ManyFiles(INITRD_MAX_FILES))), ERR_OK);
    initrd_file f;
    ASSERT_EQ(initrd_file_at(INITRD_MAX_FILES - 1, &f), ERR_OK);
    EXPECT_STREQ(f.name, ("f" + std::to_string(INITRD_MAX_FILES - 1)).c_str());
}

TEST_F(InitrdTest, OneFileTooManyIsRefused)
{
    ExpectRefused(CpioArchive(ManyFiles(INITRD_MAX_FILES + 1)), ERR_NOSPACE);
}

}  // namespace
