#include "kernel/elf/elf.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/page.h"
#include "kernel/elf/elf_format.h"
#include "kernel/lib/string.h"

// Every number below comes from the file, which may have been made to break
// the loader: sizes are compared by subtraction from a known bound, never by
// adding two untrusted numbers that could wrap around.

// True when [offset, offset + len) lies inside a file of `size` bytes.
static bool inside_file(uint64_t offset, uint64_t len, size_t size)
{
    return offset <= size && len <= size - offset;
}

static err_t check_header(const struct elf64_ehdr *eh, size_t size)
{
    const unsigned char *id = eh->e_ident;
    if (id[ELF_EI_MAG0] != ELF_MAG0 || id[ELF_EI_MAG1] != 'E' || id[ELF_EI_MAG2] != 'L' ||
        id[ELF_EI_MAG3] != 'F') {
        return ERR_NOEXEC;
    }
    if (id[ELF_EI_CLASS] != ELF_CLASS64 || id[ELF_EI_DATA] != ELF_DATA_LSB ||
        id[ELF_EI_VERSION] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT) {
        return ERR_NOEXEC;
    }
    if (eh->e_type != ELF_ET_EXEC || eh->e_machine != ELF_EM_X86_64) {
        return ERR_NOEXEC;
    }
    if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == ELF_PN_XNUM) {
        return ERR_NOEXEC;
    }
    // e_phnum < 2^16 and the entry size is 56, so the product cannot wrap.
    uint64_t table_size = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
    if (!inside_file(eh->e_phoff, table_size, size)) {
        return ERR_NOEXEC;
    }
    return ERR_OK;
}

static memperm_t segment_perm(uint32_t flags)
{
    if (flags & ELF_PF_X) {
        return MEMPERM_URX;
    }
    if (flags & ELF_PF_W) {
        return MEMPERM_URW;
    }
    return MEMPERM_UR;
}

// Checks one non-empty PT_LOAD on its own and describes it in *seg.
static err_t read_segment(const struct elf64_phdr *ph, size_t size, struct elf_segment *seg)
{
    if (ph->p_filesz > ph->p_memsz || !inside_file(ph->p_offset, ph->p_filesz, size)) {
        return ERR_NOEXEC;
    }
    if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X)) {
        return ERR_NOEXEC;
    }
    // ELF_USER_MAX is far below 2^64, so once vaddr is known to be below it
    // the subtraction is the room left, and the segment fits if memsz does.
    if (!pg_aligned(ph->p_vaddr) || ph->p_vaddr < ELF_USER_MIN || ph->p_vaddr >= ELF_USER_MAX ||
        ph->p_memsz > ELF_USER_MAX - ph->p_vaddr) {
        return ERR_NOEXEC;
    }
    seg->vaddr = ph->p_vaddr;
    seg->mem_size = ph->p_memsz;
    seg->file_offset = ph->p_offset;
    seg->file_size = ph->p_filesz;
    seg->perm = segment_perm(ph->p_flags);
    return ERR_OK;
}

// Insertion sort: at most ELF_MAX_SEGMENTS entries, usually three.
static void sort_segments(struct elf_image *image)
{
    for (size_t i = 1; i < image->num_segments; i++) {
        struct elf_segment seg = image->segments[i];
        size_t j = i;
        while (j > 0 && image->segments[j - 1].vaddr > seg.vaddr) {
            image->segments[j] = image->segments[j - 1];
            j--;
        }
        image->segments[j] = seg;
    }
}

// After sorting, each segment must end in a page below the next one's first
// page: otherwise one page would need two permissions (or two contents).
static err_t check_disjoint(const struct elf_image *image)
{
    for (size_t i = 1; i < image->num_segments; i++) {
        const struct elf_segment *prev = &image->segments[i - 1];
        // Cannot wrap: read_segment bounded the end by ELF_USER_MAX, a page
        // boundary far below 2^64.
        vaddr_t prev_end = pg_round_up(prev->vaddr + prev->mem_size);
        if (image->segments[i].vaddr < prev_end) {
            return ERR_NOEXEC;
        }
    }
    return ERR_OK;
}

static bool entry_is_executable(const struct elf_image *image)
{
    for (size_t i = 0; i < image->num_segments; i++) {
        const struct elf_segment *seg = &image->segments[i];
        if (memperm_allows(seg->perm, MEMPERM_EXEC) && image->entry >= seg->vaddr &&
            image->entry - seg->vaddr < seg->mem_size) {
            return true;
        }
    }
    return false;
}

err_t elf_parse(const void *file, size_t size, struct elf_image *image)
{
    const unsigned char *bytes = file;
    struct elf64_ehdr eh;
    if (size < sizeof(eh)) {
        return ERR_NOEXEC;
    }
    memcpy(&eh, bytes, sizeof(eh));
    err_t err = check_header(&eh, size);
    if (err != ERR_OK) {
        return err;
    }

    image->entry = eh.e_entry;
    image->num_segments = 0;
    for (size_t i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, bytes + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type == ELF_PT_INTERP) {
            return ERR_NOEXEC;
        }
        if (ph.p_type != ELF_PT_LOAD) {
            continue;
        }
        if (ph.p_memsz == 0) {
            if (ph.p_filesz != 0) {
                return ERR_NOEXEC;  // file size > memory size
            }
            continue;  // maps nothing
        }
        if (image->num_segments == ELF_MAX_SEGMENTS) {
            return ERR_NOEXEC;
        }
        err = read_segment(&ph, size, &image->segments[image->num_segments]);
        if (err != ERR_OK) {
            return err;
        }
        image->num_segments++;
    }
    if (image->num_segments == 0) {
        return ERR_NOEXEC;
    }

    sort_segments(image);
    err = check_disjoint(image);
    if (err != ERR_OK) {
        return err;
    }
    if (!entry_is_executable(image)) {
        return ERR_NOEXEC;
    }
    return ERR_OK;
}
