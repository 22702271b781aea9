// The host's physical memory arena. See pmem_arena.h for the layout.

#include "testing/pmem_arena.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "arch/page.h"
}

namespace {

struct Arena {
    unsigned char *base = nullptr;
    size_t pages = 0;
    struct boot_info info = {};
};

Arena arena;

constexpr const char kCmdline[] = "arena cmdline";
constexpr const char kModuleName[] = "arena initrd";

paddr_t Page(size_t n)
{
    return n * PAGE_SIZE;
}

void AddRange(struct boot_info *info, paddr_t start, paddr_t end, enum mem_range_type type)
{
    struct mem_range *range = &info->mem_ranges[info->num_mem_ranges++];
    range->start = start;
    range->length = end - start;
    range->type = type;
}

// Copies a string into the arena at `paddr` and returns its host address.
const char *PlaceString(paddr_t paddr, const char *text)
{
    char *dst = reinterpret_cast<char *>(arena.base + paddr);
    std::memcpy(dst, text, std::strlen(text) + 1);
    return dst;
}

}  // namespace

void pmem_arena_create(size_t pages)
{
    if (pages < kPmemArenaMinPages) {
        std::fprintf(stderr, "pmem_arena_create: %zu pages is below the minimum of %zu\n", pages,
                     kPmemArenaMinPages);
        std::abort();
    }
    pmem_arena_destroy();
    arena.base = static_cast<unsigned char *>(std::aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE));
    if (arena.base == nullptr) {
        std::fprintf(stderr, "pmem_arena_create: out of host memory for %zu pages\n", pages);
        std::abort();
    }
    arena.pages = pages;
    std::memset(arena.base, 0xa5, pages * PAGE_SIZE);

    struct boot_info *info = &arena.info;
    *info = boot_info{};
    AddRange(info, 0, Page(4), MEM_USABLE);
    AddRange(info, Page(4), Page(6) + 0x800, MEM_RESERVED);
    AddRange(info, Page(6) + 0x800, Page(pages - 1) + 0x400, MEM_USABLE);
    AddRange(info, Page(pages - 1) + 0x400, Page(pages), MEM_RESERVED);
    AddRange(info, 0xfd00000000, 0xfd00000000 + (1ull << 30), MEM_RESERVED);

    info->kernel_start = Page(8);
    info->kernel_end = Page(11) + 0x123;
    info->cmdline = PlaceString(Page(12) + 0x40, kCmdline);
    info->modules[0].start = Page(13);
    info->modules[0].end = Page(14) + 0x321;
    info->modules[0].name = PlaceString(Page(15) + 0x80, kModuleName);
    info->num_modules = 1;
}

void pmem_arena_destroy(void)
{
    std::free(arena.base);
    arena = Arena{};
}

struct boot_info *pmem_arena_boot_info(void)
{
    return &arena.info;
}

size_t pmem_arena_usable_pages(void)
{
    return arena.pages == 0 ? 0 : arena.pages - 4;
}

size_t pmem_arena_pages(void)
{
    return arena.pages;
}

unsigned char *pmem_arena_base(void)
{
    return arena.base;
}

bool pmem_arena_contains(paddr_t paddr, size_t length)
{
    size_t size = arena.pages * PAGE_SIZE;
    return paddr <= size && length <= size - paddr;
}
