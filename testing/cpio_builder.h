#pragma once

// Builds cpio "newc" archives in memory, as tools/mkinitrd writes them: for
// tests of the initrd reader and of code that loads programs from an initrd.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include "kernel/fs/cpio_format.h"
}

struct CpioEntry {
    std::string name;
    std::string data;
    uint32_t mode = CPIO_MODE_REGULAR | 0555;
};

// A field: 8 hex digits.
inline std::string CpioHex8(uint32_t v)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08X", v);
    return buf;
}

// Zeros up to the next 4-byte boundary.
inline void CpioPad(std::string &out)
{
    while (out.size() % CPIO_NEWC_ALIGN != 0) {
        out.push_back('\0');
    }
}

// Appends one entry as mkinitrd writes it.
inline void CpioAppend(std::string &out, const CpioEntry &e, uint32_t ino)
{
    uint32_t fields[CPIO_NUM_FIELDS] = {};
    fields[CPIO_FIELD_INO] = ino;
    fields[CPIO_FIELD_MODE] = e.mode;
    fields[CPIO_FIELD_NLINK] = 1;
    fields[CPIO_FIELD_FILESIZE] = static_cast<uint32_t>(e.data.size());
    fields[CPIO_FIELD_NAMESIZE] = static_cast<uint32_t>(e.name.size() + 1);
    out += CPIO_NEWC_MAGIC;
    for (uint32_t f : fields) {
        out += CpioHex8(f);
    }
    out += e.name;
    out.push_back('\0');
    CpioPad(out);
    out += e.data;
    CpioPad(out);
}

// An archive of `entries`, ending with the trailer entry unless told not to.
inline std::string CpioArchive(const std::vector<CpioEntry> &entries, bool trailer = true)
{
    std::string out;
    uint32_t ino = 1;
    for (const CpioEntry &e : entries) {
        CpioAppend(out, e, ino++);
    }
    if (trailer) {
        CpioAppend(out, CpioEntry{CPIO_TRAILER_NAME, "", 0}, 0);
    }
    return out;
}
