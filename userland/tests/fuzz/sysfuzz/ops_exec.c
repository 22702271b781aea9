// exec: what sys_exec makes of a path and an argv, predicted, then tried in a child (ops.h).

#include "userland/tests/fuzz/sysfuzz/ops.h"

#include <osv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/cmdline.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/initrd_files.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

void op_exec(void)
{
    if (brk_now == heap_start && chance(50)) {
        model_sbrk((int64_t)PAGE_SIZE, "room for exec's arguments");
    }
    struct uptr path = gen_path();
    if (chance(25)) {
        char *s = scratch + 3 * PAGE_SIZE;
        const char *name = chance(70) ? "sysfuzz" : "notelf.txt";
        memcpy(s, name, strlen(name) + 1);
        path = at((uint64_t)(uintptr_t)s, "path");
    }
    // argv: NULL, a bad pointer, or an array of slots.
    uint64_t argv = 0;
    const char *argv_kind = "argv NULL";
    uint64_t choice = below(10);
    if (choice == 1) {
        struct uptr a = gen_ptr(8);
        argv = a.addr;
        argv_kind = a.kind;
    } else if (choice >= 2) {
        int n = chance(10) ? EXEC_MAX_ARGS - 1 + (int)below(4) : (int)below(6);
        char *strs = argstr_buf;
        uint64_t *slots = argv_buf;
        bool at_heap_end = choice == 9 && brk_now > heap_start;
        if (at_heap_end) {
            // The array runs into the unmapped page after the heap.
            uint64_t top = heap_top();
            n = n < (int)((top - heap_start) / 8) ? n : (int)((top - heap_start) / 8);
            slots = (uint64_t *)(uintptr_t)(top - 8 * (uint64_t)n);
        }
        for (int i = 0; i < n; i++) {
            uint64_t kind = below(10);
            if (kind == 0) {
                slots[i] = gen_ptr(8).addr;
            } else {
                // Letters only: never a number, so sysfuzz rejects them.
                size_t len = kind == 1 ? 600 + below(500) : 1 + below(12);
                for (size_t j = 0; j < len; j++) {
                    strs[j] = (char)('a' + below(26));
                }
                strs[len] = '\0';
                slots[i] = (uint64_t)(uintptr_t)strs;
                strs += len + 1;
                if (strs > argstr_buf + sizeof argstr_buf - 1200) {
                    strs = argstr_buf;
                }
            }
        }
        if (!at_heap_end) {
            slots[n] = 0;
        }
        argv = (uint64_t)(uintptr_t)slots;
        argv_kind = at_heap_end ? "argv runs off the heap" : "argv";
    }

    // Predict.
    uint64_t len;
    int64_t err = string_at(path, PATH_MAX_BYTES, &len);
    int argc = 0;
    if (err == 0 && argv == 0) {
        argc = 1;
    }
    uint64_t args[3] = {0, 0, 0};  // the first three strings
    uint64_t used = 0;
    for (uint64_t slot = argv; err == 0 && slot != 0; slot += 8) {
        struct uptr s = at(slot, "slot");
        if (s.rd < 8 || slot + 7 < slot) {
            err = ERR_FAULT;
            break;
        }
        uint64_t value;
        memcpy(&value, (const void *)(uintptr_t)slot, 8);
        if (value == 0) {
            break;
        }
        if (argc == EXEC_MAX_ARGS) {
            err = ERR_TOOLONG;
            break;
        }
        uint64_t slen;
        err = string_at(at(value, "arg"), EXEC_MAX_ARG_BYTES - used, &slen);
        used += slen + 1;
        if (argc < 3) {
            args[argc] = value;
        }
        argc++;
    }
    int expected;
    if (err != 0) {
        expected = ST_EXEC_ERROR_BASE + (int)-err;
    } else {
        int name = lookup((const char *)(uintptr_t)path.addr);
        if (name < 0) {
            expected = ST_EXEC_ERROR_BASE + -ERR_NOENT;
        } else if (strcmp(names[name].s, "notelf.txt") == 0) {
            expected = ST_EXEC_ERROR_BASE + -ERR_NOEXEC;
        } else if (strcmp(names[name].s, "sysfuzz") == 0) {
            // It runs, and must reject its arguments (a real run would
            // outlive the round).
            uint64_t v;
            if ((argc == 3 || argc == 4) &&
                parse_u64((const char *)(uintptr_t)args[1], UINT64_MAX, &v)) {
                return;
            }
            expected = ST_USAGE;
        } else {
            return;  // another program: it could do anything; not this one
        }
    }
    rep.execs++;
    int pid = fork_checked(argv_kind);
    if (pid == 0) {
        osv_syscall(SYS_CLOSE, 1, 0, 0, 0, 0, 0);
        osv_syscall(SYS_CLOSE, 2, 0, 0, 0, 0, 0);
        int64_t r = osv_syscall(SYS_EXEC, path.addr, argv, junk(), junk(), junk(), junk());
        _exit(r < 0 ? ST_EXEC_ERROR_BASE + (int)-r : ST_EXEC_RETURNED);
    }
    if (pid > 0) {
        count_child_call(SYS_EXEC);
        char what[96];
        snprintf(what, sizeof what, "exec (%s, %s, argc %d)", path.kind, argv_kind, argc);
        reap(pid, expected, expected, what);
    }
}
