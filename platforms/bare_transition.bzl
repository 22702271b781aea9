"""The configuration transition to //platforms:x86_64_bare.

Rules that produce something for the machine itself (the kernel image, user
programs) attach this transition to their dependency attributes. The targets
behind such an attribute are then built for the bare platform in their own
output directory (`...-ST-<hash>`), next to the host build of the same
libraries, within one `bazel test //...`.

A rule using it must also carry the attribute

    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),

as Bazel 4 requires for Starlark transitions.
"""

def _bare_transition_impl(_settings, _attr):
    return {"//command_line_option:platforms": "//platforms:x86_64_bare"}

bare_transition = transition(
    implementation = _bare_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)
