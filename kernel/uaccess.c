// copyin/copyout (see kernel/uaccess.h).
//
// Each user page is translated through the process's page table and
// accessed through the direct map; the kernel never dereferences a user
// address. A page that is absent or read-only where the copy needs to write
// goes through pgfault_resolve first, exactly as the user's own access would.
//
// Each page is looked up, served and copied with the address space's lock
// held (kernel/mm/vm.h), and the lock is let go between pages: so another
// thread's sbrk cannot free a page between its lookup and the copy, and a
// long copy does not hold up the process's other threads for its whole
// length.

#include "kernel/uaccess.h"

#include <stdbool.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/lib/string.h"
#include "kernel/mm/vm.h"
#include "kernel/pgfault.h"
#include "kernel/sync/sleeplock.h"

// The kernel address of user address va, valid up to the end of its page
// while as->lock is held, after making the page accessible for reading (or
// writing). ERR_FAULT or ERR_NOMEM. as->lock held.
static err_t user_page(struct addrspace *as, vaddr_t va, bool write, char **kaddr)
{
    if (va >= VPMAP_USER_TOP) {
        return ERR_FAULT;
    }
    paddr_t paddr;
    memperm_t perm;
    bool present = vpmap_lookup_vaddr(as->vpmap, va, &paddr, &perm) == ERR_OK;
    if (!present || (write && !(perm & MEMPERM_WRITE))) {
        enum fault_verdict verdict = pgfault_resolve(as, va, present, write);
        if (verdict != FAULT_RESOLVED) {
            return verdict == FAULT_OUT_OF_MEMORY ? ERR_NOMEM : ERR_FAULT;
        }
        err_t err = vpmap_lookup_vaddr(as->vpmap, va, &paddr, &perm);
        if (err != ERR_OK) {
            return ERR_FAULT;
        }
    }
    *kaddr = kmap_p2v(paddr);
    return ERR_OK;
}

// True when [va, va + n) wraps past the top of the address space.
static bool range_wraps(vaddr_t va, size_t n)
{
    return n != 0 && va + n - 1 < va;
}

err_t copyin(void *dst, vaddr_t src, size_t n)
{
    if (range_wraps(src, n)) {
        return ERR_FAULT;
    }
    struct addrspace *as = as_current();
    if (as == NULL) {
        return ERR_FAULT;
    }
    char *out = dst;
    while (n > 0) {
        size_t chunk = PAGE_SIZE - (src - pg_round_down(src));
        chunk = chunk < n ? chunk : n;
        char *from;
        sleeplock_acquire(&as->lock);
        err_t err = user_page(as, src, false, &from);
        if (err == ERR_OK) {
            memcpy(out, from, chunk);
        }
        sleeplock_release(&as->lock);
        if (err != ERR_OK) {
            return err;
        }
        out += chunk;
        src += chunk;
        n -= chunk;
    }
    return ERR_OK;
}

err_t copyout(vaddr_t dst, const void *src, size_t n)
{
    if (range_wraps(dst, n)) {
        return ERR_FAULT;
    }
    struct addrspace *as = as_current();
    if (as == NULL) {
        return ERR_FAULT;
    }
    const char *in = src;
    while (n > 0) {
        size_t chunk = PAGE_SIZE - (dst - pg_round_down(dst));
        chunk = chunk < n ? chunk : n;
        char *to;
        sleeplock_acquire(&as->lock);
        err_t err = user_page(as, dst, true, &to);
        if (err == ERR_OK) {
            memcpy(to, in, chunk);
        }
        sleeplock_release(&as->lock);
        if (err != ERR_OK) {
            return err;
        }
        in += chunk;
        dst += chunk;
        n -= chunk;
    }
    return ERR_OK;
}

err_t copyinstr(char *dst, vaddr_t src, size_t max, size_t *len)
{
    if (max == 0) {
        return ERR_TOOLONG;
    }
    struct addrspace *as = as_current();
    if (as == NULL) {
        dst[0] = '\0';
        return ERR_FAULT;
    }
    size_t copied = 0;
    while (copied < max) {
        char *from;
        sleeplock_acquire(&as->lock);
        err_t err = user_page(as, src, false, &from);
        if (err != ERR_OK) {
            sleeplock_release(&as->lock);
            dst[copied] = '\0';
            return err;
        }
        size_t room = PAGE_SIZE - (src - pg_round_down(src));
        bool ended = false;
        for (size_t i = 0; i < room && copied < max && !ended; i++) {
            dst[copied] = from[i];
            ended = from[i] == '\0';
            copied += !ended;
        }
        sleeplock_release(&as->lock);
        if (ended) {
            if (len != NULL) {
                *len = copied;
            }
            return ERR_OK;
        }
        src += room;
    }
    dst[max - 1] = '\0';
    return ERR_TOOLONG;
}
