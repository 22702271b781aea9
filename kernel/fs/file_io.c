// Reading and writing a file from and to user memory (see file_io.h).

#include "kernel/fs/file_io.h"

#include <stddef.h>

#include "kernel/err.h"
#include "kernel/uaccess.h"

static size_t min_size(uint64_t a, size_t b)
{
    return a < b ? (size_t)a : b;
}

int64_t file_read_to_user(struct file *file, vaddr_t buf, uint64_t n)
{
    size_t step = min_size(n, SYS_FILE_CHUNK);
    char bounce[SYS_FILE_CHUNK];
    if (!file->readable || step == 0) {
        return file_read(file, bounce, 0);  // ERR_BADF, or 0
    }
    // The check of buf (see file_io.h): in and out again, unchanged.
    err_t err = copyin(bounce, buf, step);
    if (err == ERR_OK) {
        err = copyout(buf, bounce, step);
    }
    if (err != ERR_OK) {
        return err;
    }
    int64_t got = file_read(file, bounce, step);
    if (got > 0) {
        err = copyout(buf, bounce, (size_t)got);
        if (err != ERR_OK) {
            return err;  // cannot happen after the check; the bytes are lost if it does
        }
    }
    return got;
}

int64_t file_write_from_user(struct file *file, vaddr_t buf, uint64_t n, bool (*killed)(void))
{
    uint64_t count = n > INT64_MAX ? INT64_MAX : n;
    char bounce[SYS_FILE_CHUNK];
    if (!file->writable || count == 0) {
        return file_write(file, bounce, 0);  // ERR_BADF, or 0
    }
    uint64_t done = 0;
    int64_t failure = ERR_OK;
    while (done < count) {
        // The count is the user's: without this check a killed process
        // would go on for as long as its buffer lasts (minutes of console
        // output for a few MiB).
        if (killed()) {
            failure = ERR_KILLED;
            break;
        }
        size_t step = min_size(count - done, SYS_FILE_CHUNK);
        err_t err = copyin(bounce, buf + done, step);
        if (err != ERR_OK) {
            failure = err;
            break;
        }
        int64_t wrote = file_write(file, bounce, step);
        if (wrote < 0) {
            failure = wrote;
            break;
        }
        done += (uint64_t)wrote;
        if ((size_t)wrote < step) {
            // A pipe whose reader left (the next step would be ERR_PIPE), or
            // whose writer was killed while it waited for room.
            break;
        }
    }
    return done > 0 ? (int64_t)done : failure;
}
