#include "kernel/mm/mm_selftest.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/kprintf.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"

// Words written into each page: the first links to the previously allocated
// page (the chain needs no memory besides the pages themselves), the second
// and the last hold the page's own address.
#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(uint64_t))
#define NO_PAGE        UINT64_MAX

static size_t test_all_pages(void)
{
    size_t allocated = 0;
    paddr_t head = NO_PAGE;
    paddr_t paddr;
    while (pmem_alloc(&paddr) == ERR_OK) {
        uint64_t *words = kmap_p2v(paddr);
        words[0] = head;
        words[1] = paddr;
        words[WORDS_PER_PAGE - 1] = paddr;
        head = paddr;
        allocated++;
    }
    size_t freed = 0;
    while (head != NO_PAGE) {
        const uint64_t *words = kmap_p2v(head);
        if (words[1] != head || words[WORDS_PER_PAGE - 1] != head) {
            panic("mm_selftest: page 0x%lx does not hold what was written to it", head);
        }
        paddr_t next = words[0];
        pmem_free(head);
        head = next;
        freed++;
    }
    kassert(freed == allocated);
    return allocated;
}

#define BLOCKS_PER_SIZE 64

static unsigned char pattern(const void *block, size_t i)
{
    return (unsigned char)((uintptr_t)block / 16 + i);
}

static size_t test_kmalloc(void)
{
    static const size_t sizes[] = {1, 16, 17, 100, 512, 1000, 1024, 1025, 3000, PAGE_SIZE};
    unsigned char *blocks[BLOCKS_PER_SIZE];
    size_t count = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t size = sizes[s];
        for (size_t b = 0; b < BLOCKS_PER_SIZE; b++) {
            void *block;
            err_t err = kmalloc(size, &block);
            if (err != ERR_OK) {
                panic("mm_selftest: kmalloc(%lu) failed: %s", size, err_name(err));
            }
            blocks[b] = block;
            for (size_t i = 0; i < size; i++) {
                blocks[b][i] = pattern(block, i);
            }
        }
        for (size_t b = 0; b < BLOCKS_PER_SIZE; b++) {
            for (size_t i = 0; i < size; i++) {
                if (blocks[b][i] != pattern(blocks[b], i)) {
                    panic("mm_selftest: kmalloc(%lu) block %p was overwritten at byte %lu", size,
                          (void *)blocks[b], i);
                }
            }
            kfree(blocks[b]);
            count++;
        }
    }
    return count;
}

void mm_selftest(void)
{
    size_t free_before = pmem_free_pages();
    size_t pages = test_all_pages();
    if (pages != free_before) {
        panic("mm_selftest: allocated %lu pages, but %lu were free", pages, free_before);
    }
    size_t blocks = test_kmalloc();
    if (pmem_free_pages() != free_before) {
        panic("mm_selftest: %lu pages free after the test, %lu before", pmem_free_pages(),
              free_before);
    }
    kprintf("mm_selftest: passed (%lu pages written and freed, %lu kmalloc blocks)\n", pages,
            blocks);
}
