// The eager fork (see kernel/mm/vm_eager.h).

#include "kernel/mm/vm_eager.h"

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"

// A walk over src's mappings gives each page of a region a private copy in
// dst. Walking the mappings, not the regions' pages, keeps a fork of a huge
// sparse heap as cheap as its mapped pages.
struct eager_copy {
    struct addrspace *dst;
    err_t err;  // the first error; the rest of the walk does nothing
};

static void copy_page(void *ctx, vaddr_t va, paddr_t from, memperm_t perm)
{
    (void)perm;  // the copy gets its region's permission
    struct eager_copy *c = ctx;
    if (c->err != ERR_OK || as_find_memregion(c->dst, va) == NULL) {
        return;
    }
    c->err = as_map_page(c->dst, va, kmap_p2v(from), PAGE_SIZE);
}

err_t as_copy_eager(struct addrspace *src, struct addrspace **out)
{
    struct addrspace *dst;
    err_t err = as_copy_layout(src, &dst);
    if (err != ERR_OK) {
        return err;
    }
    struct eager_copy copy = {.dst = dst, .err = ERR_OK};
    vpmap_for_each_mapping(src->vpmap, copy_page, &copy);
    if (copy.err != ERR_OK) {
        as_destroy(dst);  // frees every copy made
        return copy.err;
    }
    *out = dst;
    return ERR_OK;
}
