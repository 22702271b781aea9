#!/usr/bin/env bash
# Writes compile_commands.json at the workspace root, for clangd and other
# editors: `bazel run //tools:compile_commands` (or run this script directly).
#
# Every C/C++/assembly file gets the exact flags Bazel compiles it with, taken
# from `bazel aquery`. Files built for both platforms (the portable kernel
# code) are listed with their bare-machine flags, so the editor sees the
# freestanding kernel build; host-only files (tests, fakes) get host flags.
# An `external` symlink at the root makes paths such as
# external/com_google_googletest/... resolve as they do inside Bazel.
set -euo pipefail

workspace=${BUILD_WORKSPACE_DIRECTORY:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$workspace"

execution_root=$(bazel info execution_root 2>/dev/null)
ln -sfn "$execution_root/external" external

# Bare-machine actions first: the first entry for a file is the one kept.
{
    bazel aquery --output=text 'mnemonic("CppCompile", deps(//:kernel))' 2>/dev/null
    bazel aquery --output=text 'mnemonic("CppCompile", deps(//...))' 2>/dev/null
} | awk -v dir="$workspace" '
    function json(s) {
        gsub(/\\/, "\\\\", s)
        gsub(/"/, "\\\"", s)
        return "\"" s "\""
    }
    # aquery prints one argument per line, shell-quoted when needed.
    function unquote(s) {
        if (s ~ /^'\''.*'\''$/) {
            s = substr(s, 2, length(s) - 2)
            gsub(/'\''\\'\'''\''/, "'\''", s)
        }
        return s
    }
    function flush(   i, out) {
        if (n == 0 || file == "" || file in seen) { n = 0; return }
        seen[file] = 1
        out = "  {\"directory\": " json(dir) ", \"file\": " json(file) ", \"arguments\": ["
        for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") json(args[i])
        entries[++count] = out "]}"
        n = 0
    }
    /^  Command Line: \(exec / {
        collecting = 1; n = 0; file = ""
        # The compiler itself rather than the build wrapper, so clangd can
        # query it for its built-in include directories.
        args[++n] = "/usr/lib/llvm-19/bin/clang"
        next
    }
    collecting {
        line = $0
        sub(/^ +/, "", line)
        last = (line ~ /\)$/)
        sub(/ \\$/, "", line)
        if (last) sub(/\)$/, "", line)
        arg = unquote(line)
        if (prev == "-c") file = arg
        prev = arg
        args[++n] = arg
        if (last) { collecting = 0; flush() }
    }
    END {
        print "["
        for (i = 1; i <= count; i++) print entries[i] (i < count ? "," : "")
        print "]"
    }
' >compile_commands.json.tmp
mv compile_commands.json.tmp compile_commands.json
echo "compile_commands.json: $(grep -c '"file"' compile_commands.json) files" >&2
