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

With `cpus = [1, 4]` the same program also runs on 4 CPUs, as
`forkkill_smp4_qemu_test`, and each run gets its CPU count as the program's
first argument; `cpus = [4]` runs it on 4 CPUs alone. Lines given as
`expect` instead of a file need no `<name>.expected`.
"""

load("//userland:user_program.bzl", "user_program")
load(":user_qemu_test.bzl", "user_qemu_test")

def user_test(name, srcs = None, deps = [], initrd = ":initrd", expect_file = None, cpus = [1], **kwargs):
    """`cpus`: the CPU counts to run the program with, each its own test
    (`<name>_qemu_test` for 1, `<name>_smp<N>_qemu_test` for N). With more
    than one count, the count is also the program's first argument, so that
    it knows what to expect."""
    user_program(
        name = name,
        srcs = srcs if srcs != None else [name + ".c"],
        deps = deps,
    )
    args = kwargs.pop("args", [])
    if expect_file == None and "expect" not in kwargs:
        expect_file = name + ".expected"
    if expect_file != None:
        kwargs["expect_file"] = expect_file
    for n in cpus:
        user_qemu_test(
            name = name + ("_qemu_test" if n == 1 else "_smp%d_qemu_test" % n),
            program = name,
            initrd = initrd,
            cpus = n,
            args = ([str(n)] if len(cpus) > 1 else []) + args,
            **kwargs
        )
