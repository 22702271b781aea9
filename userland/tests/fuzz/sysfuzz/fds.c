// The descriptor model (fds.h).

#include "userland/tests/fuzz/sysfuzz/fds.h"

#include "userland/tests/fuzz/sysfuzz/calls.h"

struct ofile ofiles[MAX_OFILES];
struct spipe pipes[MAX_PIPES];
int fdmap[FD_MAX];

void fds_start(void)
{
    for (int fd = 0; fd < REPORT_FD; fd++) {
        fdmap[fd] = FD_FREE;
    }
    fdmap[REPORT_FD] = FD_OWN;
    fdmap[DIAG_FD] = FD_OWN;
    for (int i = 0; i < MAX_PIPES; i++) {
        pipes[i].r = -1;
    }
}

int lowest_free_fd(void)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fdmap[fd] == FD_FREE) {
            return fd;
        }
    }
    return -1;
}

int free_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < FD_MAX; fd++) {
        n += fdmap[fd] == FD_FREE;
    }
    return n;
}

int fd_of(uint64_t raw)
{
    return raw < FD_MAX && fdmap[raw] >= 0 ? (int)raw : -1;
}

int new_ofile(enum fkind kind)
{
    for (int i = 0; i < MAX_OFILES; i++) {
        if (ofiles[i].refs == 0 && ofiles[i].kind == 0) {
            ofiles[i] = (struct ofile){.kind = kind};
            return i;
        }
    }
    return -1;  // cannot happen: at most FD_MAX are open
}

static void drop_ofile(int of)
{
    struct ofile *o = &ofiles[of];
    if (--o->refs > 0) {
        return;
    }
    if (o->kind == F_PIPE_R || o->kind == F_PIPE_W) {
        struct spipe *p = &pipes[o->pipe];
        if (ofiles[p->r].refs == 0 && ofiles[p->w].refs == 0) {
            ofiles[p->r].kind = 0;
            ofiles[p->w].kind = 0;
            p->r = -1;
        }
        return;
    }
    o->kind = 0;
}

void install(int fd, int of)
{
    fdmap[fd] = of;
    ofiles[of].refs++;
}

void model_close(int fd)
{
    int of = fdmap[fd];
    fdmap[fd] = FD_FREE;
    drop_ofile(of);
}

static int new_pipe(void)
{
    for (int i = 0; i < MAX_PIPES; i++) {
        if (pipes[i].r == -1) {
            return i;
        }
    }
    return -1;
}

void model_pipe_created(int r, int w)
{
    int p = new_pipe();
    int of_r = new_ofile(F_PIPE_R), of_w = new_ofile(F_PIPE_W);
    pipes[p] = (struct spipe){.r = of_r, .w = of_w, .fill = 0};
    ofiles[of_r].pipe = p;
    ofiles[of_w].pipe = p;
    install(r, of_r);
    install(w, of_w);
}

bool read_end_open(int pipe)
{
    return ofiles[pipes[pipe].r].refs > 0;
}

bool write_end_open(int pipe)
{
    return ofiles[pipes[pipe].w].refs > 0;
}

uint32_t file_type(enum fkind k)
{
    switch (k) {
    case F_FILE:
        return FILE_TYPE_REGULAR;
    case F_DIR:
        return FILE_TYPE_DIRECTORY;
    default:
        return FILE_TYPE_PIPE;
    }
}
