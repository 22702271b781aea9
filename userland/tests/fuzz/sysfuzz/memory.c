// The worker's memory model (memory.h).

#include "userland/tests/fuzz/sysfuzz/memory.h"

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/elf/elf_format.h"

uint64_t heap_start;
uint64_t data_start;
uint64_t data_end;
uint64_t brk_now;

char scratch[4 * PAGE_SIZE];
uint64_t argv_buf[48];
char argstr_buf[3 * PAGE_SIZE];
const char rodata_block[64] = "read-only data: writes here must fail";
volatile uint64_t volatile_zero;
char *stack_scratch;

__attribute__((noinline)) int text_target(int x)
{
    return x * 3 + 1;
}

uint64_t heap_top(void)
{
    return pg_round_up(brk_now);
}

struct uptr at(uint64_t addr, const char *kind)
{
    struct uptr p = {addr, 0, 0, kind};
    uint64_t top = heap_top();
    if (addr >= USER_REGION_MIN && addr < data_start) {
        p.rd = top - addr;  // text and rodata: readable, never writable
    } else if (addr >= data_start && addr < top) {
        p.rd = p.wr = top - addr;
    } else if (addr >= STACK_LO && addr < USTACK_UPPERBOUND) {
        p.rd = p.wr = USTACK_UPPERBOUND - addr;
    }
    return p;
}

int64_t string_at(struct uptr p, uint64_t max, uint64_t *len)
{
    uint64_t limit = p.rd < max ? p.rd : max;
    const volatile char *s = (const volatile char *)(uintptr_t)p.addr;
    for (uint64_t i = 0; i < limit; i++) {
        if (s[i] == '\0') {
            *len = i;
            return 0;
        }
    }
    return p.rd >= max ? ERR_TOOLONG : ERR_FAULT;
}

void read_layout(void)
{
    unsigned char h[512];
    int fd = open("sysfuzz", O_RDONLY);
    size_t got = 0;
    while (fd >= 0 && got < sizeof h) {
        ssize_t n = read(fd, h + got, sizeof h - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    struct elf64_ehdr eh = {0};
    if (got >= sizeof eh) {
        memcpy(&eh, h, sizeof eh);
    }
    struct elf64_phdr ph;
    for (uint16_t i = 0; i < eh.e_phnum && eh.e_phentsize >= sizeof ph &&
                         eh.e_phoff + (i + 1ull) * eh.e_phentsize <= got;
         i++) {
        memcpy(&ph, h + eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof ph);
        if (ph.p_type == ELF_PT_LOAD && (ph.p_flags & ELF_PF_W)) {
            data_start = pg_round_down(ph.p_vaddr);
            data_end = pg_round_up(ph.p_vaddr + ph.p_memsz);
        }
    }
    if (data_start == 0 || data_end != heap_start || (uint64_t)(uintptr_t)scratch < data_start ||
        (uint64_t)(uintptr_t)scratch >= data_end) {
        printf("sysfuzz: FAIL: cannot make out our own layout (data 0x%lx-0x%lx, heap 0x%lx)\n",
               (unsigned long)data_start, (unsigned long)data_end, (unsigned long)heap_start);
        exit(1);
    }
}
