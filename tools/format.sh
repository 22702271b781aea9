#!/usr/bin/env bash
# Formats osv's C and C++ sources with the repo's .clang-format.
#
#   tools/format.sh            rewrite files in place
#   tools/format.sh --check    list unformatted files; exit 1 if there are any
#
# Uses Debian's clang-format-19 when installed, else any clang-format on PATH
# (the style file sticks to options that clang-format 14 and 19 agree on).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/lib/llvm-19/bin/clang-format ]; then
    clang_format=/usr/lib/llvm-19/bin/clang-format
elif command -v clang-format >/dev/null; then
    clang_format=clang-format
else
    echo "format.sh: no clang-format: install it with 'apt-get install clang-format-19'" >&2
    exit 1
fi

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.cc')

case "${1:-}" in
--check)
    bad=0
    for f in "${files[@]}"; do
        if ! "$clang_format" --dry-run -Werror "$f" 2>/dev/null; then
            echo "not formatted: $f"
            bad=1
        fi
    done
    exit "$bad"
    ;;
"") "$clang_format" -i "${files[@]}" ;;
*)
    echo "usage: tools/format.sh [--check]" >&2
    exit 2
    ;;
esac
