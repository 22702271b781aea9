// mkinitrd: packs files into the cpio "newc" archive that osv boots with as
// its initrd (see kernel/fs/initrd.h and kernel/fs/cpio_format.h).
//
//   mkinitrd -o OUTPUT NAME=PATH...
//
// Each NAME=PATH adds the file at PATH under the name NAME. Names follow the
// kernel's rules (flat, 1..INITRD_NAME_MAX bytes, no '/', not "." or "..",
// each once); a name that breaks them, a missing or unreadable file, or more
// than INITRD_MAX_FILES files stop the tool with a message and exit status 1
// (2 for a usage error), and no output is written.
//
// The output is a function of the arguments and the files' bytes only, so
// the build is reproducible and cacheable: files appear in the order given
// on the command line (the initrd rule passes them in its `programs` order),
// inode numbers count 1, 2, 3, ... in that order, modification times are 0,
// owners 0, link counts 1, and every file has mode 0100555 (a read-only,
// executable regular file: osv ignores permission bits). The archive ends
// with the "TRAILER!!!" entry and no block padding.
//
// Before writing, the archive is checked with the kernel's own reader
// (kernel/fs/initrd.c), so an archive that osv would refuse is never written.

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/err.h"
#include "kernel/fs/cpio_format.h"
#include "kernel/fs/initrd.h"

#define FILE_MODE (CPIO_MODE_REGULAR | 0555u)

struct buffer {
    unsigned char *bytes;
    size_t len;
    size_t cap;
};

static void fail(int status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("mkinitrd: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(status);
}

static void usage_error(const char *why)
{
    fail(2, "%s\nusage: mkinitrd -o OUTPUT NAME=PATH...", why);
}

static void append(struct buffer *b, const void *data, size_t n)
{
    if (n == 0) {
        return;
    }
    if (n > SIZE_MAX - b->len) {
        fail(1, "archive too large");
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) {
            cap *= 2;
        }
        b->bytes = realloc(b->bytes, cap);
        if (b->bytes == NULL) {
            fail(1, "out of memory");
        }
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, data, n);
    b->len += n;
}

static void pad(struct buffer *b)
{
    static const unsigned char zeros[CPIO_NEWC_ALIGN];
    size_t rem = b->len % CPIO_NEWC_ALIGN;
    if (rem != 0) {
        append(b, zeros, CPIO_NEWC_ALIGN - rem);
    }
}

static void append_entry(struct buffer *b, uint32_t ino, uint32_t mode, const char *name,
                         const unsigned char *data, uint32_t size)
{
    uint32_t fields[CPIO_NUM_FIELDS] = {0};
    fields[CPIO_FIELD_INO] = ino;
    fields[CPIO_FIELD_MODE] = mode;
    fields[CPIO_FIELD_NLINK] = 1;
    fields[CPIO_FIELD_FILESIZE] = size;
    fields[CPIO_FIELD_NAMESIZE] = (uint32_t)strlen(name) + 1;

    char header[CPIO_NEWC_HEADER_SIZE + 1];
    int n = snprintf(header, sizeof(header), "%s", CPIO_NEWC_MAGIC);
    for (int i = 0; i < CPIO_NUM_FIELDS; i++) {
        n += snprintf(header + n, sizeof(header) - (size_t)n, "%08X", (unsigned)fields[i]);
    }
    append(b, header, CPIO_NEWC_HEADER_SIZE);
    append(b, name, strlen(name) + 1);
    pad(b);
    append(b, data, size);
    pad(b);
}

// The kernel's naming rules (kernel/fs/initrd.h), checked here so that the
// message names the argument at fault.
static void check_name(const char *name, const char *arg)
{
    size_t len = strlen(name);
    if (len == 0) {
        fail(1, "'%s': empty name", arg);
    }
    if (len > INITRD_NAME_MAX) {
        fail(1, "'%s': name longer than %d bytes", arg, INITRD_NAME_MAX);
    }
    if (strchr(name, '/') != NULL) {
        fail(1, "'%s': names are flat: no '/'", arg);
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, CPIO_TRAILER_NAME) == 0) {
        fail(1, "'%s': reserved name", arg);
    }
}

// Reads the whole file at path into *data (NULL for an empty file).
static uint32_t read_file(const char *path, unsigned char **data)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail(1, "cannot open '%s': %s", path, strerror(errno));
    }
    struct buffer b = {0};
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        append(&b, chunk, n);
    }
    if (ferror(f)) {
        fail(1, "cannot read '%s': %s", path, strerror(errno));
    }
    fclose(f);
    if (b.len > UINT32_MAX) {
        fail(1, "'%s' is larger than 4 GiB: too large for cpio newc", path);
    }
    *data = b.bytes;
    return (uint32_t)b.len;
}

int main(int argc, char **argv)
{
    const char *output = NULL;
    int first = 1;
    if (argc >= 3 && strcmp(argv[1], "-o") == 0) {
        output = argv[2];
        first = 3;
    }
    if (output == NULL || output[0] == '\0') {
        usage_error("no output file (-o OUTPUT)");
    }
    int num_files = argc - first;
    if (num_files > INITRD_MAX_FILES) {
        fail(1, "%d files, but the kernel's initrd holds at most %d (INITRD_MAX_FILES)", num_files,
             INITRD_MAX_FILES);
    }

    struct buffer archive = {0};
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq[1] == '\0') {
            usage_error("arguments after -o OUTPUT are NAME=PATH");
        }
        char name[INITRD_NAME_MAX + 2];
        size_t name_len = (size_t)(eq - arg);
        if (name_len > INITRD_NAME_MAX) {
            name_len = INITRD_NAME_MAX + 1;  // check_name reports it
        }
        memcpy(name, arg, name_len);
        name[name_len] = '\0';
        check_name(name, arg);
        for (int j = first; j < i; j++) {
            if (strncmp(argv[j], arg, (size_t)(eq - arg) + 1) == 0) {
                fail(1, "'%s': name '%s' given twice", arg, name);
            }
        }

        unsigned char *data;
        uint32_t size = read_file(eq + 1, &data);
        append_entry(&archive, (uint32_t)(i - first + 1), FILE_MODE, name, data, size);
        free(data);
    }
    append_entry(&archive, 0, 0, CPIO_TRAILER_NAME, NULL, 0);

    err_t err = initrd_init(archive.bytes, archive.len);
    if (err != ERR_OK) {
        fail(1, "internal error: the kernel's reader refuses the archive (%s)", err_name(err));
    }

    FILE *out = fopen(output, "wb");
    if (out == NULL) {
        fail(1, "cannot create '%s': %s", output, strerror(errno));
    }
    if (fwrite(archive.bytes, 1, archive.len, out) != archive.len || fclose(out) != 0) {
        remove(output);
        fail(1, "cannot write '%s': %s", output, strerror(errno));
    }
    free(archive.bytes);
    return 0;
}
