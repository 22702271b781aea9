"""Helpers shared by rules that turn a linked bare-machine binary into the
files the machine loads: kernel_image (arch/x86_64) and user_program
(userland). Not a rule; each of those rules calls these.

Both rules take the linked binary through a transition attribute, keep it
under their own name with its symbols (for gdb), and derive a loadable
image with llvm-objcopy from the declared C++ toolchain.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

# Attributes every such rule needs besides its transitioned binary: the
# allowlist Bazel 4 requires for Starlark transitions, and the C++ toolchain
# that provides objcopy.
LINKED_IMAGE_ATTRS = {
    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),
    "_cc_toolchain": attr.label(
        default = "@bazel_tools//tools/cpp:current_cc_toolchain",
    ),
}

def linked_binary(ctx, attr_name):
    """The one file the transitioned attribute `attr_name` produces."""
    files = getattr(ctx.attr, attr_name)[0][DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("%s must produce exactly one file, got %s" % (attr_name, files))
    return files[0]

def keep_with_symbols(ctx, linked, name):
    """Declares `name` as a symlink to the linked binary; returns it."""
    out = ctx.actions.declare_file(name)
    ctx.actions.symlink(output = out, target_file = linked)
    return out

def objcopy(ctx, linked, name, flags, mnemonic, progress_message):
    """Runs llvm-objcopy `flags` on the linked binary into `name`; returns it."""
    out = ctx.actions.declare_file(name)
    ctx.actions.run(
        executable = find_cpp_toolchain(ctx).objcopy_executable,
        arguments = flags + [linked.path, out.path],
        inputs = [linked],
        outputs = [out],
        mnemonic = mnemonic,
        progress_message = progress_message % out.short_path,
    )
    return out
