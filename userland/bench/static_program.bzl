"""static_program: a cc_binary built for the bare x86_64 platform, as a
static ELF64 executable without debug sections.

    cc_binary(
        name = "forkbench_linux_linked",
        srcs = [...],
        features = ["-kernel_code_model"],   # user code: small code model, red zone
        target_compatible_with = ["@platforms//os:none"],
    )
    static_program(
        name = "forkbench_linux",
        binary = ":forkbench_linux_linked",
    )

The binary reaches //platforms:x86_64_bare through bare_transition, so no
--platforms flag is needed. The bare toolchain compiles freestanding code
(no libc, no SSE) and links with -nostdlib -static: the result runs on any
x86_64 kernel whose system calls it makes itself. forkbench uses it for its
Linux build (raw Linux system calls, the /init of the benchmark initramfs).

Output: <name>, the stripped executable.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")
load("//platforms:bare_transition.bzl", "bare_transition")

def _static_program_impl(ctx):
    linked = ctx.attr.binary[0][DefaultInfo].files.to_list()
    if len(linked) != 1:
        fail("binary must produce exactly one file, got %s" % linked)
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.run(
        executable = find_cpp_toolchain(ctx).objcopy_executable,
        arguments = ["--strip-debug", linked[0].path, out.path],
        inputs = linked,
        outputs = [out],
        mnemonic = "StaticProgramStrip",
        progress_message = "Stripping %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

static_program = rule(
    implementation = _static_program_impl,
    attrs = {
        "binary": attr.label(
            mandatory = True,
            cfg = bare_transition,
            doc = "The linked program (a cc_binary for the bare platform).",
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
