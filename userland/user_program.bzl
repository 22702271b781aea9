"""user_program: a static ELF64 program for osv's user space.

    user_program(
        name = "echo",
        srcs = ["echo.c"],
    )

compiles and links `srcs` with the user C library (//userland/lib:c and
_start from //userland/lib:crt0) and userland/user.ld, for
//platforms:x86_64_bare in the user configuration
(platforms/user_transition.bzl: small code model, red zone allowed; still
no SSE, see userland/README.md). Nobody passes --platforms.

Outputs:
  <name>        the program without debug sections: what the initrd packs
                (its file name in the initrd is <name>);
  <name>.debug  the same program with its debug information, for gdb
                (`add-symbol-file bazel-bin/.../<name>.debug`).

Other rules read both from UserProgramInfo. The macro creates the cc_binary
`<name>_linked` (bare-only, like the C library it links, so host builds
skip it) and the rule `<name>`.
"""

load("//platforms:linked_image.bzl", "LINKED_IMAGE_ATTRS", "keep_with_symbols", "linked_binary", "objcopy")
load("//platforms:user_transition.bzl", "user_transition")

UserProgramInfo = provider(
    doc = "A user program, ready for the initrd.",
    fields = {
        "name": "string: its name in the initrd.",
        "elf": "File: the program, without debug sections.",
        "debug_elf": "File: the program with debug information.",
    },
)

def _user_program_impl(ctx):
    linked = linked_binary(ctx, "binary")
    debug_elf = keep_with_symbols(ctx, linked, ctx.label.name + ".debug")
    elf = objcopy(
        ctx,
        linked,
        ctx.label.name,
        ["--strip-debug"],
        "UserProgramStrip",
        "Stripping user program %s",
    )

    files = [elf, debug_elf]
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        UserProgramInfo(name = ctx.label.name, elf = elf, debug_elf = debug_elf),
    ]

_user_program = rule(
    implementation = _user_program_impl,
    attrs = dict({
        "binary": attr.label(
            mandatory = True,
            cfg = user_transition,
            doc = "The linked program (a cc_binary), built for user space.",
        ),
    }, **LINKED_IMAGE_ATTRS),
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)

def user_program(name, srcs, deps = [], copts = [], visibility = None, **kwargs):
    """A user program: see the file's documentation.

    Args:
      name: the program's name, also its file name in the initrd.
      srcs: its C sources (and private headers).
      deps: libraries besides the C library.
      copts: extra compiler flags.
      visibility: of the program target.
      **kwargs: passed to the rule (tags, testonly, ...).
    """
    native.cc_binary(
        name = name + "_linked",
        srcs = srcs,
        copts = copts,
        additional_linker_inputs = ["//userland:user.ld"],
        linkopts = ["-Wl,-T,$(location //userland:user.ld)"],
        visibility = ["//visibility:private"],
        deps = deps + [
            "//userland/lib:c",
            "//userland/lib:crt0",
        ],
    )
    _user_program(
        name = name,
        binary = ":" + name + "_linked",
        visibility = visibility,
        **kwargs
    )
