"""Re-exports Bazel 4.2.3's native C++ rules under rules_cc's names.

Debian's bazel-rules-cc 0.0.4 does not load under Bazel 4.2.3 (it needs
use_cpp_toolchain, which Bazel 4's @bazel_tools lacks), and there is no network
to fetch another version. @bazel_tools itself loads this file, so the
repository must exist under the exact name `rules_cc`.
"""

cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
objc_library = native.objc_library
