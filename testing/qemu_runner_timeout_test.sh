#!/usr/bin/env bash
# A boot that never ends, under a test limit shorter than its --timeout: the
# runner must stop QEMU itself before Bazel would kill the test, print what
# the kernel wrote, and say it timed out (before the fix, Bazel's kill left
# the log empty).
set -u
runner=testing/qemu_runner.sh
image=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# -S: QEMU waits for a debugger before running the first instruction, so
# the boot never ends.
TEST_TIMEOUT=6 TEST_UNDECLARED_OUTPUTS_DIR="$out" "$runner" --image="$image" --timeout=60 -S \
    >"$out/log" 2>&1
status=$?
cat "$out/log"

fail() {
    echo "FAIL: $*"
    exit 1
}
[ "$status" -eq 1 ] || fail "the runner exited with status $status, expected 1 (a failed test)"
grep -q "qemu_runner: --timeout=60 is past the test's own limit (6 s); using 5 s" "$out/log" ||
    fail "the runner did not shorten its limit to the test's"
grep -q -- "---- end of serial output ----" "$out/log" || fail "no serial output section"
grep -q "FAIL: timed out after 5 s" "$out/log" || fail "the runner did not say it timed out"
echo "PASS: the runner stopped QEMU at 5 s, within the test's 6 s, and reported it"
