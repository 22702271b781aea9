"""kernel_image: links the kernel for the bare machine and makes it bootable.

The `elf` attribute is built for //platforms:x86_64_bare through a
configuration transition, so `bazel build //:kernel` needs no flags. The rule
outputs two files:

  <name>.elf       the ELF64 kernel as linked, with symbols (for gdb);
  <name>.boot.elf  the same image as 32-bit ELF without debug sections, which
                   QEMU's multiboot loader accepts (it refuses ELF64). objcopy
                   keeps each segment's physical load address, and the loader
                   loads by physical address, so the higher-half kernel boots.

Rules that boot the kernel read both from KernelImageInfo.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")
load("//platforms:bare_transition.bzl", "bare_transition")

KernelImageInfo = provider(
    doc = "A bootable kernel.",
    fields = {
        "boot_image": "File: the image a multiboot loader boots (32-bit ELF).",
        "elf": "File: the ELF64 kernel with symbols, for debuggers.",
    },
)

def _kernel_image_impl(ctx):
    linked = ctx.attr.elf[0][DefaultInfo].files.to_list()
    if len(linked) != 1:
        fail("elf must produce exactly one file, got %s" % linked)

    elf = ctx.actions.declare_file(ctx.label.name + ".elf")
    ctx.actions.symlink(output = elf, target_file = linked[0])

    boot_image = ctx.actions.declare_file(ctx.label.name + ".boot.elf")
    objcopy = find_cpp_toolchain(ctx).objcopy_executable
    ctx.actions.run(
        executable = objcopy,
        arguments = [
            "--output-target=elf32-i386",
            "--strip-debug",
            linked[0].path,
            boot_image.path,
        ],
        inputs = linked,
        outputs = [boot_image],
        mnemonic = "KernelBootImage",
        progress_message = "Making 32-bit boot image %s" % boot_image.short_path,
    )

    files = [boot_image, elf]
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        KernelImageInfo(boot_image = boot_image, elf = elf),
    ]

kernel_image = rule(
    implementation = _kernel_image_impl,
    attrs = {
        "elf": attr.label(
            mandatory = True,
            cfg = bare_transition,
            doc = "The linked kernel (a cc_binary for the bare platform).",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
        "_cc_toolchain": attr.label(
            default = "@bazel_tools//tools/cpp:current_cc_toolchain",
        ),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)
