// sbrkhog: takes all the memory there is.
//
//   sbrkhog STEP
//
// Grows its heap STEP pages at a time with sbrk and writes a byte in every
// new page, until the kernel kills it for lack of memory ("out of memory"
// on the console, EXIT_STATUS_KILLED for its parent) or sbrk fails: then it
// prints "sbrkhog: sbrk failed after N pages: ERR_X" and exits 3. Prints
// "sbrkhog: N pages" every 1024 pages. Exit status 2 for bad arguments.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PAGE 4096

int main(int argc, char **argv)
{
    int step = argc == 2 ? atoi(argv[1]) : 0;
    if (step < 1 || step > 1024) {
        fprintf(stderr, "usage: sbrkhog STEP\n");
        return 2;
    }
    printf("sbrkhog: growing by %d pages at a time\n", step);
    for (uint64_t pages = 0;;) {
        int64_t old = osv_syscall(SYS_SBRK, (uint64_t)step * PAGE, 0, 0, 0, 0, 0);
        if (old < 0) {
            printf("sbrkhog: sbrk failed after %lu pages: %s\n", (unsigned long)pages,
                   err_name((err_t)old));
            return 3;
        }
        for (int i = 0; i < step; i++) {
            ((volatile char *)(uintptr_t)old)[(uint64_t)i * PAGE] = 1;
            if (++pages % 1024 == 0) {
                printf("sbrkhog: %lu pages\n", (unsigned long)pages);
            }
        }
    }
}
