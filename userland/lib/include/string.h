#pragma once

// The C library's string and memory functions: the kernel's freestanding
// implementations (kernel/lib/string.c), built for user space.
// memset memcpy memmove memcmp strlen strnlen strcmp strncmp strchr

#include "kernel/lib/string.h"
