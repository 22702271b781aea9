"""kernel_image: links the kernel for the bare machine and makes it bootable.

The `elf` attribute is built for //platforms:x86_64_bare through a
configuration transition, so `bazel build //:kernel` needs no flags. The rule
outputs two files:

  <name>.elf       the ELF64 kernel as linked, with symbols (for gdb);
  <name>.boot.elf  the same image as 32-bit ELF without debug sections, which
                   QEMU's multiboot loader accepts (it refuses ELF64). objcopy
                   keeps each segment's physical load address, and the loader
                   loads by physical address, so the higher-half kernel boots.

Rules that boot the kernel read both from KernelImageInfo; elsewhere, a
filegroup picks one by its output group, `boot_image` or `elf`.
"""

load("//platforms:bare_transition.bzl", "bare_transition")
load("//platforms:linked_image.bzl", "LINKED_IMAGE_ATTRS", "keep_with_symbols", "linked_binary", "objcopy")

KernelImageInfo = provider(
    doc = "A bootable kernel.",
    fields = {
        "boot_image": "File: the image a multiboot loader boots (32-bit ELF).",
        "elf": "File: the ELF64 kernel with symbols, for debuggers.",
    },
)

def _kernel_image_impl(ctx):
    linked = linked_binary(ctx, "elf")
    elf = keep_with_symbols(ctx, linked, ctx.label.name + ".elf")
    boot_image = objcopy(
        ctx,
        linked,
        ctx.label.name + ".boot.elf",
        ["--output-target=elf32-i386", "--strip-debug"],
        "KernelBootImage",
        "Making 32-bit boot image %s",
    )

    files = [boot_image, elf]
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        KernelImageInfo(boot_image = boot_image, elf = elf),
        OutputGroupInfo(boot_image = depset([boot_image]), elf = depset([elf])),
    ]

kernel_image = rule(
    implementation = _kernel_image_impl,
    attrs = dict({
        "elf": attr.label(
            mandatory = True,
            cfg = bare_transition,
            doc = "The linked kernel (a cc_binary for the bare platform).",
        ),
    }, **LINKED_IMAGE_ATTRS),
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)
