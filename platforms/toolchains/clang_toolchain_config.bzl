"""clang_toolchain_config: a clang-19/lld-19 C and C++ toolchain description.

One rule serves both platforms; the BUILD file gives each its flags. The
compiler is reached through the `clang` wrapper beside this file, which stops
the build with one line naming the Debian package when clang-19 is missing.

Every flag that could leak the checkout's absolute path or the time of day
into an output is neutralised here, so outputs are byte-identical across
machines and a remote cache can share them.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    "with_feature_set",
)

_C_COMPILE = [ACTION_NAMES.c_compile]

_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
]

_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE + [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
]

_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

# Flags that make outputs independent of where and when they were built.
_REPRODUCIBLE_FLAGS = [
    "-no-canonical-prefixes",
    "-ffile-compilation-dir=.",
    "-Wno-builtin-macro-redefined",
    "-D__DATE__=\"redacted\"",
    "-D__TIMESTAMP__=\"redacted\"",
    "-D__TIME__=\"redacted\"",
]

def _flags_feature(name, actions, flags, enabled = True, with_features = []):
    return feature(
        name = name,
        enabled = enabled,
        flag_sets = [flag_set(
            actions = actions,
            flag_groups = [flag_group(flags = flags)],
            with_features = with_features,
        )] if flags else [],
    )

def _impl(ctx):
    triple = ["--target=" + ctx.attr.target_triple]
    features = [
        feature(name = "supports_pic", enabled = ctx.attr.supports_pic),
        feature(name = "opt"),
        feature(name = "dbg"),
        feature(name = "fastbuild"),
        _flags_feature(
            "default_compile_flags",
            _ALL_COMPILE,
            triple + _REPRODUCIBLE_FLAGS + ctx.attr.compile_flags,
        ),
        _flags_feature("default_c_flags", _C_COMPILE, ctx.attr.c_flags),
        _flags_feature("default_cxx_flags", _CXX_COMPILE, ctx.attr.cxx_flags),
        feature(
            name = "compilation_mode_flags",
            enabled = True,
            flag_sets = [
                flag_set(
                    actions = _ALL_COMPILE,
                    flag_groups = [flag_group(flags = ctx.attr.opt_flags)],
                    with_features = [with_feature_set(features = ["opt"])],
                ),
                flag_set(
                    actions = _ALL_COMPILE,
                    flag_groups = [flag_group(flags = ctx.attr.dbg_flags)],
                    with_features = [with_feature_set(features = ["dbg"])],
                ),
                flag_set(
                    actions = _ALL_COMPILE,
                    flag_groups = [flag_group(flags = ctx.attr.fastbuild_flags)],
                    with_features = [with_feature_set(features = ["fastbuild"])],
                ),
            ],
        ),
        _flags_feature(
            "default_link_flags",
            _LINK,
            ["--target=" + (ctx.attr.link_triple or ctx.attr.target_triple)] + ctx.attr.link_flags,
        ),
    ]

    # Named flag groups that a target may turn off (features = ["-name"]).
    for name, flags in ctx.attr.default_on_features.items():
        features.append(_flags_feature(name, _ALL_COMPILE, flags))

    # Named flag groups that a build turns on (--features=name, or a
    # transition that adds the name), e.g. sanitizers: flags for compiling
    # and linking, plus flags for compiling only and for linking only.
    optional = ctx.attr.optional_features
    compile_only = ctx.attr.optional_feature_compile_flags
    link_only = ctx.attr.optional_feature_link_flags
    for name in compile_only.keys() + link_only.keys():
        if name not in optional:
            fail("optional feature %s has extra flags but is not in optional_features" % name)
    for name, flags in optional.items():
        flag_sets = [flag_set(
            actions = _ALL_COMPILE + _LINK,
            flag_groups = [flag_group(flags = flags)],
        )]
        if compile_only.get(name):
            flag_sets.append(flag_set(
                actions = _ALL_COMPILE,
                flag_groups = [flag_group(flags = compile_only[name])],
            ))
        if link_only.get(name):
            flag_sets.append(flag_set(
                actions = _LINK,
                flag_groups = [flag_group(flags = link_only[name])],
            ))
        features.append(feature(name = name, flag_sets = flag_sets))

    tools = ctx.attr.tools
    tool_paths = [
        tool_path(name = "gcc", path = tools["clang"]),
        tool_path(name = "cpp", path = tools["clang"]),
        tool_path(name = "ld", path = tools["ld"]),
        tool_path(name = "ar", path = tools["ar"]),
        tool_path(name = "nm", path = tools["nm"]),
        tool_path(name = "objcopy", path = tools["objcopy"]),
        tool_path(name = "objdump", path = tools["objdump"]),
        tool_path(name = "strip", path = tools["strip"]),
        tool_path(name = "gcov", path = tools["gcov"]),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = ctx.attr.toolchain_identifier,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = ctx.attr.target_triple,
        target_cpu = "x86_64",
        target_libc = ctx.attr.target_libc,
        compiler = "clang",
        abi_version = "local",
        abi_libc_version = "local",
        cxx_builtin_include_directories = ctx.attr.builtin_include_directories,
        tool_paths = tool_paths,
        features = features,
    )

clang_toolchain_config = rule(
    implementation = _impl,
    provides = [CcToolchainConfigInfo],
    attrs = {
        "builtin_include_directories": attr.string_list(
            doc = "System include directories the compiler searches on its own.",
        ),
        "c_flags": attr.string_list(doc = "Flags for C compiles only."),
        "compile_flags": attr.string_list(
            doc = "Flags for every compile (C, C++, assembly).",
        ),
        "cxx_flags": attr.string_list(doc = "Flags for C++ compiles only."),
        "dbg_flags": attr.string_list(doc = "Compile flags under -c dbg."),
        "default_on_features": attr.string_list_dict(
            doc = "Features enabled by default that targets may disable: name -> compile flags.",
        ),
        "fastbuild_flags": attr.string_list(doc = "Compile flags under -c fastbuild (the default)."),
        "link_flags": attr.string_list(doc = "Flags for every link."),
        "link_triple": attr.string(
            doc = "Triple the link step's driver runs as, when not target_triple.",
        ),
        "opt_flags": attr.string_list(doc = "Compile flags under -c opt."),
        "optional_feature_compile_flags": attr.string_list_dict(
            doc = "Extra compile-only flags of optional features: name -> flags.",
        ),
        "optional_feature_link_flags": attr.string_list_dict(
            doc = "Extra link-only flags of optional features: name -> flags.",
        ),
        "optional_features": attr.string_list_dict(
            doc = "Features a build may enable with --features: name -> compile and link flags.",
        ),
        "supports_pic": attr.bool(default = False),
        "target_libc": attr.string(mandatory = True),
        "target_triple": attr.string(mandatory = True),
        "toolchain_identifier": attr.string(mandatory = True),
        "tools": attr.string_dict(
            mandatory = True,
            doc = "Paths of clang, ld, ar, nm, objcopy, objdump, strip and gcov.",
        ),
    },
)
