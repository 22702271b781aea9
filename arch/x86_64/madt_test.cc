// Host tests for the MADT reader (arch/x86_64/madt.c), on tables built here
// byte by byte as firmware would lay them out.
//
// Criteria checked:
//  1. Enabled (or online-capable) processor entries give their APIC IDs in
//     table order, with the local APIC's address; disabled ones are left out.
//  2. Entries of other types (I/O APIC, interrupt overrides) are skipped.
//  3. Processors past MADT_MAX_CPUS are counted as dropped, not written.
//  4. Malformed tables are refused with ERR_INVAL: bad signature, bad
//     checksum, a length past the readable bytes, a zero-length entry, a
//     processor entry too short, an entry running past the end.

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "arch/x86_64/madt.h"
}

namespace {

constexpr uint8_t kEnabled = 1;
constexpr uint8_t kOnlineCapable = 2;

// A MADT under construction: header, local APIC address, flags, entries.
class Table {
  public:
    Table()
    {
        bytes_ = {'A', 'P', 'I', 'C', 0, 0, 0, 0, 3, 0};
        bytes_.resize(36, 0);
        Put32(0xFEE00000);  // local APIC address
        Put32(1);           // flags: PC-AT compatible PICs
    }

    Table &Processor(uint8_t uid, uint8_t apic_id, uint32_t flags)
    {
        bytes_.insert(bytes_.end(), {0, 8, uid, apic_id});
        Put32(flags);
        return *this;
    }

    Table &IoApic(uint8_t id)
    {
        bytes_.insert(bytes_.end(), {1, 12, id, 0});
        Put32(0xFEC00000);
        Put32(0);
        return *this;
    }

    Table &Raw(std::vector<uint8_t> entry)
    {
        bytes_.insert(bytes_.end(), entry.begin(), entry.end());
        return *this;
    }

    // The finished table: length and checksum filled in.
    std::vector<uint8_t> Bytes() const
    {
        std::vector<uint8_t> b = bytes_;
        uint32_t length = b.size();
        for (int i = 0; i < 4; i++) {
            b[4 + i] = length >> (8 * i);
        }
        uint8_t sum = 0;
        for (uint8_t byte : b) {
            sum += byte;
        }
        b[9] = -sum;
        return b;
    }

  private:
    void Put32(uint32_t v)
    {
        for (int i = 0; i < 4; i++) {
            bytes_.push_back(v >> (8 * i));
        }
    }

    std::vector<uint8_t> bytes_;
};

err_t Parse(const std::vector<uint8_t> &b, madt_info *info)
{
    return madt_parse(b.data(), b.size(), info);
}

TEST(MadtTest, EnabledProcessorsInTableOrderDisabledLeftOut)
{
    auto b = Table()
                 .Processor(0, 0, kEnabled)
                 .Processor(1, 4, kEnabled)
                 .Processor(2, 2, 0)
                 .Processor(3, 7, kOnlineCapable)
                 .Bytes();
    madt_info info;
    ASSERT_EQ(Parse(b, &info), ERR_OK);
    EXPECT_EQ(info.lapic_paddr, 0xFEE00000u);
    ASSERT_EQ(info.num_cpus, 3u);
    EXPECT_EQ(info.lapic_ids[0], 0);
    EXPECT_EQ(info.lapic_ids[1], 4);
    EXPECT_EQ(info.lapic_ids[2], 7);
    EXPECT_EQ(info.dropped, 0u);
}

TEST(MadtTest, OtherEntryTypesAreSkipped)
{
    auto b = Table()
                 .IoApic(0)
                 .Processor(0, 0, kEnabled)
                 .Raw({2, 10, 0, 0, 2, 0, 0, 0, 0, 0})  // interrupt source override
                 .Processor(1, 1, kEnabled)
                 .Bytes();
    madt_info info;
    ASSERT_EQ(Parse(b, &info), ERR_OK);
    ASSERT_EQ(info.num_cpus, 2u);
    EXPECT_EQ(info.lapic_ids[1], 1);
}

TEST(MadtTest, ProcessorsPastTheLimitAreCountedAsDropped)
{
    Table t;
    for (int i = 0; i < MADT_MAX_CPUS + 3; i++) {
        t.Processor(i, i, kEnabled);
    }
    madt_info info;
    ASSERT_EQ(Parse(t.Bytes(), &info), ERR_OK);
    EXPECT_EQ(info.num_cpus, static_cast<unsigned>(MADT_MAX_CPUS));
    EXPECT_EQ(info.lapic_ids[MADT_MAX_CPUS - 1], MADT_MAX_CPUS - 1);
    EXPECT_EQ(info.dropped, 3u);
}

TEST(MadtTest, WrongSignatureIsRefused)
{
    auto b = Table().Processor(0, 0, kEnabled).Bytes();
    b[0] = 'X';
    b[9] -= 'X' - 'A';  // keep the checksum right: only the signature is wrong
    madt_info info;
    EXPECT_EQ(Parse(b, &info), ERR_INVAL);
}

TEST(MadtTest, WrongChecksumIsRefused)
{
    auto b = Table().Processor(0, 0, kEnabled).Bytes();
    b[9]++;
    madt_info info;
    EXPECT_EQ(Parse(b, &info), ERR_INVAL);
}

TEST(MadtTest, LengthPastTheReadableBytesIsRefused)
{
    auto b = Table().Processor(0, 0, kEnabled).Bytes();
    madt_info info;
    EXPECT_EQ(madt_parse(b.data(), b.size() - 1, &info), ERR_INVAL);
    EXPECT_EQ(madt_parse(b.data(), 20, &info), ERR_INVAL);
}

TEST(MadtTest, ZeroLengthEntryIsRefusedNotLoopedOn)
{
    auto b = Table().Processor(0, 0, kEnabled).Raw({5, 0}).Bytes();
    madt_info info;
    EXPECT_EQ(Parse(b, &info), ERR_INVAL);
}

TEST(MadtTest, ShortProcessorEntryIsRefused)
{
    auto b = Table().Raw({0, 4, 0, 1}).Bytes();
    madt_info info;
    EXPECT_EQ(Parse(b, &info), ERR_INVAL);
}

TEST(MadtTest, EntryRunningPastTheEndIsRefused)
{
    auto b = Table().Processor(0, 0, kEnabled).Raw({0, 8, 1, 1}).Bytes();
    madt_info info;
    EXPECT_EQ(Parse(b, &info), ERR_INVAL);
}

}  // namespace
