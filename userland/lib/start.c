// What runs between _start (crt0.S) and main.

#include <stdlib.h>

#include "userland/lib/stdio_internal.h"

int main(int argc, char **argv);

_Noreturn void libc_start(long argc, char **argv);

_Noreturn void libc_start(long argc, char **argv)
{
    stdio_init();
    exit(main((int)argc, argv));
}
