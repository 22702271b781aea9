// Initrd files and the directory (see initrd_file.h).

#include "kernel/fs/initrd_file.h"

#include <stdint.h>

#include "kernel/fs/initrd.h"
#include "kernel/lib/string.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/sync/spinlock.h"

// What an open initrd file's data points to.
struct initrd_open {
    struct spinlock lock;     // guards the struct file's offset
    struct initrd_file file;  // the directory's is unused
};

static int64_t regular_read(struct file *file, void *buf, size_t n)
{
    struct initrd_open *open = file->data;
    spinlock_acquire(&open->lock);
    size_t left = open->file.size - file->offset;
    size_t count = n < left ? n : left;
    memcpy(buf, (const char *)open->file.data + file->offset, count);
    file->offset += count;
    spinlock_release(&open->lock);
    return (int64_t)count;
}

static void regular_stat(struct file *file, struct osv_stat *st)
{
    struct initrd_open *open = file->data;
    st->type = FILE_TYPE_REGULAR;
    st->size = open->file.size;
}

// The directory's offset is the index of the next file to list.
static int64_t directory_read(struct file *file, void *buf, size_t n)
{
    struct initrd_open *open = file->data;
    if (n < sizeof(struct osv_dirent)) {
        return ERR_INVAL;
    }
    size_t max = n / sizeof(struct osv_dirent);
    struct osv_dirent *records = buf;
    size_t count = 0;
    spinlock_acquire(&open->lock);
    struct initrd_file f;
    while (count < max && initrd_file_at(file->offset, &f) == ERR_OK) {
        struct osv_dirent *d = &records[count++];
        memset(d, 0, sizeof *d);
        d->size = f.size > UINT32_MAX ? UINT32_MAX : (uint32_t)f.size;
        memcpy(d->name, f.name, strnlen(f.name, DIRENT_NAME_MAX - 1));
        file->offset++;
    }
    spinlock_release(&open->lock);
    return (int64_t)(count * sizeof(struct osv_dirent));
}

static void directory_stat(struct file *file, struct osv_stat *st)
{
    (void)file;
    st->type = FILE_TYPE_DIRECTORY;
}

static int64_t no_write(struct file *file, const void *buf, size_t n)
{
    // Unreachable: the files are opened read-only, and file_write checks.
    (void)file;
    (void)buf;
    (void)n;
    return ERR_BADF;
}

static void release(struct file *file)
{
    kfree(file->data);
}

static const struct file_ops regular_ops = {
    .read = regular_read,
    .write = no_write,
    .stat = regular_stat,
    .release = release,
};

static const struct file_ops directory_ops = {
    .read = directory_read,
    .write = no_write,
    .stat = directory_stat,
    .release = release,
};

err_t initrd_file_open(const char *path, struct file **out)
{
    bool directory = strcmp(path, "") == 0 || strcmp(path, "/") == 0;
    struct initrd_file f = {0};
    if (!directory) {
        err_t err = initrd_find(path, &f);
        if (err != ERR_OK) {
            return err;
        }
    }
    void *block;
    err_t err = kmalloc(sizeof(struct initrd_open), &block);
    if (err != ERR_OK) {
        return err;
    }
    struct initrd_open *open = block;
    spinlock_init(&open->lock, "initrd file");
    open->file = f;
    err = file_alloc(directory ? &directory_ops : &regular_ops, open, /*readable=*/true,
                     /*writable=*/false, out);
    if (err != ERR_OK) {
        kfree(open);
    }
    return err;
}
