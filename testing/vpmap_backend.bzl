"""Which page table the host tests of the memory-management core run on.

The host build links one implementation of arch/vpmap.h (see //arch:vpmap):
the fake, testing/fake_vpmap.h, by default, so that the fault handler, fork
and the address-space code are judged against a page table known to be
right; or the real x86_64 tables, arch/x86_64/vpmap.c, for integration. The
build setting //testing:vpmap_backend ("fake" or "x86_64") chooses:

    bazel run //kernel/mm:vm_fuzz --//testing:vpmap_backend=x86_64 -- --duration=60

and on_x86_64_tables() makes a test's twin that always runs on the real
tables, next to the test itself, within one `bazel test //...`:

    on_x86_64_tables(name = "vm_test_x86_64", test = ":vm_test")

The twin is the same test binary built once more, in a configuration with
the setting at "x86_64" (in its own output directory), and run as is.
"""

def _vpmap_backend_impl(ctx):
    allowed = ["fake", "x86_64"]
    if ctx.build_setting_value not in allowed:
        fail("--//testing:vpmap_backend: '%s' is not one of %s" % (ctx.build_setting_value, allowed))
    return []

vpmap_backend = rule(
    implementation = _vpmap_backend_impl,
    build_setting = config.string(flag = True),
    doc = "The page table host tests link: 'fake' or 'x86_64'.",
)

def _to_x86_64_tables_impl(_settings, _attr):
    return {"//testing:vpmap_backend": "x86_64"}

_to_x86_64_tables = transition(
    implementation = _to_x86_64_tables_impl,
    inputs = [],
    outputs = ["//testing:vpmap_backend"],
)

def _on_x86_64_tables_impl(ctx):
    test = ctx.attr.test[0]
    binary = test[DefaultInfo].files_to_run.executable
    executable = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = executable, target_file = binary, is_executable = True)
    runfiles = ctx.runfiles(files = [binary]).merge(test[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

_on_x86_64_tables_test = rule(
    implementation = _on_x86_64_tables_impl,
    test = True,
    attrs = {
        "test": attr.label(
            cfg = _to_x86_64_tables,
            executable = True,
            mandatory = True,
            doc = "The test (a cc_test) to run on the real x86_64 tables.",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def on_x86_64_tables(name, test, size = "small", **kwargs):
    """A twin of `test` that runs on the real x86_64 page tables."""
    _on_x86_64_tables_test(name = name, test = test, size = size, **kwargs)
