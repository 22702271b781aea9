#!/usr/bin/env bash
# Tests for tools/mkinitrd, run on the built binary.
#
# Criteria checked:
#  1. The archive is byte for byte the documented newc layout: headers with
#     inode numbers 1, 2, ... in argument order, mode 0100555, mtime 0,
#     nlink 1; names and data padded to 4 bytes; the trailer last.
#  2. Output is deterministic: the same arguments give identical bytes, even
#     when the input files' timestamps differ.
#  3. A missing file, a malformed argument, a bad or repeated name, a missing
#     -o and too many files each exit nonzero with a message naming the
#     problem, and leave no output file.
set -u

mkinitrd=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# newc header: magic, then ino mode uid gid nlink mtime filesize devmajor
# devminor rdevmajor rdevminor namesize check.
header() { # ino mode filesize namesize
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$1" "$2" 0 0 1 0 "$3" 0 0 0 0 "$4" 0
}

# 1: exact bytes. "sh" (3 bytes) then "a" (0 bytes), given in that order.
printf 'hi\n' >"$tmp/sh.bin"
: >"$tmp/empty.bin"
{
    header 1 $((0100555)) 3 3
    printf 'sh\0\0\0\0'   # name and NUL: 110 + 3 = 113, padded to 116
    printf 'hi\n\0'       # 3 bytes of data: 119, padded to 120
    header 2 $((0100555)) 0 2
    printf 'a\0'          # 120 + 110 + 2 = 232: aligned, and no data
    header 0 0 0 11
    printf 'TRAILER!!!\0\0\0\0' # 232 + 110 + 11 = 353, padded to 356
} >"$tmp/expected.cpio"
"$mkinitrd" -o "$tmp/out.cpio" sh="$tmp/sh.bin" a="$tmp/empty.bin" || fail "packing two files failed"
cmp "$tmp/expected.cpio" "$tmp/out.cpio" || fail "archive differs from the expected layout"

# 2: deterministic.
touch -d '2001-01-01' "$tmp/sh.bin"
"$mkinitrd" -o "$tmp/again.cpio" sh="$tmp/sh.bin" a="$tmp/empty.bin" || fail "second run failed"
cmp "$tmp/out.cpio" "$tmp/again.cpio" || fail "two runs differ"

# 3: errors.
expect_error() { # description, expected message fragment, arguments...
    local what=$1 message=$2
    shift 2
    rm -f "$tmp/bad.cpio"
    if "$mkinitrd" "$@" 2>"$tmp/stderr"; then
        fail "$what: succeeded"
    elif ! grep -qF -- "$message" "$tmp/stderr"; then
        fail "$what: message '$(cat "$tmp/stderr")' lacks '$message'"
    fi
    [ ! -e "$tmp/bad.cpio" ] || fail "$what: left an output file"
}
expect_error "missing file" "cannot open '$tmp/nope'" -o "$tmp/bad.cpio" x="$tmp/nope"
expect_error "no '='" "NAME=PATH" -o "$tmp/bad.cpio" "$tmp/sh.bin"
expect_error "empty path" "NAME=PATH" -o "$tmp/bad.cpio" x=
expect_error "empty name" "empty name" -o "$tmp/bad.cpio" ="$tmp/sh.bin"
expect_error "slash in name" "no '/'" -o "$tmp/bad.cpio" bin/sh="$tmp/sh.bin"
expect_error "dot name" "reserved name" -o "$tmp/bad.cpio" ..="$tmp/sh.bin"
expect_error "trailer name" "reserved name" -o "$tmp/bad.cpio" 'TRAILER!!!'="$tmp/sh.bin"
expect_error "long name" "longer than 59" -o "$tmp/bad.cpio" "$(printf 'n%.0s' {1..60})=$tmp/sh.bin"
expect_error "repeated name" "given twice" -o "$tmp/bad.cpio" a="$tmp/sh.bin" b="$tmp/sh.bin" a="$tmp/empty.bin"
expect_error "no -o" "no output file" a="$tmp/sh.bin"
many=()
for i in $(seq 65); do many+=("f$i=$tmp/sh.bin"); done
expect_error "too many files" "at most 64" -o "$tmp/bad.cpio" "${many[@]}"

# The 59-byte name is the longest accepted.
"$mkinitrd" -o "$tmp/long.cpio" "$(printf 'n%.0s' {1..59})=$tmp/sh.bin" || fail "59-byte name refused"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "PASS"
