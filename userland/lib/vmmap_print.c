// vmmap_print (see <osv.h>).

#include <osv.h>
#include <stdio.h>

void vmmap_print(const struct osv_vmmap_entry *records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct osv_vmmap_entry *e = &records[i];
        char perm[4];
        osv_vmmap_perm_string(e->perm, perm);
        if (e->type == OSV_VMMAP_REGION) {
            printf("region 0x%lx-0x%lx %s %s %lu/%lu pages\n", e->start, e->end, perm,
                   osv_vmmap_kind_name(e->kind), e->pages,
                   (uint64_t)((e->end - e->start) / USER_PAGE_SIZE));
        } else {
            printf("  page 0x%lx %s refs %lu %s -> frame 0x%lx%s\n", e->start, perm, e->refs,
                   osv_vmmap_sharing_name(e->sharing), e->frame,
                   e->kind == OSV_VMMAP_NOKIND ? " (in no region)" : "");
        }
    }
}
