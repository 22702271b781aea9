#pragma once

// What the program's start-up code (start.c) needs from stdio.c.

// Chooses stdout's buffering: flushed at each newline when file descriptor
// 1 is the console (or cannot be asked), when the buffer is full otherwise.
// Called once, before main.
void stdio_init(void);
