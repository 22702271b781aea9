#!/usr/bin/env bash
# A QEMU test's verdict is cached under a key of its inputs, so the emulator
# must be one of them (third_party/qemu/system_qemu.bzl). Checks, for the
# QEMU test whose launcher is $1:
#  1. the launcher runs QEMU by --qemu= from its runfiles, not from PATH;
#  2. that binary, the file naming its real path, and each firmware file
#     are in the test's runfiles (so in its action key);
#  3. the path file names the binary the runfiles link to.
set -u

fail() {
    echo "FAIL: $*"
    exit 1
}

launcher=$1
qemu=$(grep -oE "'--qemu=[^']+'" "$launcher" | head -1 | sed -E "s/^'--qemu=//; s/'$//")
[ -n "$qemu" ] || fail "$launcher runs QEMU without --qemu=: the one on PATH, in no action key"
[ -x "$qemu" ] || fail "$qemu (the launcher's --qemu) is not in the test's runfiles"
repo=$(dirname "$(dirname "$qemu")")
[ -f "$repo/qemu_path.txt" ] || fail "$repo/qemu_path.txt is not in the test's runfiles"
[ "$(cat "$repo/qemu_path.txt")" = "$(readlink -f "$qemu")" ] ||
    fail "qemu_path.txt says $(cat "$repo/qemu_path.txt"), the runfiles link to $(readlink -f "$qemu")"
firmware=$(find -L "$repo/firmware" -type f | wc -l)
[ "$firmware" -ge 5 ] || fail "expected QEMU's TCG module and 4 firmware files in $repo/firmware, found $firmware"
echo "PASS: $launcher runs $(readlink -f "$qemu"); it, its path and $firmware firmware files are inputs"
