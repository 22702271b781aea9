"""Shared by qemu_test and qemu_binary: a script that runs qemu_runner.sh.

Not a rule itself; each of the two rules calls write_qemu_launcher.
"""

load("//arch/x86_64:kernel_image.bzl", "KernelImageInfo")

def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

QEMU_ATTRS = {
    "cmdline": attr.string(doc = "Kernel command line."),
    "initrd": attr.label(
        allow_single_file = True,
        doc = "File loaded as the multiboot module (the initrd).",
    ),
    "kernel": attr.label(
        mandatory = True,
        providers = [KernelImageInfo],
        doc = "A kernel_image target.",
    ),
    "memory": attr.string(default = "128M", doc = "Guest RAM, in QEMU's syntax."),
    "cpus": attr.int(default = 1, doc = "Processors QEMU gives the guest (-smp)."),
    "_runner": attr.label(
        default = "//testing:qemu_runner.sh",
        allow_single_file = True,
    ),
    # The host's QEMU and its firmware, so that they are in the test's action
    # key (third_party/qemu/system_qemu.bzl).
    "_qemu": attr.label(
        default = "@system_qemu//:bin/qemu-system-x86_64",
        allow_single_file = True,
    ),
    "_qemu_inputs": attr.label(default = "@system_qemu//:inputs"),
}

def write_qemu_launcher(ctx, runner_args, runner_files = []):
    """Writes the executable for ctx; returns its DefaultInfo.

    Args:
      ctx: the qemu_test or qemu_binary rule context.
      runner_args: qemu_runner.sh options besides image, initrd, cmdline, memory.
      runner_files: files that runner_args name, needed at run time.
    """
    kernel = ctx.attr.kernel[KernelImageInfo]
    files = [ctx.file._runner, ctx.file._qemu, kernel.boot_image, kernel.elf] + runner_files
    args = [
        "--qemu=" + ctx.file._qemu.short_path,
        "--image=" + kernel.boot_image.short_path,
        "--elf=" + kernel.elf.short_path,
        "--cmdline=" + ctx.attr.cmdline,
        "--memory=" + ctx.attr.memory,
    ]
    if ctx.attr.cpus != 1:
        # Only when asked: `bazel run //:qemu -- -smp N` must not meet a
        # second -smp.
        args.append("--cpus=%d" % ctx.attr.cpus)
    if ctx.file.initrd:
        files.append(ctx.file.initrd)
        args.append("--initrd=" + ctx.file.initrd.short_path)
    args.extend(runner_args)

    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = "#!/usr/bin/env bash\nexec {runner} {args} \"$@\"\n".format(
            runner = _shell_quote(ctx.file._runner.short_path),
            args = " ".join([_shell_quote(a) for a in args]),
        ),
    )
    return DefaultInfo(
        executable = launcher,
        runfiles = ctx.runfiles(files = files, transitive_files = ctx.attr._qemu_inputs[DefaultInfo].files),
    )
