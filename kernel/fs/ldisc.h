#pragma once

// The console's line discipline: turns the bytes a terminal sends, one per
// key, into lines for readers, as a Unix terminal does in canonical mode.
// The user edits a line, and readers see it only once it is finished.
//
// Input, byte by byte (ldisc_input):
//   '\r' or '\n'     Enter: ends the line. Stored as '\n' (terminals send
//                    '\r'), echoed as '\n'.
//   '\b' or DEL      erases the last byte of the line being edited and
//                    echoes "\b \b" (back, blank, back); at the start of a
//                    line it does nothing. Finished lines cannot be edited.
//   Ctrl-D (0x04)    hands the line being edited to readers as it is,
//                    without a newline. At the start of a line that makes an
//                    empty read: end of file. Not echoed, never stored as data.
//   any other byte   appended to the line being edited and echoed.
// Echo goes to the console device (console_putc), as the byte is accepted.
//
// The buffer: LDISC_SIZE bytes hold the finished lines nobody has read yet
// plus the line being edited. A byte that does not fit is dropped, and the
// bell ('\a') is echoed in its place. The last byte is kept for ending a
// line: an ordinary byte is accepted while fewer than LDISC_SIZE - 1 are
// held, Enter and Ctrl-D while fewer than LDISC_SIZE, so a line can always
// be ended once typed; only when finished lines fill the whole buffer is
// Enter dropped too. So the longest line is LDISC_SIZE - 1 bytes before its
// '\n'.
//
// Reading (ldisc_read) takes bytes of finished lines in order, never past the
// end of one line: a read returns at most one line, and a short read leaves
// the rest of that line for the next read.
//
// Pure logic: no lock and no waiting. The console (kernel/fs/console.c) keeps
// one ldisc under its lock, feeds it from the receive interrupt and puts
// readers to sleep while ldisc_read finds nothing; host tests drive it
// directly. A zeroed struct ldisc is empty and ready, as is one after
// ldisc_init.

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LDISC_SIZE 256

#define LDISC_EOF       0x04  // Ctrl-D
#define LDISC_BACKSPACE 0x08
#define LDISC_DEL       0x7F

// The buffer is a ring; the three positions count bytes since the start and
// only grow (a position's slot is its value modulo LDISC_SIZE), with
// r <= w <= e and e - r <= LDISC_SIZE:
//   [r, w)  finished lines, for readers;
//   [w, e)  the line being edited.
// A Ctrl-D is kept in the ring as LDISC_EOF, a mark where a read must stop.
struct ldisc {
    char buf[LDISC_SIZE];
    size_t r;
    size_t w;
    size_t e;
};

void ldisc_init(struct ldisc *ld);

// Takes one byte from the terminal, echoing as described above. Returns true
// when it finished a line (Enter or Ctrl-D): readers may now have something.
bool ldisc_input(struct ldisc *ld, char c);

// Reads from the finished lines into buf, at most n bytes (n > 0) and at most
// up to the end of the first line (its '\n' included, a Ctrl-D mark
// consumed). Returns false when no line is finished (nothing to read yet;
// the caller waits); true otherwise, with *count set to the bytes read,
// which is 0 only at an end of file (a Ctrl-D at the start of a line, which
// is consumed: the next read goes on with the following line).
bool ldisc_read(struct ldisc *ld, char *buf, size_t n, size_t *count);

#ifdef __cplusplus
}
#endif
