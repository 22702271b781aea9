// The file system calls (see sys_file.h).

#include "kernel/fs/sys_file.h"

#include "kernel/err.h"
#include "kernel/fs/fdtable.h"
#include "kernel/fs/file.h"
#include "kernel/fs/file_io.h"
#include "kernel/fs/initrd_file.h"
#include "kernel/fs/pipe.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/syscall_abi.h"
#include "kernel/uaccess.h"

// The descriptor in a raw argument register. Checked as the full 64-bit
// value: truncating to int first would turn 2^32 + 1 into 1.
static err_t fd_arg(uint64_t raw, int *fd)
{
    if (raw >= FD_MAX) {
        return ERR_BADF;
    }
    *fd = (int)raw;
    return ERR_OK;
}

// The open file behind a raw descriptor argument (no reference added).
static err_t file_arg(uint64_t raw, struct file **file)
{
    int fd;
    err_t err = fd_arg(raw, &fd);
    if (err != ERR_OK) {
        return err;
    }
    return fdtable_get(fdtable_current(), fd, file);
}

int64_t sys_open(const struct syscall_args *args)
{
    if (args->arg[1] != O_RDONLY) {
        return ERR_INVAL;
    }
    char path[PATH_MAX_BYTES];
    err_t err = copyinstr(path, args->arg[0], sizeof path, NULL);
    if (err != ERR_OK) {
        return err;
    }
    struct file *file;
    err = initrd_file_open(path, &file);
    if (err != ERR_OK) {
        return err;
    }
    int fd;
    err = fdtable_install(fdtable_current(), file, &fd);
    if (err != ERR_OK) {
        file_put(file);
        return err;
    }
    return fd;
}

int64_t sys_read(const struct syscall_args *args)
{
    struct file *file;
    err_t err = file_arg(args->arg[0], &file);
    if (err != ERR_OK) {
        return err;
    }
    file_get(file);
    int64_t result = file_read_to_user(file, args->arg[1], args->arg[2]);
    file_put(file);
    return result;
}

int64_t sys_write(const struct syscall_args *args)
{
    struct file *file;
    err_t err = file_arg(args->arg[0], &file);
    if (err != ERR_OK) {
        return err;
    }
    file_get(file);
    int64_t result = file_write_from_user(file, args->arg[1], args->arg[2], thread_killed);
    file_put(file);
    return result;
}

int64_t sys_close(const struct syscall_args *args)
{
    int fd;
    err_t err = fd_arg(args->arg[0], &fd);
    if (err != ERR_OK) {
        return err;
    }
    return fdtable_close(fdtable_current(), fd);
}

int64_t sys_dup(const struct syscall_args *args)
{
    struct file *file;
    err_t err = file_arg(args->arg[0], &file);
    if (err != ERR_OK) {
        return err;
    }
    int fd;
    err = fdtable_install(fdtable_current(), file_get(file), &fd);
    if (err != ERR_OK) {
        file_put(file);
        return err;
    }
    return fd;
}

// Closes a descriptor this handler just installed.
static void undo_install(struct fdtable *table, int fd)
{
    err_t err = fdtable_close(table, fd);
    kassert(err == ERR_OK);
}

int64_t sys_pipe(const struct syscall_args *args)
{
    struct file *read_end, *write_end;
    err_t err = pipe_create(&read_end, &write_end);
    if (err != ERR_OK) {
        return err;
    }
    struct fdtable *table = fdtable_current();
    int fds[2];
    err = fdtable_install(table, read_end, &fds[0]);
    if (err != ERR_OK) {
        file_put(read_end);
        file_put(write_end);
        return err;
    }
    err = fdtable_install(table, write_end, &fds[1]);
    if (err != ERR_OK) {
        undo_install(table, fds[0]);
        file_put(write_end);
        return err;
    }
    int32_t user_fds[2] = {fds[0], fds[1]};
    err = copyout(args->arg[0], user_fds, sizeof user_fds);
    if (err != ERR_OK) {
        undo_install(table, fds[0]);
        undo_install(table, fds[1]);
        return err;
    }
    return 0;
}

int64_t sys_fstat(const struct syscall_args *args)
{
    struct file *file;
    err_t err = file_arg(args->arg[0], &file);
    if (err != ERR_OK) {
        return err;
    }
    struct osv_stat st;
    file_stat(file, &st);
    return copyout(args->arg[1], &st, sizeof st);
}
