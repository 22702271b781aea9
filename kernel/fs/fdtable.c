// File descriptor tables (see fdtable.h). fdtable_current lives with the
// processes, in kernel/proc.c.

#include "kernel/fs/fdtable.h"

#include <stddef.h>

#include "kernel/panic.h"

// The slot of fd, or NULL when fd is out of range. Callers pass user-chosen
// numbers straight through, so negative and huge values are normal here.
static struct file **slot(struct fdtable *table, int fd)
{
    if (fd < 0 || fd >= FD_MAX) {
        return NULL;
    }
    return &table->files[fd];
}

err_t fdtable_install(struct fdtable *table, struct file *file, int *fd)
{
    for (int i = 0; i < FD_MAX; i++) {
        if (table->files[i] == NULL) {
            table->files[i] = file;
            *fd = i;
            return ERR_OK;
        }
    }
    return ERR_NOSPACE;
}

err_t fdtable_get(struct fdtable *table, int fd, struct file **file)
{
    struct file **s = slot(table, fd);
    if (s == NULL || *s == NULL) {
        return ERR_BADF;
    }
    *file = *s;
    return ERR_OK;
}

err_t fdtable_close(struct fdtable *table, int fd)
{
    struct file **s = slot(table, fd);
    if (s == NULL || *s == NULL) {
        return ERR_BADF;
    }
    struct file *file = *s;
    // Empty the slot before dropping the reference: the release may sleep
    // or take a while, and the descriptor is gone either way.
    *s = NULL;
    file_put(file);
    return ERR_OK;
}

void fdtable_copy(struct fdtable *dst, const struct fdtable *src)
{
    for (int i = 0; i < FD_MAX; i++) {
        kassert(dst->files[i] == NULL);  // else that file's reference would leak
        dst->files[i] = src->files[i] != NULL ? file_get(src->files[i]) : NULL;
    }
}

void fdtable_close_all(struct fdtable *table)
{
    for (int i = 0; i < FD_MAX; i++) {
        if (table->files[i] != NULL) {
            struct file *file = table->files[i];
            table->files[i] = NULL;
            file_put(file);
        }
    }
}
