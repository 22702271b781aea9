#pragma once

// The cpio "newc" archive format (the SVR4 portable format that Linux uses
// for initramfs), as osv's initrd reader (kernel/fs/initrd.c) and packer
// (tools/mkinitrd) share it.
//
// An archive is a sequence of entries, each
//
//     header   CPIO_NEWC_HEADER_SIZE (110) bytes of ASCII: the magic "070701"
//              then 13 fields of exactly 8 hexadecimal digits, in the order
//              of enum cpio_newc_field;
//     name     c_namesize bytes, the NUL included;
//     padding  zero bytes up to a multiple of 4 from the archive's start;
//     data     c_filesize bytes;
//     padding  zero bytes up to a multiple of 4 again.
//
// The entry named "TRAILER!!!" ends the archive; writers may pad after it
// (GNU cpio fills to a 512-byte block). "070701" archives carry no checksum:
// c_check is written as 0.

#ifdef __cplusplus
extern "C" {
#endif

#define CPIO_NEWC_MAGIC        "070701"
#define CPIO_NEWC_MAGIC_LEN    6
#define CPIO_NEWC_FIELD_DIGITS 8
#define CPIO_NEWC_HEADER_SIZE  110  // the magic and 13 fields
#define CPIO_NEWC_ALIGN        4    // name and data each end padded to this
#define CPIO_TRAILER_NAME      "TRAILER!!!"

// The header's fields, in file order after the magic.
enum cpio_newc_field {
    CPIO_FIELD_INO,
    CPIO_FIELD_MODE,  // file type and permission bits, as in st_mode
    CPIO_FIELD_UID,
    CPIO_FIELD_GID,
    CPIO_FIELD_NLINK,
    CPIO_FIELD_MTIME,
    CPIO_FIELD_FILESIZE,
    CPIO_FIELD_DEVMAJOR,
    CPIO_FIELD_DEVMINOR,
    CPIO_FIELD_RDEVMAJOR,
    CPIO_FIELD_RDEVMINOR,
    CPIO_FIELD_NAMESIZE,  // bytes of the name, its NUL included
    CPIO_FIELD_CHECK,     // 0 in "070701" archives
    CPIO_NUM_FIELDS,
};

// The file type bits of CPIO_FIELD_MODE, and the type of a regular file.
#define CPIO_MODE_TYPE_MASK 0170000u
#define CPIO_MODE_REGULAR   0100000u

#ifdef __cplusplus
}
#endif
