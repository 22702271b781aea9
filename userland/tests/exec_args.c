// exec_args: prints its argument count and each argument, one per line:
//
//   argc=3
//   argv[0]=exec_args
//   argv[1]=one
//   argv[2]=two words
//
// and checks that argv[argc] is NULL and that %rsp was 16-byte aligned at
// _start (seen here as a 16-byte aligned local of a 16-byte aligned type),
// exiting 1 with a message if not. For tests of exec with arguments.

#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    _Alignas(16) char probe[16];
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    if (argv[argc] != NULL) {
        fprintf(stderr, "exec_args: argv[%d] is not NULL\n", argc);
        return 1;
    }
    if ((uintptr_t)probe % 16 != 0) {
        fprintf(stderr, "exec_args: stack not 16-byte aligned\n");
        return 1;
    }
    return 0;
}
