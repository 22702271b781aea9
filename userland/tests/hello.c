// hello: the smallest user program. Prints one line and exits 0: the first
// test that exec, the entry layout, write and exit work.

#include <stdio.h>

int main(void)
{
    printf("hello from user space\n");
    return 0;
}
