"""fuzzer_test: a libFuzzer target and a bounded run of it as a test.

    fuzzer_test(
        name = "elf_fuzzer",
        srcs = ["elf_fuzzer.cc"],
        deps = [":elf"],
        corpus = [...],   # committed seed inputs
        runs = 50000,
    )

makes three targets:
  <name>_bin   the cc_binary (tagged manual: it links only with the fuzzer feature);
  <name>       the fuzzer (fuzzer_binary): `bazel run //pkg:<name> -- -max_total_time=600 DIR`
               for long runs;
  <name>_test  a test that copies the corpus to a scratch directory, runs every seed
               and then `runs` mutations with a fixed seed (-seed=1), and fails on any
               crash, sanitizer report, leak or timeout; crash inputs are kept in the
               test's undeclared outputs (bazel-testlogs/.../test.outputs/).

Host only: the cc_binary carries target_compatible_with = Linux (libFuzzer and
the sanitizer runtimes are the host's); the fuzzer and the test inherit it.
"""

load(":fuzzer_binary.bzl", "fuzzer_binary")

def fuzzer_test(name, srcs, deps, corpus, runs, size = "small", tags = [], **kwargs):
    native.cc_binary(
        name = name + "_bin",
        srcs = srcs,
        deps = deps,
        tags = ["manual"],
        target_compatible_with = ["@platforms//os:linux"],
        testonly = True,
        **kwargs
    )
    fuzzer_binary(
        name = name,
        binary = ":" + name + "_bin",
        testonly = True,
    )
    native.sh_test(
        name = name + "_test",
        size = size,
        srcs = ["//testing:fuzzer_runner.sh"],
        args = [
            "$(rootpath :%s)" % name,
            str(runs),
        ] + ["$(rootpath %s)" % c for c in corpus],
        data = [":" + name] + corpus,
        tags = tags + ["fuzzer"],
    )
