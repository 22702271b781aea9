// copyin/copyout (see kernel/uaccess.h).
//
// Each user page is translated through the process's page table and
// accessed through the direct map; the kernel never dereferences a user
// address. A page that is absent or read-only where the copy needs to write
// goes through pgfault_resolve first, exactly as the user's own access would.

#include "kernel/uaccess.h"

#include <stdbool.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/lib/string.h"
#include "kernel/mm/vm.h"
#include "kernel/pgfault.h"

// The kernel address of user address va, valid up to the end of its page,
// after making the page accessible for reading (or writing). ERR_FAULT or
// ERR_NOMEM.
static err_t user_page(struct addrspace *as, vaddr_t va, bool write, char **kaddr)
{
    if (as == NULL || va >= VPMAP_USER_TOP) {
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
    char *out = dst;
    while (n > 0) {
        size_t chunk = PAGE_SIZE - (src - pg_round_down(src));
        chunk = chunk < n ? chunk : n;
        char *from;
        err_t err = user_page(as, src, false, &from);
        if (err != ERR_OK) {
            return err;
        }
        memcpy(out, from, chunk);
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
    const char *in = src;
    while (n > 0) {
        size_t chunk = PAGE_SIZE - (dst - pg_round_down(dst));
        chunk = chunk < n ? chunk : n;
        char *to;
        err_t err = user_page(as, dst, true, &to);
        if (err != ERR_OK) {
            return err;
        }
        memcpy(to, in, chunk);
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
    size_t copied = 0;
    while (copied < max) {
        char *from;
        err_t err = user_page(as, src, false, &from);
        if (err != ERR_OK) {
            dst[copied] = '\0';
            return err;
        }
        size_t room = PAGE_SIZE - (src - pg_round_down(src));
        for (size_t i = 0; i < room && copied < max; i++) {
            dst[copied] = from[i];
            if (from[i] == '\0') {
                if (len != NULL) {
                    *len = copied;
                }
                return ERR_OK;
            }
            copied++;
        }
        src += room;
    }
    dst[max - 1] = '\0';
    return ERR_TOOLONG;
}
