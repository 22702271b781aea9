// The line discipline (see ldisc.h).

#include "kernel/fs/ldisc.h"

#include "arch/console.h"
#include "kernel/panic.h"

void ldisc_init(struct ldisc *ld)
{
    ld->r = ld->w = ld->e = 0;
}

static char *slot(struct ldisc *ld, size_t position)
{
    return &ld->buf[position % LDISC_SIZE];
}

static void echo(const char *s)
{
    while (*s != '\0') {
        console_putc(*s++);
    }
}

// Ends the line being edited with `mark` ('\n' or LDISC_EOF). Uses the byte
// ordinary input leaves free, so it fails only when finished lines fill the
// whole buffer.
static bool finish_line(struct ldisc *ld, char mark)
{
    if (ld->e - ld->r >= LDISC_SIZE) {
        echo("\a");
        return false;
    }
    *slot(ld, ld->e++) = mark;
    ld->w = ld->e;
    if (mark == '\n') {
        echo("\n");
    }
    return true;
}

bool ldisc_input(struct ldisc *ld, char c)
{
    switch (c) {
    case '\r':
    case '\n':
        return finish_line(ld, '\n');
    case LDISC_EOF:
        return finish_line(ld, LDISC_EOF);
    case LDISC_BACKSPACE:
    case LDISC_DEL:
        if (ld->e > ld->w) {
            ld->e--;
            echo("\b \b");
        }
        return false;
    default:
        if (ld->e - ld->r >= LDISC_SIZE - 1) {
            echo("\a");  // full: dropped
            return false;
        }
        *slot(ld, ld->e++) = c;
        console_putc(c);
        return false;
    }
}

bool ldisc_read(struct ldisc *ld, char *buf, size_t n, size_t *count)
{
    kassert(n > 0);
    if (ld->r == ld->w) {
        return false;
    }
    size_t got = 0;
    while (got < n && ld->r < ld->w) {
        char c = *slot(ld, ld->r);
        ld->r++;
        if (c == LDISC_EOF) {
            break;  // the end of a line handed over as it was (or of the input, if got == 0)
        }
        buf[got++] = c;
        if (c == '\n') {
            break;
        }
    }
    // A read that took exactly the bytes before a Ctrl-D mark takes the mark
    // too: it ended this line, and left in place it would read as an end of
    // file next time.
    if (got == n && buf[got - 1] != '\n' && ld->r < ld->w && *slot(ld, ld->r) == LDISC_EOF) {
        ld->r++;
    }
    *count = got;
    return true;
}
