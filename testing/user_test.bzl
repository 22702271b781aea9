"""user_test: a user test program and the QEMU test that runs it, as a pair.

    user_test(
        name = "forkkill",            # forkkill.c, and forkkill.expected
        deps = [":check"],
        memory = "384M",
        vmcheck = False,
    )

declares the program `forkkill` (user_program, from `srcs`, by default
`<name>.c`) and the test `forkkill_qemu_test` (user_qemu_test), which boots
the kernel with the program as init's child and expects, in order, every
line of `<name>.expected` (empty lines and '#' comments left out), then
init's "init: forkkill exited with status N". The program must also be in
the package's initrd (`initrd`, by default ":initrd"), which lists what the
kernel can run. The expected output lives beside the program, as data, so
that changing what a test prints is one file and a look at its diff.
"""

load("//userland:user_program.bzl", "user_program")
load(":user_qemu_test.bzl", "user_qemu_test")

def user_test(name, srcs = None, deps = [], initrd = ":initrd", expect_file = None, **kwargs):
    user_program(
        name = name,
        srcs = srcs if srcs != None else [name + ".c"],
        deps = deps,
    )
    user_qemu_test(
        name = name + "_qemu_test",
        program = name,
        initrd = initrd,
        expect_file = expect_file if expect_file != None else name + ".expected",
        **kwargs
    )
