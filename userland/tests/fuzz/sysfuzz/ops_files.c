// The calls on descriptors: open, close, dup, pipe, fstat, read and write (ops.h).

#include "userland/tests/fuzz/sysfuzz/ops.h"

#include <osv.h>
#include <string.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/initrd_files.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

void op_open(void)
{
    struct uptr p = gen_path();
    uint64_t flags = O_RDONLY;
    if (chance(15)) {
        static const uint64_t bad[] = {1, 2, 0x100000000ull, UINT64_MAX, 0x80000000};
        flags = chance(50) ? bad[below(5)] : rnd() | 1;
    }
    struct call c = {
        .nr = SYS_OPEN, .a = {p.addr, flags, junk(), junk(), junk(), junk()}, .note = p.kind};
    struct expect want;
    uint64_t len = 0;
    int64_t s = string_at(p, PATH_MAX_BYTES, &len);
    enum fkind kind = 0;
    int name = -1;
    if (flags != O_RDONLY) {
        want = ex_err(ERR_INVAL);
    } else if (s < 0) {
        want = ex_err(s);
    } else {
        const char *str = (const char *)(uintptr_t)p.addr;
        if (str[0] == '\0' || strcmp(str, "/") == 0) {
            kind = F_DIR;
        } else if ((name = lookup(str)) >= 0) {
            kind = F_FILE;
        }
        int fd = lowest_free_fd();
        want = kind == 0 ? ex_err(ERR_NOENT) : fd < 0 ? ex_err(ERR_NOSPACE) : ex_val(fd);
    }
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got >= 0) {
        int of = new_ofile(kind);
        ofiles[of].name = name;
        ofiles[of].size = kind == F_FILE ? names[name].size : 0;
        install((int)got, of);
    } else if (got >= 0 && got < FD_MAX && fdmap[got] == FD_FREE) {
        // The kernel opened something the model did not expect: keep the
        // model honest by closing it again.
        osv_syscall(SYS_CLOSE, (uint64_t)got, 0, 0, 0, 0, 0);
    }
}

void op_close(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    struct call c = {.nr = SYS_CLOSE, .a = {raw, junk(), junk(), junk(), junk(), junk()}};
    if (verify(&c, issue(&c), fd >= 0 ? ex_val(0) : ex_err(ERR_BADF)) && fd >= 0) {
        model_close(fd);
    }
}

void op_dup(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    int low = lowest_free_fd();
    struct call c = {.nr = SYS_DUP, .a = {raw, junk(), junk(), junk(), junk(), junk()}};
    struct expect want = fd < 0 ? ex_err(ERR_BADF) : low < 0 ? ex_err(ERR_NOSPACE) : ex_val(low);
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got >= 0) {
        install((int)got, fdmap[fd]);
    }
}
void op_pipe(void)
{
    struct uptr p =
        chance(30) ? gen_ptr(8) : at((uint64_t)(uintptr_t)scratch + 4 * below(64), "data");
    struct call c = {
        .nr = SYS_PIPE, .a = {p.addr, junk(), junk(), junk(), junk(), junk()}, .note = p.kind};
    int r = lowest_free_fd();
    if (r >= 0) {
        fdmap[r] = FD_OWN;  // just to find the next one
    }
    int w = lowest_free_fd();
    if (r >= 0) {
        fdmap[r] = FD_FREE;
    }
    struct expect want = w < 0 ? ex_err(ERR_NOSPACE) : p.wr < 8 ? ex_err(ERR_FAULT) : ex_val(0);
    if (verify(&c, issue(&c), want) && want.lo == 0) {
        int32_t fds[2];
        memcpy(fds, (const void *)(uintptr_t)p.addr, sizeof fds);
        expect_true(fds[0] == r && fds[1] == w, "pipe's descriptors are the two lowest free",
                    (uint64_t)(uint32_t)fds[0] << 32 | (uint32_t)fds[1]);
        model_pipe_created(r, w);
    } else if (want.lo != 0 && r >= 0) {
        // On failure no descriptor may stay open.
        struct osv_stat st;
        struct call f = {.nr = SYS_FSTAT,
                         .a = {(uint64_t)r, (uint64_t)(uintptr_t)&st},
                         .note = "after a failed pipe"};
        verify(&f, issue(&f), ex_err(ERR_BADF));
    }
}
void op_fstat(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    struct uptr p = chance(60) ? at((uint64_t)(uintptr_t)scratch + below(64), "data")
                               : gen_ptr(sizeof(struct osv_stat));
    struct call c = {
        .nr = SYS_FSTAT, .a = {raw, p.addr, junk(), junk(), junk(), junk()}, .note = p.kind};
    struct expect want = fd < 0                           ? ex_err(ERR_BADF)
                         : p.wr < sizeof(struct osv_stat) ? ex_err(ERR_FAULT)
                                                          : ex_val(0);
    if (verify(&c, issue(&c), want) && want.lo == 0) {
        struct osv_stat st;
        memcpy(&st, (const void *)(uintptr_t)p.addr, sizeof st);
        struct ofile *of = &ofiles[fdmap[fd]];
        expect_true(st.type == file_type(of->kind) && st.size == (uint64_t)of->size,
                    "fstat's type and size", (uint64_t)st.type << 32 | st.size);
    }
}

void op_read(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    uint64_t n = gen_size();
    struct uptr p = chance(50) ? at((uint64_t)(uintptr_t)scratch + below(PAGE_SIZE), "data")
                               : gen_ptr(n < CHUNK ? n : CHUNK);
    struct call c = {.nr = SYS_READ, .a = {raw, p.addr, n, junk(), junk(), junk()}, .note = p.kind};
    uint64_t first = n < CHUNK ? n : CHUNK;
    struct ofile *of = fd >= 0 ? &ofiles[fdmap[fd]] : NULL;
    struct expect want;
    int pipe = -1;
    if (of == NULL) {
        want = ex_err(ERR_BADF);
    } else if (of->kind == F_PIPE_W) {
        want = ex_err(ERR_BADF);
    } else if (n == 0) {
        want = ex_val(0);
    } else if (p.wr < first) {
        want = ex_err(ERR_FAULT);
    } else if (of->kind == F_FILE) {
        int64_t left = of->size - of->offset;
        want = ex_val((int64_t)first < left ? (int64_t)first : left);
    } else if (of->kind == F_DIR) {
        int64_t records = (int64_t)first / (int64_t)sizeof(struct osv_dirent);
        int64_t left = num_names - of->offset;
        want = records == 0
                   ? ex_err(ERR_INVAL)
                   : ex_val((records < left ? records : left) * (int64_t)sizeof(struct osv_dirent));
    } else {
        pipe = of->pipe;
        int64_t fill = pipes[pipe].fill;
        if (fill > 0) {
            want = ex_val((int64_t)first < fill ? (int64_t)first : fill);
        } else if (fill == 0 && !write_end_open(pipe) && !others_hold_fds()) {
            want = ex_val(0);  // end of file
        } else {
            blocking_in_child(&c, pipe);
            return;
        }
    }
    int64_t got = issue(&c);
    if (!verify(&c, got, want) || got <= 0) {
        return;
    }
    if (of->kind == F_FILE) {
        if (strcmp(names[of->name].s, "notelf.txt") == 0 && of->offset + got <= notelf_size) {
            expect_true(
                memcmp((const void *)(uintptr_t)p.addr, notelf_copy + of->offset, (size_t)got) == 0,
                "notelf.txt reads back as it is", (uint64_t)of->offset);
        }
        of->offset += got;
    } else if (of->kind == F_DIR) {
        of->offset += got / (int64_t)sizeof(struct osv_dirent);
    } else {
        pipes[pipe].fill -= got;
    }
}

void op_write(void)
{
    uint64_t raw = gen_fd();
    int fd = fd_of(raw);
    uint64_t n = gen_size();
    struct uptr p = chance(40) ? at((uint64_t)(uintptr_t)scratch + below(PAGE_SIZE), "data")
                               : gen_ptr(n < CHUNK ? n : CHUNK);
    struct call c = {
        .nr = SYS_WRITE, .a = {raw, p.addr, n, junk(), junk(), junk()}, .note = p.kind};
    struct ofile *of = fd >= 0 ? &ofiles[fdmap[fd]] : NULL;
    uint64_t total = n > INT64_MAX ? INT64_MAX : n;
    // What copyin lets through, a chunk at a time.
    uint64_t bytes = total <= p.rd ? total : p.rd / CHUNK * CHUNK;
    struct expect want;
    if (of == NULL || of->kind != F_PIPE_W) {
        want = ex_err(ERR_BADF);
    } else if (n == 0) {
        want = ex_val(0);
    } else if (bytes == 0) {
        want = ex_err(ERR_FAULT);
    } else if (!read_end_open(of->pipe) && !others_hold_fds()) {
        want = ex_err(ERR_PIPE);
    } else if (read_end_open(of->pipe) && pipes[of->pipe].fill >= 0 &&
               bytes <= (uint64_t)(PIPE_CAPACITY - pipes[of->pipe].fill)) {
        want = ex_val((int64_t)bytes);
    } else {
        blocking_in_child(&c, of->pipe);
        return;
    }
    int64_t got = issue(&c);
    if (verify(&c, got, want) && got > 0) {
        pipes[of->pipe].fill += got;
    }
}
