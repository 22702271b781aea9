#include "kernel/fs/initrd.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/cpio_format.h"
#include "kernel/lib/string.h"
#include "kernel/syscall_abi.h"

_Static_assert(INITRD_NAME_MAX < DIRENT_NAME_MAX, "an initrd name must fit in struct osv_dirent");

// The index: filled by initrd_init, read-only afterwards. num_files stays 0
// until an archive has been checked completely, so a bad archive leaves
// nothing findable.
static struct initrd_file files[INITRD_MAX_FILES];
static size_t num_files;

// One parsed header.
struct entry {
    uint32_t field[CPIO_NUM_FIELDS];
    const char *name;
    size_t name_len;  // without the NUL
    const unsigned char *data;
    size_t next;  // archive offset of the next header
};

static bool parse_hex8(const char *p, uint32_t *out)
{
    uint32_t value = 0;
    for (int i = 0; i < CPIO_NEWC_FIELD_DIGITS; i++) {
        char c = p[i];
        uint32_t digit;
        if (c >= '0' && c <= '9') {
            digit = (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = (uint32_t)(c - 'A' + 10);
        } else {
            return false;
        }
        value = value << 4 | digit;
    }
    *out = value;
    return true;
}

// Offset rounded up to CPIO_NEWC_ALIGN. Callers pass offsets already known to
// lie inside the archive, far below SIZE_MAX, so this cannot wrap.
static size_t align_up(size_t offset)
{
    return (offset + CPIO_NEWC_ALIGN - 1) & ~(size_t)(CPIO_NEWC_ALIGN - 1);
}

// Reads the entry whose header starts at `offset`, checking that its header,
// name, data and their padding lie inside the archive. Sizes are compared by
// subtraction from `size`, never by sums of untrusted numbers that could wrap.
static err_t read_entry(const unsigned char *archive, size_t size, size_t offset, struct entry *e)
{
    if (offset > size || size - offset < CPIO_NEWC_HEADER_SIZE) {
        return ERR_INVAL;
    }
    const char *header = (const char *)archive + offset;
    if (memcmp(header, CPIO_NEWC_MAGIC, CPIO_NEWC_MAGIC_LEN) != 0) {
        return ERR_INVAL;
    }
    for (int i = 0; i < CPIO_NUM_FIELDS; i++) {
        const char *digits = header + CPIO_NEWC_MAGIC_LEN + i * CPIO_NEWC_FIELD_DIGITS;
        if (!parse_hex8(digits, &e->field[i])) {
            return ERR_INVAL;
        }
    }
    if (e->field[CPIO_FIELD_CHECK] != 0) {
        return ERR_INVAL;
    }

    size_t name_at = offset + CPIO_NEWC_HEADER_SIZE;
    size_t name_size = e->field[CPIO_FIELD_NAMESIZE];
    if (name_size == 0 || name_size > size - name_at) {
        return ERR_INVAL;
    }
    e->name = (const char *)archive + name_at;
    e->name_len = name_size - 1;
    // NUL-terminated exactly at the end, and nowhere before.
    if (strnlen(e->name, name_size) != e->name_len) {
        return ERR_INVAL;
    }

    size_t data_at = align_up(name_at + name_size);
    size_t data_size = e->field[CPIO_FIELD_FILESIZE];
    if (data_at > size || data_size > size - data_at) {
        return ERR_INVAL;
    }
    e->data = archive + data_at;
    // May lie past the end: then reading the next header fails, as it should
    // unless this entry is the trailer.
    e->next = align_up(data_at + data_size);
    return ERR_OK;
}

static bool is_trailer(const struct entry *e)
{
    return strcmp(e->name, CPIO_TRAILER_NAME) == 0;
}

// osv's rules for a file in the initrd: a regular file with a flat name that
// fits a directory entry, given once.
static err_t check_file(const struct entry *e, const struct initrd_file *seen, size_t num_seen)
{
    if ((e->field[CPIO_FIELD_MODE] & CPIO_MODE_TYPE_MASK) != CPIO_MODE_REGULAR) {
        return ERR_INVAL;
    }
    if (e->name_len == 0 || e->name_len > INITRD_NAME_MAX || strchr(e->name, '/') != NULL ||
        strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0) {
        return ERR_INVAL;
    }
    for (size_t i = 0; i < num_seen; i++) {
        if (strcmp(seen[i].name, e->name) == 0) {
            return ERR_INVAL;
        }
    }
    return ERR_OK;
}

err_t initrd_init(const void *archive, size_t size)
{
    num_files = 0;
    size_t count = 0;
    size_t offset = 0;
    for (;;) {
        struct entry e;
        err_t err = read_entry(archive, size, offset, &e);
        if (err != ERR_OK) {
            return err;  // includes running out of archive before a trailer
        }
        if (is_trailer(&e)) {
            if (e.field[CPIO_FIELD_FILESIZE] != 0) {
                return ERR_INVAL;
            }
            break;
        }
        err = check_file(&e, files, count);
        if (err != ERR_OK) {
            return err;
        }
        if (count == INITRD_MAX_FILES) {
            return ERR_NOSPACE;
        }
        files[count].name = e.name;
        files[count].data = e.data;
        files[count].size = e.field[CPIO_FIELD_FILESIZE];
        count++;
        offset = e.next;
    }
    num_files = count;
    return ERR_OK;
}

err_t initrd_find(const char *name, struct initrd_file *file)
{
    if (name[0] == '/') {
        name++;
    }
    for (size_t i = 0; i < num_files; i++) {
        if (strcmp(files[i].name, name) == 0) {
            *file = files[i];
            return ERR_OK;
        }
    }
    return ERR_NOENT;
}

err_t initrd_file_at(size_t index, struct initrd_file *file)
{
    if (index >= num_files) {
        return ERR_NOENT;
    }
    *file = files[index];
    return ERR_OK;
}
