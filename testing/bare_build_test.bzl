"""bare_build_test: a test that passes when its targets build for the bare machine.

A bare-only library that the kernel image does not link yet (it waits for
code on another branch) would otherwise be skipped by `bazel test //...`,
which builds for the host: nothing would ever compile it. This rule builds
`targets` for //platforms:x86_64_bare through the bare transition; the test
itself only reports what was built. Once the kernel image links a library,
its bare_build_test can go.
"""

load("//platforms:bare_transition.bzl", "bare_transition")

def _bare_build_test_impl(ctx):
    built = depset(transitive = [t[DefaultInfo].files for t in ctx.attr.targets])
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = "#!/usr/bin/env bash\necho 'built for x86_64_bare: {}'\n".format(
            " ".join([str(t.label) for t in ctx.attr.targets]),
        ),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(transitive_files = built),
    )]

bare_build_test = rule(
    implementation = _bare_build_test_impl,
    test = True,
    attrs = {
        "targets": attr.label_list(
            mandatory = True,
            cfg = bare_transition,
            doc = "Targets that must build for //platforms:x86_64_bare.",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
