// The program loader (see kernel/exec.h).

#include "kernel/exec.h"

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/elf/elf.h"
#include "kernel/fs/initrd.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/syscall_abi.h"

// Maps the page at va of segment `seg`: the file's bytes that fall into it,
// zeros after them.
static err_t load_page(struct addrspace *as, const struct elf_segment *seg, const char *file,
                       vaddr_t va)
{
    vaddr_t file_end = seg->vaddr + seg->file_size;
    size_t n = 0;
    if (va < file_end) {
        n = file_end - va < PAGE_SIZE ? file_end - va : PAGE_SIZE;
    }
    return as_map_page(as, va, file + seg->file_offset + (va - seg->vaddr), n);
}

static err_t load_segment(struct addrspace *as, const struct elf_segment *seg, const char *file)
{
    size_t size = pg_round_up(seg->mem_size);
    enum memregion_kind kind = (seg->perm & MEMPERM_EXEC) ? MEMREGION_CODE : MEMREGION_DATA;
    err_t err = as_map_memregion(as, seg->vaddr, size, seg->perm, kind, NULL);
    if (err != ERR_OK) {
        return err;
    }
    // Pages past the file's bytes of a writable segment (bss) come on demand.
    vaddr_t eager_end =
        (seg->perm & MEMPERM_WRITE) ? pg_round_up(seg->vaddr + seg->file_size) : seg->vaddr + size;
    for (vaddr_t va = seg->vaddr; va < eager_end; va += PAGE_SIZE) {
        err = load_page(as, seg, file, va);
        if (err != ERR_OK) {
            return err;
        }
    }
    return ERR_OK;
}

// Writes argc, argv and the strings into the stack's top page (see exec.h).
static void push_arguments(struct addrspace *as, int argc, const char *const argv[],
                           vaddr_t *stack_pointer)
{
    vaddr_t page_va = USTACK_UPPERBOUND - PAGE_SIZE;
    paddr_t paddr;
    err_t err = vpmap_lookup_vaddr(as->vpmap, page_va, &paddr, NULL);
    kassert(err == ERR_OK);  // as_map_stack mapped it
    char *page = kmap_p2v(paddr);

    uint64_t user_argv[EXEC_MAX_ARGS + 1];
    size_t offset = PAGE_SIZE;
    for (int i = argc - 1; i >= 0; i--) {
        size_t len = strlen(argv[i]) + 1;
        offset -= len;
        memcpy(page + offset, argv[i], len);
        user_argv[i] = page_va + offset;
    }
    user_argv[argc] = 0;
    size_t words = 1 + (size_t)argc + 1;
    offset = (offset - words * sizeof(uint64_t)) & ~(size_t)15;
    uint64_t *slot = (uint64_t *)(page + offset);
    slot[0] = (uint64_t)argc;
    memcpy(&slot[1], user_argv, ((size_t)argc + 1) * sizeof(uint64_t));
    *stack_pointer = page_va + offset;
}

err_t exec_load(const char *path, int argc, const char *const argv[], struct exec_image *image)
{
    struct initrd_file file;
    err_t err = initrd_find(path, &file);
    if (err != ERR_OK) {
        return err;
    }
    return exec_load_image(file.data, file.size, argc, argv, image);
}

err_t exec_load_image(const void *file, size_t size, int argc, const char *const argv[],
                      struct exec_image *image)
{
    size_t arg_bytes = 0;
    if (argc < 0 || argc > EXEC_MAX_ARGS) {
        return ERR_TOOLONG;
    }
    for (int i = 0; i < argc; i++) {
        arg_bytes += strlen(argv[i]) + 1;
    }
    if (arg_bytes > EXEC_MAX_ARG_BYTES) {
        return ERR_TOOLONG;
    }
    struct elf_image elf;
    if (elf_parse(file, size, &elf) != ERR_OK) {
        return ERR_NOEXEC;
    }

    struct addrspace *as;
    err_t err = as_create(&as);
    if (err != ERR_OK) {
        return err;
    }
    vaddr_t top = 0;
    for (size_t i = 0; i < elf.num_segments && err == ERR_OK; i++) {
        const struct elf_segment *seg = &elf.segments[i];
        err = load_segment(as, seg, file);
        vaddr_t end = seg->vaddr + pg_round_up(seg->mem_size);
        top = end > top ? end : top;
    }
    if (err == ERR_OK) {
        err = as_map_heap(as, top);
    }
    if (err == ERR_OK) {
        err = as_map_stack(as);
    }
    if (err != ERR_OK) {
        as_destroy(as);
        // A region elf_parse accepted can still collide with the stack area.
        return err == ERR_NOMEM ? ERR_NOMEM : ERR_NOEXEC;
    }
    push_arguments(as, argc, argv, &image->stack_pointer);
    image->as = as;
    image->entry = elf.entry;
    return ERR_OK;
}
