"""initrd: packs user programs (and data files) into a cpio newc archive,
the initrd that qemu_test and qemu_binary hand the kernel as its multiboot
module.

    initrd(
        name = "initrd",
        programs = ["//userland/bin:sh", ...],
        files = ["testdata/lorem.txt"],
    )

Output: <name>.cpio. A program is stored under its user_program name, a
data file under its base name; files come in the order `programs` then
`files` list them (tools/mkinitrd keeps that order, so the archive, and a
directory listing of "/", follow it). Two files with the same name are an
error.
"""

load(":user_program.bzl", "UserProgramInfo")

def _initrd_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".cpio")
    entries = []
    for program in ctx.attr.programs:
        info = program[UserProgramInfo]
        entries.append((info.name, info.elf))
    for f in ctx.files.files:
        entries.append((f.basename, f))

    seen = {}
    for name, f in entries:
        if name in seen:
            fail("two files named '%s' in the initrd: %s and %s" % (name, seen[name].short_path, f.short_path))
        seen[name] = f

    args = ctx.actions.args()
    args.add("-o", out)
    for name, f in entries:
        args.add("%s=%s" % (name, f.path))
    ctx.actions.run(
        executable = ctx.executable._mkinitrd,
        arguments = [args],
        inputs = [f for _, f in entries],
        outputs = [out],
        mnemonic = "Mkinitrd",
        progress_message = "Packing initrd %s (%d files)" % (out.short_path, len(entries)),
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

initrd = rule(
    implementation = _initrd_impl,
    attrs = {
        "files": attr.label_list(
            allow_files = True,
            doc = "Data files, stored under their base names.",
        ),
        "programs": attr.label_list(
            providers = [UserProgramInfo],
            doc = "user_program targets, stored under their names.",
        ),
        "_mkinitrd": attr.label(
            default = "//tools/mkinitrd",
            executable = True,
            cfg = "exec",
        ),
    },
)
