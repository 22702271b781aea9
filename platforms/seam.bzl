"""seam: one header of the machine seam and the implementation each platform gets.

    seam(
        name = "console",
        hdrs = ["console.h"],
        machine = "//arch/x86_64:serial",
        host = "//testing:fake_console",
    )

declares the library `console_interface` (the header, for implementations
to depend on) and the alias `console` (what portable code depends on), which
is `machine` when building for //platforms:x86_64_bare and `host` otherwise.
Without `host` the seam exists only on the machine (thread switching, kernel
stacks): the alias is then `machine` everywhere, and host targets that reach
it are skipped as incompatible. Without `hdrs` no interface library is made
(the interface lives with its implementations).
"""

def seam(name, machine, host = None, hdrs = None, deps = [], visibility = None):
    if hdrs != None:
        native.cc_library(
            name = name + "_interface",
            hdrs = hdrs,
            deps = deps,
            visibility = visibility,
        )
    native.alias(
        name = name,
        actual = machine if host == None else select({
            "//platforms:bare": machine,
            "//conditions:default": host,
        }),
        visibility = visibility,
    )
