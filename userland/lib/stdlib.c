// exit, abort and atoi. malloc and friends are in malloc.c.

#include <stdlib.h>

#include <stdio.h>
#include <unistd.h>

_Noreturn void exit(int status)
{
    fflush(NULL);
    _exit(status);
}

_Noreturn void abort(void)
{
    fflush(NULL);
    kill(getpid());
    // kill of oneself ends the process; if it somehow returned, still die,
    // with a status no exit() gives.
    _exit(255);
}

int atoi(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n') {
        s++;
    }
    int sign = 1;
    if (*s == '-' || *s == '+') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    int value = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        value = value * 10 + (*s - '0');
    }
    return sign * value;
}
