"""qemu_test: a test that boots the kernel under QEMU and reads its console.

Passes when QEMU exits with `expect_exit` (33: the kernel shut down cleanly)
and every line of `expect_file`, then every string in `expect`, appears in
the serial output, in order. An
`input` file is typed into the serial console. The test
log holds the whole serial output and, on failure, the reason. The serial log
is also kept as an undeclared output (bazel-testlogs/.../test.outputs/).

Backtraces the kernel prints (panics, kernel-mode exceptions) are printed
again after the serial output, symbolized to function and file:line with the
kernel's ELF; `expect` strings may match those lines too, after the serial
output's (see qemu_runner.sh, --elf).

Tag: every qemu_test carries the tag `qemu`, so
`bazel test --config=quick //...` skips them.
"""

load(":qemu_launcher.bzl", "QEMU_ATTRS", "write_qemu_launcher")

def _qemu_test_impl(ctx):
    args = ["--timeout=%d" % ctx.attr.timeout_seconds, "--expect-exit=%d" % ctx.attr.expect_exit]
    runner_files = []
    if ctx.file.expect_file:
        args.append("--expect-file=" + ctx.file.expect_file.short_path)
        runner_files.append(ctx.file.expect_file)
    args.extend(["--expect=" + e for e in ctx.attr.expect])
    if ctx.file.input:
        args.append("--input=" + ctx.file.input.short_path)
        runner_files.append(ctx.file.input)
    return [write_qemu_launcher(ctx, args, runner_files)]

_qemu_test = rule(
    implementation = _qemu_test_impl,
    test = True,
    attrs = dict(QEMU_ATTRS, **{
        "expect": attr.string_list(doc = "Texts that must appear in the console output, in order."),
        "expect_exit": attr.int(default = 33, doc = "QEMU's exit status: 33 clean shutdown, 65 failure."),
        "expect_file": attr.label(
            allow_single_file = True,
            doc = "Texts that must appear, one a line ('#' comments and empty lines left " +
                  "out), before those of `expect`.",
        ),
        "input": attr.label(
            allow_single_file = True,
            doc = "Bytes fed to the serial console as if typed (see qemu_runner.sh --input).",
        ),
        "timeout_seconds": attr.int(default = 60, doc = "Wall-clock limit for the boot."),
    }),
)

def qemu_test(name, tags = [], size = "small", **kwargs):
    _qemu_test(
        name = name,
        tags = tags + ["qemu"],
        size = size,
        **kwargs
    )
