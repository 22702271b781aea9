"""registered_clang_toolchain: a cc_toolchain from a clang_toolchain_config,
plus the `toolchain` that WORKSPACE registers for it.

Both of osv's toolchains run on x86_64 Linux and build for x86_64; they
differ in their config and in the target OS (linux for the host, none for
the bare machine), which is what toolchain resolution picks them by.
"""

def registered_clang_toolchain(name, config, target_os):
    """Declares `<name>_cc` (the cc_toolchain) and `name` (the toolchain).

    Args:
      name: the toolchain target, as WORKSPACE registers it.
      config: a clang_toolchain_config target.
      target_os: the @platforms//os constraint of the platform built for.
    """
    native.cc_toolchain(
        name = name + "_cc",
        # The compiler and archiver wrappers; the other tools are called by
        # absolute path and need no files.
        all_files = ":wrappers",
        ar_files = ":wrappers",
        as_files = ":wrappers",
        compiler_files = ":wrappers",
        dwp_files = ":empty",
        linker_files = ":wrappers",
        objcopy_files = ":empty",
        strip_files = ":empty",
        supports_param_files = True,
        toolchain_config = config,
    )
    native.toolchain(
        name = name,
        exec_compatible_with = [
            "@platforms//cpu:x86_64",
            "@platforms//os:linux",
        ],
        target_compatible_with = [
            "@platforms//cpu:x86_64",
            target_os,
        ],
        toolchain = ":" + name + "_cc",
        toolchain_type = "@bazel_tools//tools/cpp:toolchain_type",
    )
