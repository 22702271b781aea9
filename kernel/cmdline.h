#pragma once

// The kernel command line: "key=value flag key2=value2".
//
// The boot loader hands the kernel one string (boot_info->cmdline). It is a
// list of words separated by spaces or tabs; a word is either a flag ("quiet")
// or a key and a value joined by the first '=' ("selftest=timer"). Everything
// after that '=' is the value, '=' included ("a=b=c" gives key "a", value
// "b=c"); "key=" gives the empty value.
//
// Limits, chosen so that parsing never allocates:
//  - The words, each with a terminating NUL, must fit in CMDLINE_MAX_LEN bytes
//    (so a single-spaced line of up to CMDLINE_MAX_LEN - 1 characters always
//    fits). A longer line is cut before the first word that does not fit,
//    never in the middle of a word, and a boot message says what was dropped.
//  - CMDLINE_MAX_WORDS words are kept; later words are dropped, with a boot
//    message.
//
// Not supported, on purpose: quoting and escapes. `msg="a b"` is the word
// `msg="a` (key msg, value `"a`) followed by the flag `b"`. Values cannot
// contain spaces.
//
// Repeated keys: the last one wins, so a later word overrides an earlier one.
//
// A lone "--" ends the kernel's words: everything after it is init's
// argument list (cmdline_init_args), ignored by cmdline_get and cmdline_has.
// "selftest=mm -- forktest 3" runs the self-test and starts init with the
// arguments "forktest" and "3".
//
// cmdline_init runs once at boot, before anything else reads the command line
// and with interrupts off; afterwards the parsed line never changes, so
// readers need no lock. Strings returned point into a static copy and stay
// valid until the next cmdline_init (which only tests call).

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CMDLINE_MAX_LEN   256  // bytes for the words, their NULs included
#define CMDLINE_MAX_WORDS 32

// Parses `cmdline` (NUL-terminated; NULL counts as empty), replacing what an
// earlier call parsed. Input beyond the limits above is dropped with a message
// on the console.
void cmdline_init(const char *cmdline);

// Value of the last word "key=value" whose key is `key`, or NULL when there is
// none. A bare flag `key` (no '=') does not count: it has no value.
const char *cmdline_get(const char *key);

// True when the bare word `flag` (no '=') is on the command line. A word
// "flag=value" does not count: use cmdline_get for those.
bool cmdline_has(const char *flag);

// Stores in argv[0..) the words after the first "--", at most max of them,
// and returns how many. The strings stay valid as cmdline_get's do.
int cmdline_init_args(const char **argv, int max);

#ifdef __cplusplus
}
#endif
