#!/usr/bin/env bash
# Soaks the kernel with the system call fuzzer: boots osv under QEMU with
# `sysfuzz SEED ROUNDS` as init's program (userland/tests/fuzz) and prints
# the result.
#
#   tools/soak/sysfuzz_soak.sh SEED ROUNDS [FIRST [trace]]
#
# SEED: 0..2^64-1 (decimal, or hex with 0x); ROUNDS: 1..1000000000; FIRST:
# the number of the first round (default 0); trace: the fuzzer prints every
# call it makes. With vmcheck checking every page at most rest points (about
# 80 checks a round), a run takes about 0.3 s per round under TCG, on one
# CPU or four (3000 rounds: 15 minutes). A round that failed is replayed alone, with
# its calls, by `tools/soak/sysfuzz_soak.sh SEED 1 ROUND trace` (the FAIL
# line names it; keep SOAK_CPUS as it was: with several CPUs the threads'
# interleaving differs from run to run, the calls do not).
# Environment:
#   SOAK_CPUS      processors, QEMU's -smp (default 1; the kernel runs 1 to
#                  8). The workers' threads then run on several CPUs at once,
#                  beside the worker's forks, sbrks and exits.
#   SOAK_MEMORY    guest RAM (default 32M, as the bounded test)
#   SOAK_TIMEOUT   wall-clock limit in seconds (default 120 + ROUNDS / 2,
#                  times 2 with several CPUs)
#   SOAK_LOG       where to keep the serial log (default: a new temporary file)
#
# Prints the fuzzer's summary lines, any mismatch, failure or panic line,
# QEMU's exit line and a last line "soak: PASS ..." or "soak: FAIL ..."
# with the rounds run (by the last progress line), the panics seen and the
# pages leaked (the baseline against the free pages of that line, unless a
# round hung; the fuzzer itself fails the first round that leaks); exits 0
# only on PASS. The
# kernel runs with `vmcheck` (its invariant checker, where it has one).
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
    echo "usage: tools/soak/sysfuzz_soak.sh SEED ROUNDS  (see the top of the script)" >&2
    exit 2
}
[ $# -ge 2 ] && [ $# -le 4 ] || usage
seed=$1
rounds=$2
first=${3:-}
trace=${4:-}
[[ "$seed" =~ ^([0-9]+|0[xX][0-9a-fA-F]+)$ ]] || usage
[[ "$rounds" =~ ^[1-9][0-9]{0,8}$ ]] || usage
[ -z "$first" ] || [[ "$first" =~ ^[0-9]+$ ]] || usage
[ -z "$trace" ] || [ "$trace" = trace ] || usage

cpus=${SOAK_CPUS:-1}
[[ "$cpus" =~ ^[1-8]$ ]] || usage
memory=${SOAK_MEMORY:-32M}
timeout=${SOAK_TIMEOUT:-$(((120 + rounds / 2) * (cpus > 1 ? 2 : 1)))}
log=${SOAK_LOG:-$(mktemp /tmp/sysfuzz_soak.XXXXXX.log)}

bazel=bazel
command -v bazel >/dev/null || bazel=./bazelw
"$bazel" build //arch/x86_64:kernel //userland/tests/fuzz:initrd >&2
image=bazel-bin/arch/x86_64/kernel.boot.elf
initrd=bazel-bin/userland/tests/fuzz/initrd.cpio
cmdline="vmcheck -- sysfuzz $seed $rounds${first:+ $first}${trace:+ $trace}"

echo "soak: sysfuzz $seed $rounds, $cpus CPUs, memory $memory, timeout ${timeout} s, log $log" >&2
outputs=$(mktemp -d)
status=0
start=$(date +%s)
TEST_UNDECLARED_OUTPUTS_DIR=$outputs testing/qemu_runner.sh \
    --image="$image" --initrd="$initrd" --cmdline="$cmdline" --memory="$memory" \
    --cpus="$cpus" --timeout="$timeout" \
    --expect="sysfuzz: PASS" --expect="init: sysfuzz exited with status 0" \
    >"$outputs/runner.out" 2>&1 || status=$?
cp "$outputs/serial.log" "$log"
# The fuzzer's own lines, the kernel's panic report, QEMU's verdict.
grep -E '^(smp: |sysfuzz: (seed|shutdown|summary|threads|calls|results|MISMATCH|FAIL|PASS|trace)|init: |osv: shutdown|panic|trap: )' \
    "$log" || true
grep -E '^(qemu: exit status|PASS:|FAIL:)' "$outputs/runner.out" || true
killed=$(grep -c ': killed: ' "$log" || true)
panics=$(grep -c '^panic' "$log" || true)
# Rounds done and free pages: the last progress line; the baseline: the first.
done_rounds=$(grep -oE '^sysfuzz: [0-9]+ rounds' "$log" | tail -1 | grep -oE '[0-9]+' || true)
baseline=$(grep -oE 'baseline [0-9]+ free pages' "$log" | grep -oE '[0-9]+' || true)
free_now=$(grep -oE 'free pages [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
leaked="pages leaked unknown"
[ -z "$baseline" ] || [ -z "$free_now" ] || leaked="$((baseline - free_now)) pages leaked"
# A hung round's processes never ended: their pages are not a leak.
if grep -q '^sysfuzz: FAIL: round [0-9]* of seed [0-9xa-fA-F]* hung' "$log"; then
    leaked="pages leaked unknown (a round hung)"
fi
elapsed=$(($(date +%s) - start))
rm -rf "$outputs"
figures="${done_rounds:-0} of $rounds rounds, $cpus CPUs, $panics panics, $leaked"
if [ "$status" -eq 0 ]; then
    echo "soak: PASS: seed $seed, $figures, in $elapsed s; $killed processes killed by the kernel or kill(); log $log"
else
    echo "soak: FAIL: seed $seed, $figures${first:+ from $first}, after $elapsed s; see $log"
fi
exit "$status"
