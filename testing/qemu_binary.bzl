"""qemu_binary: `bazel run` target that boots the kernel with the serial
console on the terminal. Arguments after `--` go to testing/qemu_runner.sh:
QEMU options such as `-m 512M -smp 2`, or `--gdb[=PORT]`.
"""

load(":qemu_launcher.bzl", "QEMU_ATTRS", "write_qemu_launcher")

def _qemu_binary_impl(ctx):
    return [write_qemu_launcher(ctx, ["--interactive"])]

qemu_binary = rule(
    implementation = _qemu_binary_impl,
    executable = True,
    attrs = QEMU_ATTRS,
)
