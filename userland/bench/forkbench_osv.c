// forkbench's osv layer (see forkbench_os.h), on the osv user library.
//
// The TSC rate, the page-fault count and the free pages come from sysinfo:
// the kernel calibrates the TSC against the PIT at boot. The fork mode
// (copy-on-write, or eager copy with fork=eager on the kernel command line)
// is observed rather than taken on trust: a copy-on-write fork shares the
// parent's pages, which sysinfo counts in pages_shared.

#include <osv.h>
#include <unistd.h>

#include "userland/bench/forkbench_os.h"

const char fb_os_name[] = "osv";

static struct osv_sysinfo info(void)
{
    struct osv_sysinfo si = {0};
    (void)sysinfo(&si);
    return si;
}

bool fb_os_init(void)
{
    struct osv_sysinfo si;
    if (sysinfo(&si) < 0) {
        static const char msg[] = "forkbench os=osv error=\"sysinfo failed\"\n";
        write(STDOUT_FILENO, msg, sizeof(msg) - 1);
        return false;
    }
    return true;
}

const char *fb_fork_mode(void)
{
    uint64_t shared = info().pages_shared;
    int pid = fork();
    if (pid == 0) {
        _exit(0);
    }
    int status;
    if (pid < 0 || wait(pid, &status) != pid) {
        return "?";
    }
    return info().pages_shared > shared ? "cow" : "eager";
}

uint64_t fb_tsc_per_second(void)
{
    return info().tsc_per_second;
}

int64_t fb_fork(void)
{
    return fork();
}

_Noreturn void fb_exit(int status)
{
    _exit(status);
}

int64_t fb_wait(int64_t pid, int *status)
{
    int s = EXIT_STATUS_KILLED;
    int ret = wait((int)pid, &s);
    *status = s == EXIT_STATUS_KILLED ? -1 : s;
    return ret;
}

int64_t fb_getpid(void)
{
    return getpid();
}

int64_t fb_getcpu(void)
{
    return getcpu();
}

void *fb_sbrk(int64_t increment)
{
    void *p = sbrk(increment);
    return p == (void *)-1 ? (void *)(intptr_t)ERR_NOMEM : p;
}

int64_t fb_pipe(int fds[2])
{
    return pipe(fds);
}

int64_t fb_read(int fd, void *buf, uint64_t n)
{
    return read(fd, buf, n);
}

int64_t fb_write(int fd, const void *buf, uint64_t n)
{
    return write(fd, buf, n);
}

int64_t fb_close(int fd)
{
    return close(fd);
}

uint64_t fb_page_faults(void)
{
    return info().proc_page_faults;
}

bool fb_free_pages(uint64_t *pages)
{
    struct osv_sysinfo si;
    if (sysinfo(&si) < 0) {
        return false;
    }
    *pages = si.free_pages;
    return true;
}

bool fb_tlb_shootdowns(uint64_t *rounds, uint64_t *ipis)
{
    struct osv_sysinfo si;
    if (sysinfo(&si) < 0) {
        return false;
    }
    *rounds = si.tlb_shootdowns;
    *ipis = si.tlb_shootdown_ipis;
    return true;
}
