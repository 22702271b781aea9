#include "kernel/cmdline.h"

#include <stddef.h>

#include "kernel/kprintf.h"
#include "kernel/lib/string.h"

// The kept words, each NUL-terminated, one after the other in `text`.
static char text[CMDLINE_MAX_LEN];
static const char *words[CMDLINE_MAX_WORDS];
static size_t num_words;

static bool is_separator(char c)
{
    return c == ' ' || c == '\t';
}

// Reports the first dropped word, shortened: the rest of the line may be
// long, and the message only has to say where the cut is.
static void report_dropped(const char *word, size_t len)
{
    kprintf("cmdline: ignoring \"%.*s%s\" and everything after it\n", (int)(len > 32 ? 32 : len),
            word, len > 32 ? "..." : "");
}

void cmdline_init(const char *cmdline)
{
    size_t used = 0;
    num_words = 0;
    if (cmdline == NULL) {
        return;
    }
    const char *p = cmdline;
    for (;;) {
        while (is_separator(*p)) {
            p++;
        }
        if (*p == '\0') {
            return;
        }
        size_t len = 0;
        while (p[len] != '\0' && !is_separator(p[len])) {
            len++;
        }
        if (num_words == CMDLINE_MAX_WORDS) {
            kprintf("cmdline: more than %d words\n", CMDLINE_MAX_WORDS);
            report_dropped(p, len);
            return;
        }
        // A word is kept whole or not at all: half a word could turn
        // "selftest=pagefault" into a different, valid setting.
        if (used + len + 1 > CMDLINE_MAX_LEN) {
            kprintf("cmdline: too long: the kernel keeps %d bytes of words\n", CMDLINE_MAX_LEN);
            report_dropped(p, len);
            return;
        }
        memcpy(&text[used], p, len);
        text[used + len] = '\0';
        words[num_words++] = &text[used];
        used += len + 1;
        p += len;
    }
}

// Words before the first "--" are the kernel's; the rest are init's.
static size_t kernel_words(void)
{
    for (size_t i = 0; i < num_words; i++) {
        if (strcmp(words[i], "--") == 0) {
            return i;
        }
    }
    return num_words;
}

const char *cmdline_get(const char *key)
{
    size_t key_len = strlen(key);
    const char *value = NULL;
    for (size_t i = 0; i < kernel_words(); i++) {
        if (strncmp(words[i], key, key_len) == 0 && words[i][key_len] == '=') {
            value = &words[i][key_len + 1];
        }
    }
    return value;
}

bool cmdline_has(const char *flag)
{
    for (size_t i = 0; i < kernel_words(); i++) {
        if (strcmp(words[i], flag) == 0) {
            return true;
        }
    }
    return false;
}

int cmdline_init_args(const char **argv, int max)
{
    int n = 0;
    for (size_t i = kernel_words() + 1; i < num_words && n < max; i++) {
        argv[n++] = words[i];
    }
    return n;
}
