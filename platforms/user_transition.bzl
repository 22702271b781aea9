"""The configuration transition to user space: //platforms:x86_64_bare with
the toolchain's `kernel_code_model` feature turned off.

User programs run at ELF_USER_MIN (0x400000), in the small code model, and
may use the red zone: the kernel's `-mcmodel=kernel -mno-red-zone` are wrong
for them. Turning the feature off per target (`features =
["-kernel_code_model"]`) would reach only userland's own targets, not the
shared libraries they link (//kernel/lib:fmt, //kernel/lib:string,
//kernel:err); turning it off in the configuration reaches every library
built for a user program. Those libraries are thus built three times in one
`bazel test //...`: for the host, for the kernel, and for user space, each
in its own output directory.

A rule using it must also carry the attribute

    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),

as Bazel 4 requires for Starlark transitions.
"""

_FEATURES = "//command_line_option:features"

def _user_transition_impl(settings, _attr):
    features = [f for f in settings[_FEATURES] if f not in ("kernel_code_model", "-kernel_code_model")]
    return {
        "//command_line_option:platforms": "//platforms:x86_64_bare",
        _FEATURES: features + ["-kernel_code_model"],
    }

user_transition = transition(
    implementation = _user_transition_impl,
    inputs = [_FEATURES],
    outputs = ["//command_line_option:platforms", _FEATURES],
)
