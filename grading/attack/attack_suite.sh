#!/usr/bin/env bash
# The attack suite: a hostile submission, graded by the real path
# (grade.py --submission: the overlay and the sandbox), must change nothing.
#
#   grading/attack/attack_suite.sh [--cache-socket=PATH]
#
# Run as root on a staff machine (staff CI runs it last, with the cache's
# read-only socket). The submission is the vm starter (grading/starter.py),
# whose honest verdicts on the attack lab (attack.toml) are known, 1 of 5
# points, with every trick below added:
#   - its kernel/mm/vm.c carries payload.c: code that runs in the test
#     binaries and tries to read a world-readable file outside the sandbox,
#     the staff credentials and staff's tree, connect to a listener on this
#     machine's loopback, write into the cache's storage, outside the
#     sandbox, into the workspace, its own inputs and another test's result,
#     PUT to the cache's /rw/ and /ro/ (over TCP and through its socket), and
#     reach another host; and it reports whether the submission's .bazelrc
#     took effect (a --copt and a --test_env of its own);
#   - a .bazelrc that switches the spawn strategy to local, points
#     --disk_cache and --remote_cache elsewhere, uploads, and turns off test
#     result caching;
#   - a test runner (testing/qemu_runner.sh) and a test (vm_test.cc) that
#     always pass, a BUILD file that gives vm_test the network
#     (requires-network), a tools/bazel wrapper and a grade.py that print
#     every test passing, and a grading/sandbox.bazelrc of its own.
# The submission is graded twice: as staff grade, and again with Bazel's own
# per-test network switched on (--sandbox_default_allow_network=true,
# standing for a test that gets the network: only the outer sandbox is left).
# Each run must score exactly 1/5, print every payload attempt as refused,
# and leave no trace: no blob under the payload's key in the cache, no file
# outside, no disk cache where the .bazelrc pointed. Prints each attempt and
# what refused it; exits 1 if any check fails. About a minute with a warm
# cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

cache=()
for arg in "$@"; do
    case "$arg" in
    --cache-socket=*) cache=("$arg") ;;
    *) echo "attack_suite: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done
cache_state=/var/tmp/osv-cache
if [ "${#cache[@]}" -gt 0 ]; then
    cache_state=$(dirname "${cache[0]#--cache-socket=}")
fi

work=$(mktemp -d /var/tmp/osv-attack.XXXXXX)
listener=
cleanup() {
    [ -z "$listener" ] || kill "$listener" 2>/dev/null || true
    [ "$failed" -ne 0 ] || rm -rf "$work"
}
failed=0
trap cleanup EXIT
chmod 755 "$work"
submission=$work/submission
key=$(openssl rand -hex 32)
escape=$work/escaped
# Two things only the sandbox's own file system and network keep from the
# payload (file modes and nginx would not): a file anyone may read, and a
# listener on this machine's loopback.
canary=$work/canary
echo "a file outside the sandbox" >"$canary"
chmod 644 "$canary"
port=9194
socat -u "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" /dev/null &
listener=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

fail() {
    echo "attack_suite: FAIL: $*" >&2
    failed=1
}

./bazelw run //grading:starter -- --out="$submission" >"$work/starter.log" 2>&1 ||
    { cat "$work/starter.log" >&2; exit 1; }

# The payload, in a student file.
sed -e "s|@CACHE_STATE@|$cache_state|g" -e "s|@STAFF_TREE@|$repo|g" \
    -e "s|@KEY@|$key|g" -e "s|@ESCAPE@|$escape|g" -e "s|@CANARY@|$canary|g" \
    -e "s|ATTACK_LISTENER_PORT|$port|g" \
    grading/attack/payload.c >>"$submission/kernel/mm/vm.c"

# Everything else a student can edit, none of which the grader may build.
cat >>"$submission/.bazelrc" <<EOF
build --spawn_strategy=local
build --disk_cache=$work/poisoned-disk-cache
build --remote_cache=http://127.0.0.1:9090/rw
build --remote_upload_local_results
test --nocache_test_results
build --copt=-DOSV_ATTACK_RC
test --test_env=OSV_ATTACK_RC=1
EOF
cp "$submission/.bazelrc" "$submission/grading/sandbox.bazelrc"
printf '#!/bin/sh\necho "stacktest: PASS"\nexit 0\n' >"$submission/testing/qemu_runner.sh"
cat >"$submission/kernel/mm/vm_test.cc" <<'EOF'
#include <gtest/gtest.h>
TEST(VmTest, MapStackMapsExactlyTheTopPageZeroed) {}
EOF
sed -i 's/name = "vm_test",/name = "vm_test",\n    tags = ["requires-network"],/' "$submission/kernel/mm/BUILD.bazel"
mkdir -p "$submission/tools"
printf '#!/bin/sh\necho "Executed 3 out of 3 tests: 3 tests pass."\necho "Score: 5/5"\nexit 0\n' \
    >"$submission/tools/bazel"
cp "$submission/tools/bazel" "$submission/grading/grade.py"
chmod +x "$submission/tools/bazel" "$submission/grading/grade.py"

# grade NAME [GRADER FLAG ...]: one grading of the submission, checked.
grade() {
    local name=$1
    shift
    local log=$work/$name.log logs=$work/$name.logs
    ./bazelw run //grading:grade -- --submission="$submission" \
        --lab-file=grading/attack/attack.toml --out-dir="$work/out" --logs="$logs" \
        "${cache[@]}" "$@" >"$log" 2>&1 || true
    local score
    score=$(grep -E '^Score: ' "$log" | tail -1 || true)
    if [ "$score" != "Score: 1/5" ]; then
        fail "$name: '${score:-no score}', expected the honest 'Score: 1/5' (log: $log)"
        sed -n '/^== /,$p' "$log" >&2
        return
    fi
    echo "attack_suite: $name: $score, the honest verdict"
    # The payload's report, from the test logs the grader kept.
    local attempts
    attempts=$(cat "$logs"/*/*.log 2>/dev/null | grep -E '^attack: ' | sort -u || true)
    local expected
    expected=$(grep -cE '^    attack_(read|create|put_tcp|put_unix|connect|rc_read)\(' grading/attack/payload.c)
    if [ "$(grep -c ': refused (' <<<"$attempts")" -ne "$expected" ]; then
        fail "$name: expected $expected refused attempts in the logs, got:"
        echo "${attempts:-none}" >&2
    fi
    if grep -q ': SUCCEEDED (' <<<"$attempts"; then
        fail "$name: an attempt succeeded"
    fi
    # Refused by the sandbox's mounts and network, not by modes or nginx.
    grep -qF 'read a world-readable file outside the sandbox: refused (No such file or directory)' <<<"$attempts" ||
        fail "$name: the file outside the sandbox was not out of its sight"
    grep -qF "host's loopback: refused (Connection refused)" <<<"$attempts" ||
        fail "$name: the sandbox's loopback is not its own"
    sed 's/^/    /' <<<"$attempts"
}

grade as-staff-grade
# Bazel's own per-test network on: what a test with the network would meet.
grade with-the-network --bazel-flag=--sandbox_default_allow_network=true \
    --bazel-flag=--nocache_test_results

# No trace anywhere.
[ ! -e "$escape" ] || fail "the payload wrote $escape, outside the sandbox"
[ ! -e "$work/poisoned-disk-cache" ] || fail "the submission's .bazelrc was read: $work/poisoned-disk-cache exists"
if [ -d "$cache_state/storage" ] && find "$cache_state/storage" -name "$key" | grep -q .; then
    fail "a blob under the payload's key is in the cache's storage"
fi
if [ -S "$cache_state/ro.sock" ]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$cache_state/ro.sock" \
        "http://cache/ro/ac/$key" || true)
    [ "$code" = 404 ] || fail "the cache answers $code for the payload's key, not 404"
    echo "attack_suite: the cache has nothing under the payload's key (GET: $code)"
fi
if [ "$failed" -ne 0 ]; then
    echo "attack_suite: FAILED; the work directory is kept: $work" >&2
    exit 1
fi
echo "attack_suite: OK: every attempt refused, the honest verdict stands"
