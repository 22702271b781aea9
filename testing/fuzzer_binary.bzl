"""fuzzer_binary: a libFuzzer executable, built with the toolchain's `fuzzer` feature.

`binary` is a cc_binary whose sources define LLVMFuzzerTestOneInput. This rule
builds it, and everything it depends on, with `--features=fuzzer` added by a
configuration transition: every object gets libFuzzer's coverage
instrumentation plus ASan and UBSan, and the link adds libFuzzer's main and the
sanitizer runtimes (platforms/toolchains/BUILD.bazel). The transition gives
those objects their own output directory (`...-ST-<hash>`), so the normal
build of the same libraries is unaffected. Mark the cc_binary
`tags = ["manual"]`: built without the feature it has no main and cannot link.

The result is the fuzzer executable itself: `bazel run` takes libFuzzer's
flags (`-runs=N`, `-max_total_time=S`, corpus directories, a crash file to
reproduce). testing/fuzzer_test.bzl wraps it in a bounded test.
"""

def _fuzzer_transition_impl(settings, _attr):
    features = settings["//command_line_option:features"]
    if "fuzzer" in features:
        return {"//command_line_option:features": features}
    return {"//command_line_option:features": features + ["fuzzer"]}

_fuzzer_transition = transition(
    implementation = _fuzzer_transition_impl,
    inputs = ["//command_line_option:features"],
    outputs = ["//command_line_option:features"],
)

def _fuzzer_binary_impl(ctx):
    binary = ctx.attr.binary[0][DefaultInfo]
    executable = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(
        output = executable,
        target_file = binary.files_to_run.executable,
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [executable]).merge(binary.default_runfiles)
    return [DefaultInfo(
        executable = executable,
        files = depset([executable]),
        runfiles = runfiles,
    )]

fuzzer_binary = rule(
    implementation = _fuzzer_binary_impl,
    executable = True,
    attrs = {
        "binary": attr.label(
            doc = "The cc_binary defining LLVMFuzzerTestOneInput (tagged manual).",
            cfg = _fuzzer_transition,
            executable = True,
            mandatory = True,
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
