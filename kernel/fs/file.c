// Open files: allocation, reference counting, and the checks every kind of
// file shares (see file.h).

#include "kernel/fs/file.h"

#include "kernel/mm/kmalloc.h"
#include "kernel/panic.h"

err_t file_alloc(const struct file_ops *ops, void *data, bool readable, bool writable,
                 struct file **out)
{
    void *block;
    err_t err = kmalloc(sizeof(struct file), &block);
    if (err != ERR_OK) {
        return err;
    }
    struct file *file = block;
    *file = (struct file){
        .ops = ops,
        .refcount = 1,
        .readable = readable,
        .writable = writable,
        .data = data,
        .offset = 0,
    };
    *out = file;
    return ERR_OK;
}

struct file *file_get(struct file *file)
{
    // A reference can only be copied from one the caller holds, so the count
    // is at least 1 here; 0 would mean a use after the last put.
    int before = __atomic_fetch_add(&file->refcount, 1, __ATOMIC_RELAXED);
    kassert(before > 0);
    return file;
}

void file_put(struct file *file)
{
    // Acquire-release: whatever the other holders did to the file happens
    // before the release below runs.
    int after = __atomic_sub_fetch(&file->refcount, 1, __ATOMIC_ACQ_REL);
    kassert(after >= 0);
    if (after == 0) {
        if (file->ops->release != NULL) {
            file->ops->release(file);
        }
        kfree(file);
    }
}

int64_t file_read(struct file *file, void *buf, size_t n)
{
    if (!file->readable) {
        return ERR_BADF;
    }
    if (n == 0) {
        return 0;
    }
    return file->ops->read(file, buf, n);
}

int64_t file_write(struct file *file, const void *buf, size_t n)
{
    if (!file->writable) {
        return ERR_BADF;
    }
    if (n == 0) {
        return 0;
    }
    return file->ops->write(file, buf, n);
}

void file_stat(struct file *file, struct osv_stat *st)
{
    *st = (struct osv_stat){0};
    file->ops->stat(file, st);
}
