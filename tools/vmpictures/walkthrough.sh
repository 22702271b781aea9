#!/usr/bin/env bash
# Boots osv with `-- vmwalk`, keeps its console log and draws it with
# vmpictures.py: the copy-on-write walk-through as one HTML page.
#
#   bazel run //tools/vmpictures:walkthrough -- --out=/tmp/walk.html
#
# The log goes beside the page (walk.html -> walk.log). Without --out the
# page is written to ./vmwalk.html in the directory bazel was run from.
# With --check, the page is also loaded in headless Chromium and checked
# (browser_check.py): what walkthrough_browser_qemu_test does. The first
# seven arguments come from BUILD.bazel: the boot image, the kernel ELF, the
# initrd, qemu_runner.sh, vmpictures.py, browser_check.py and QEMU.
set -euo pipefail

[ $# -ge 7 ] || { echo "walkthrough: run it with bazel run //tools/vmpictures:walkthrough" >&2; exit 2; }
image=$1 elf=$2 initrd=$3 runner=$4 renderer=$5 checker=$6 qemu=$7
shift 7

out=
check=0
for arg in "$@"; do
    case "$arg" in
    --out=*) out=${arg#*=} ;;
    --check) check=1 ;;
    --help | -h)
        sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) echo "walkthrough: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done
# As a test, the page, its log and the screenshot go with the test's outputs
# (bazel-testlogs/.../test.outputs/).
if [ -z "$out" ]; then
    out=${TEST_UNDECLARED_OUTPUTS_DIR:-${BUILD_WORKING_DIRECTORY:-.}}/vmwalk.html
fi
# bazel run starts in the runfiles: a relative --out is the user's.
case "$out" in
/*) ;;
*) out=${BUILD_WORKING_DIRECTORY:-.}/$out ;;
esac
log=${out%.html}.log

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# qemu_runner keeps its serial log in TEST_UNDECLARED_OUTPUTS_DIR (a test's,
# or here our own directory).
if ! TEST_UNDECLARED_OUTPUTS_DIR=$work "$runner" --qemu="$qemu" --image="$image" --elf="$elf" \
    --initrd="$initrd" --cmdline="-- vmwalk" --timeout=60 --expect="vmwalk: PASS" >"$work/runner.txt"; then
    cat "$work/runner.txt"
    echo "walkthrough: the vmwalk boot failed (above)" >&2
    exit 1
fi
tr -d '\r' <"$work/serial.log" >"$log"
python3 "$renderer" --out="$out" --title="osv copy-on-write, step by step (vmwalk)" "$log"
echo "walkthrough: $(grep -c '^vmsnap begin' "$log") snapshots drawn: $out (console log: $log)"
if [ "$check" = 1 ]; then
    python3 "$checker" --html="$out" --log="$log" --png="${out%.html}.png"
fi
