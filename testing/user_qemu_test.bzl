"""user_qemu_test: boots osv and runs one user program as init's child.

    user_qemu_test(
        name = "forktest_qemu_test",
        program = "forktest",          # a program in `initrd`
        args = ["50"],
        expect = ["forktest: PASS"],   # console lines, in order
        initrd = ":initrd",
    )

The kernel command line is `<kernel_args> -- <program> <args...>`: init runs
the program, waits for it, prints "init: <program> exited with status N" and
shuts the machine down, with success only for status 0. So by default the
test passes when the program exits 0 and the expected lines appear; set
`exit_status` for a program expected to fail or be killed (then QEMU exits
65: a failed run).

With `vmcheck = True` (the default) the kernel checks its memory invariants
(kernel/mm/vm_check.h) at every return to user mode from a system call or
a page fault that changed anything, and when idle (with other CPUs busy,
now and then, by stopping them where they rest), and panics on the first
violation; preemption stays as it is. A check walks every page of the machine,
so a test that takes thousands of faults turns it off (`vmcheck = False`)
and says why; the checker then still runs in the tests that do keep it.
"""

load(":qemu_test.bzl", "qemu_test")

def user_qemu_test(
        name,
        program,
        initrd,
        args = [],
        expect = [],
        exit_status = 0,
        kernel_args = [],
        vmcheck = True,
        memory = "128M",
        timeout_seconds = 120,
        **kwargs):
    qemu_test(
        name = name,
        kernel = "//arch/x86_64:kernel",
        initrd = initrd,
        cmdline = " ".join((["vmcheck"] if vmcheck else []) + kernel_args + ["--", program] + args),
        expect = expect + ["init: %s exited with status %d" % (program, exit_status)],
        expect_exit = 33 if exit_status == 0 else 65,
        memory = memory,
        timeout_seconds = timeout_seconds,
        **kwargs
    )
