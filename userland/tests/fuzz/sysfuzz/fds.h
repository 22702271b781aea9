#pragma once

// The worker's model of its descriptors: which open file each one refers
// to, each file's offset, each pipe's contents. The model changes only
// after the kernel said yes to a call, so that it follows the kernel's
// state rather than the worker's intentions.

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>

// Kernel figures the model needs that no ABI header carries: the most one
// read returns, and one step of a write (SYS_FILE_CHUNK, kernel/fs/file_io.h);
// the bytes a pipe holds (PIPE_SIZE, kernel/fs/pipe.h).
#define CHUNK         512ull
#define PIPE_CAPACITY 4096

enum fkind {
    F_FILE = 1,
    F_DIR,
    F_PIPE_R,
    F_PIPE_W,
};

// An open file. 0 in kind: the record is free.
struct ofile {
    int refs;  // descriptors of the worker that refer to it
    enum fkind kind;
    int64_t size;    // regular files
    int64_t offset;  // regular files (bytes) and the directory (entries)
    int name;        // regular files: index in names (initrd_files.h)
    int pipe;        // pipe ends
};

// A pipe. A pipe end's record stays while the other end is open (its
// refs == 0 says "closed"); the pipe and both records go when both ends
// are closed. -1 in r: the record is free.
struct spipe {
    int r, w;      // the ofiles of its ends
    int64_t fill;  // bytes in it; -1 when unknown
};

#define MAX_OFILES 40
#define MAX_PIPES  20
#define FD_FREE    (-1)
#define FD_OWN     (-2)  // REPORT_FD and DIAG_FD

extern struct ofile ofiles[MAX_OFILES];
extern struct spipe pipes[MAX_PIPES];
extern int fdmap[FD_MAX];  // an index in ofiles, FD_FREE or FD_OWN

// The model at the start of a round: REPORT_FD and DIAG_FD the worker's
// own, every other descriptor free, no pipes.
void fds_start(void);

// The lowest free descriptor, or -1.
int lowest_free_fd(void);

// How many descriptors are free.
int free_fds(void);

// The open descriptor raw names (never one beyond 32 bits), or -1.
int fd_of(uint64_t raw);

// A new open file record of the given kind, without references.
int new_ofile(enum fkind kind);

// Descriptor fd now refers to open file of.
void install(int fd, int of);

// Descriptor fd is closed.
void model_close(int fd);

// pipe() returned descriptors r and w.
void model_pipe_created(int r, int w);

bool read_end_open(int pipe);
bool write_end_open(int pipe);

// The type fstat reports for an open file of kind k.
uint32_t file_type(enum fkind k);
