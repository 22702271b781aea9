#!/usr/bin/env bash
# Follows one page fault through the kernel under QEMU, one guest instruction
# at a time, and prints how many instructions each function ran, the ones
# QEMU charges extra for (calls and returns, flag changes, TLB flushes,
# atomics) and the path through the functions.
#
#   tools/bench/fault_trace.sh [dz|cow|reuse] [SKIP] [--list]
#
# dz (default): a demand-zero fault; cow: a copy-on-write fault that copies;
# reuse: one by the last sharer, which copies nothing. The kernel
# runs userland/bench/faultcount.c (as fault_instructions.sh --qemu does),
# and the trace follows the fault after the first SKIP (default: 400 for dz,
# 1400 for cow and reuse, past the program's set-up and the parent's own
# faults before it forks). --list prints every instruction too. Uses the
# kernel as built (bazel build //arch/x86_64:kernel //userland/bench:osv_initrd,
# which this script runs first), QEMU's gdb stub on a free port and gdb.
# About ten seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=dz
skip=
list=0
for arg in "$@"; do
    case "$arg" in
    dz | cow | reuse) mode=$arg ;;
    --list) list=1 ;;
    *)
        [[ "$arg" =~ ^[0-9]+$ ]] || { echo "fault_trace.sh: unknown argument '$arg' (see the top of $0)" >&2; exit 2; }
        skip=$arg
        ;;
    esac
done
[ -n "$skip" ] || { [ "$mode" = dz ] && skip=400 || skip=1400; }
for tool in gdb qemu-system-x86_64 python3; do
    command -v "$tool" >/dev/null || { echo "fault_trace.sh: $tool is missing" >&2; exit 1; }
done
bazel build //arch/x86_64:kernel //userland/bench:osv_initrd >/dev/null 2>&1 ||
    { echo "fault_trace.sh: building the kernel and the initrd failed" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serial=$(mktemp)
report=$(mktemp)
trap 'rm -f "$serial" "$report"; kill "$qemu_pid" 2>/dev/null || true' EXIT
# -S: wait for gdb before the first instruction, so no fault goes uncounted.
qemu-system-x86_64 -machine pc -cpu qemu64 -accel tcg -m 128M -display none -no-reboot \
    -nic none -device isa-debug-exit,iobase=0x501,iosize=1 \
    -kernel bazel-bin/arch/x86_64/kernel.boot.elf \
    -initrd bazel-bin/userland/bench/osv_initrd.cpio \
    -append "-- faultcount $mode 2" -serial "file:$serial" -monitor none \
    -S -gdb "tcp:127.0.0.1:$port" </dev/null >/dev/null 2>&1 &
qemu_pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
FAULT_TRACE_PORT=$port FAULT_TRACE_SKIP=$skip FAULT_TRACE_LIST=$list FAULT_TRACE_OUT=$report \
    gdb -batch -nx -x tools/bench/fault_trace.py bazel-bin/arch/x86_64/kernel.elf >/dev/null ||
    { echo "fault_trace.sh: gdb failed (its errors above)" >&2; exit 1; }
[ -s "$report" ] || { echo "fault_trace.sh: the trace wrote no report" >&2; exit 1; }
cat "$report"
