#!/usr/bin/env bash
# Boots an osv kernel image under QEMU, in one of two modes:
#
#   test (default)   serial output to a log; QEMU is killed after --timeout
#                    seconds. Passes when QEMU's exit status is --expect-exit
#                    and every --expect string appears in the serial log, in
#                    order. Always prints the serial log; on failure, says why.
#   --interactive    serial console on this terminal (quit: Ctrl-A then X).
#
# Options:
#   --image=FILE        32-bit multiboot image (required)
#   --initrd=FILE       multiboot module (the initrd)
#   --cmdline=TEXT      kernel command line
#   --memory=SIZE       guest RAM, QEMU syntax (default 128M)
#   --timeout=SECONDS   test mode: wall-clock limit (default 60)
#   --expect=TEXT       test mode: a line containing TEXT must appear
#   --expect-exit=N     test mode: QEMU's expected exit status (default 33)
#   --input=FILE        test mode: bytes fed to COM1 as if typed, from QEMU's
#                       start on (the serial port is then QEMU's stdio, its
#                       output still going to the log). The kernel resets the
#                       UART as it boots, which loses what arrived before: on
#                       QEMU at most one byte, so begin FILE with a spare '\r'.
#   --gdb[=PORT]        stop at the first instruction and wait for gdb on
#                       127.0.0.1:PORT (default 1234)
#   -anything ...       passed to QEMU as is (e.g. -m 512M -smp 2)
#
# The kernel ends by writing to QEMU's isa-debug-exit port, which makes QEMU
# exit with (value << 1) | 1: 33 for a clean shutdown, 65 for a panic or a
# failed self-test (arch/x86_64/machine.c).
#
# The guest runs under TCG, QEMU's portable emulator, never KVM: on these
# machines KVM runs guest code far slower. The CPU model is pinned so that
# behaviour and timings are comparable from run to run.
set -u

EXIT_SUCCESS=33
EXIT_FAILURE=65

die() {
    echo "qemu_runner: $*" >&2
    exit 2
}

image=
initrd=
cmdline=
memory=128M
timeout=60
expect_exit=$EXIT_SUCCESS
expects=()
input=
interactive=0
gdb_port=
qemu_extra=()

while [ $# -gt 0 ]; do
    case "$1" in
    --image=*) image=${1#*=} ;;
    --initrd=*) initrd=${1#*=} ;;
    --cmdline=*) cmdline=${1#*=} ;;
    --memory=*) memory=${1#*=} ;;
    --timeout=*) timeout=${1#*=} ;;
    --expect=*) expects+=("${1#*=}") ;;
    --expect-exit=*) expect_exit=${1#*=} ;;
    --input=*) input=${1#*=} ;;
    --interactive) interactive=1 ;;
    --gdb) gdb_port=1234 ;;
    --gdb=*) gdb_port=${1#*=} ;;
    --help | -h)
        sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    --*) die "unknown option '$1' (QEMU's own options take one dash; see --help)" ;;
    *) qemu_extra+=("$1") ;;
    esac
    shift
done

[ -n "$image" ] || die "--image is required"
[ -f "$image" ] || die "kernel image '$image' not found"
[ -z "$initrd" ] || [ -f "$initrd" ] || die "initrd '$initrd' not found"
[ -z "$input" ] || [ -f "$input" ] || die "input '$input' not found"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '$timeout'"
[[ "$expect_exit" =~ ^[0-9]+$ ]] || die "--expect-exit must be a number, got '$expect_exit'"
[ -z "$gdb_port" ] || [[ "$gdb_port" =~ ^[0-9]+$ ]] || die "--gdb port must be a number, got '$gdb_port'"

qemu=$(command -v qemu-system-x86_64) ||
    die "qemu-system-x86_64 is missing: install it with 'apt-get install qemu-system-x86' (./bazelw does this for you)"

args=(
    -machine pc -cpu qemu64 -accel tcg
    -m "$memory"
    -display none -no-reboot
    -device isa-debug-exit,iobase=0x501,iosize=1
    -kernel "$image"
    -append "$cmdline"
)
[ -z "$initrd" ] || args+=(-initrd "$initrd")
[ -z "$gdb_port" ] || args+=(-S -gdb "tcp:127.0.0.1:$gdb_port")

if [ "$interactive" = 1 ]; then
    [ -z "$gdb_port" ] || echo "qemu_runner: waiting for gdb on 127.0.0.1:$gdb_port (see README, 'Debugging')" >&2
    echo "qemu_runner: serial console follows; quit with Ctrl-A then X" >&2
    "$qemu" "${args[@]}" -serial mon:stdio "${qemu_extra[@]}"
    status=$?
    case $status in
    "$EXIT_SUCCESS") exit 0 ;;
    "$EXIT_FAILURE") echo "qemu_runner: osv reported a failure (exit status $status)" >&2; exit 1 ;;
    *) exit "$status" ;;
    esac
fi

out_dir=${TEST_UNDECLARED_OUTPUTS_DIR:-$(mktemp -d)}
log="$out_dir/serial.log"
: >"$log"

start=$(date +%s%N)
if [ -z "$input" ]; then
    timeout --kill-after=5 "$timeout" "$qemu" "${args[@]}" -serial "file:$log" -monitor none \
        "${qemu_extra[@]}" </dev/null
else
    timeout --kill-after=5 "$timeout" "$qemu" "${args[@]}" -serial stdio -monitor none \
        "${qemu_extra[@]}" <"$input" >"$log"
fi
status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))

echo "---- serial output ----"
cat "$log"
echo "---- end of serial output ----"
echo "qemu: exit status $status after $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s (memory $memory, command line '$cmdline')"

fail() {
    echo "FAIL: $*"
    exit 1
}

case $status in
"$expect_exit") ;;
124 | 137) fail "timed out after ${timeout} s (the kernel neither shut down nor crashed)" ;;
"$EXIT_FAILURE") fail "the kernel reported a failure (exit status $EXIT_FAILURE: panic or failed self-test); expected $expect_exit" ;;
"$EXIT_SUCCESS") fail "the kernel shut down cleanly, but this test expected exit status $expect_exit" ;;
0) fail "QEMU exited with status 0: the guest reset itself (a triple fault?)" ;;
*) fail "QEMU exited with status $status, expected $expect_exit (QEMU's own error, or an unknown exit code)" ;;
esac

# Each expected text must appear in a line, after the line that matched the
# previous one (several may match the same line).
next=0
while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    while [ "$next" -lt "${#expects[@]}" ] && [[ "$line" == *"${expects[$next]}"* ]]; do
        next=$((next + 1))
    done
done <"$log"
if [ "$next" -lt "${#expects[@]}" ]; then
    if [ "$next" -eq 0 ]; then
        fail "expected a line containing '${expects[$next]}', none found"
    fi
    fail "expected a line containing '${expects[$next]}' after the line containing '${expects[$((next - 1))]}', none found"
fi
echo "PASS: exit status $status, ${#expects[@]} expected lines found in order"
