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
#   --qemu=FILE         the qemu-system-x86_64 to run (default: the one on
#                       PATH). Bazel's QEMU targets pass @system_qemu's, which
#                       is in their action keys; the test log names its
#                       version and real path.
#   --initrd=FILE       multiboot module (the initrd)
#   --cmdline=TEXT      kernel command line
#   --memory=SIZE       guest RAM, QEMU syntax (default 128M)
#   --cpus=N            processors (QEMU's -smp N; default: QEMU's, one)
#   --timeout=SECONDS   test mode: wall-clock limit (default 60; under bazel
#                       test at most the test's own limit, less a margin)
#   --expect=TEXT       test mode: a line containing TEXT must appear
#   --expect-file=FILE  test mode: every line of FILE (but empty ones and '#'
#                       comments) is an --expect, in order, where this option
#                       stands among the --expect options
#                       (in the serial log, or in the symbolized backtraces
#                       that follow it: see --elf)
#   --expect-exit=N     test mode: QEMU's expected exit status (default 33)
#   --input=FILE        test mode: bytes fed to COM1 as if typed, from QEMU's
#                       start on (the serial port is then QEMU's stdio, its
#                       output still going to the log). The kernel resets the
#                       UART as it boots, which loses what arrived before: on
#                       QEMU at most one byte, so begin FILE with a spare '\r'.
#   --gdb[=PORT]        stop at the first instruction and wait for gdb on
#                       127.0.0.1:PORT (default 1234)
#   --elf=FILE          the ELF64 kernel with symbols. In test mode, each
#                       backtrace the kernel printed (panics, kernel-mode
#                       exceptions) is printed again after the serial log,
#                       its addresses resolved to function and file:line
#   --symbolizer=PATH   the llvm-symbolizer for --elf (default
#                       /usr/lib/llvm-19/bin/llvm-symbolizer); when it is
#                       missing, one line says so and the test goes on
#   -anything ...       passed to QEMU as is (e.g. -m 512M -smp 2)
#
# The kernel ends by writing to QEMU's isa-debug-exit port, which makes QEMU
# exit with (value << 1) | 1: 33 for a clean shutdown, 65 for a panic or a
# failed self-test (arch/x86_64/machine.c).
#
# The guest has no network card (-nic none): osv has no driver for one, and
# a kernel under test, the student's, gets no network to reach.
#
# The guest runs under TCG, QEMU's portable emulator, never KVM: on these
# machines KVM runs guest code far slower. The CPU model is pinned so that
# behaviour and timings are comparable from run to run.
set -u

EXIT_SUCCESS=33
EXIT_FAILURE=65

# Debian's llvm-19 (./bazelw installs it): the llvm-symbolizer-19 that the
# kernel's own hint under each backtrace names.
SYMBOLIZER=/usr/lib/llvm-19/bin/llvm-symbolizer

die() {
    echo "qemu_runner: $*" >&2
    exit 2
}

# --expect-file: each line is an --expect text, in order; empty lines and
# lines starting with '#' are left out.
read_expect_file() {
    [ -r "$1" ] || die "expected-lines file '$1' not found"
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
        '' | '#'*) ;;
        *) expects+=("$line") ;;
        esac
    done <"$1"
}

image=
qemu=
initrd=
cmdline=
memory=128M
cpus=
timeout=60
expect_exit=$EXIT_SUCCESS
expects=()
input=
interactive=0
gdb_port=
elf=
symbolizer=$SYMBOLIZER
qemu_extra=()

while [ $# -gt 0 ]; do
    case "$1" in
    --image=*) image=${1#*=} ;;
    --qemu=*) qemu=${1#*=} ;;
    --initrd=*) initrd=${1#*=} ;;
    --cmdline=*) cmdline=${1#*=} ;;
    --memory=*) memory=${1#*=} ;;
    --cpus=*) cpus=${1#*=} ;;
    --timeout=*) timeout=${1#*=} ;;
    --expect=*) expects+=("${1#*=}") ;;
    --expect-file=*) read_expect_file "${1#*=}" ;;
    --expect-exit=*) expect_exit=${1#*=} ;;
    --input=*) input=${1#*=} ;;
    --interactive) interactive=1 ;;
    --gdb) gdb_port=1234 ;;
    --gdb=*) gdb_port=${1#*=} ;;
    --elf=*) elf=${1#*=} ;;
    --symbolizer=*) symbolizer=${1#*=} ;;
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
[ -z "$elf" ] || [ -f "$elf" ] || die "kernel ELF '$elf' not found"
[ -z "$cpus" ] || [[ "$cpus" =~ ^[0-9]+$ ]] || die "--cpus must be a number, got '$cpus'"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '$timeout'"
# Under `bazel test`, Bazel kills the whole test at its own limit
# (TEST_TIMEOUT: 60 s for a small test), and then the log has none of the
# kernel's output. End QEMU first, with time left to print the serial log
# and say it timed out.
if [[ "${TEST_TIMEOUT:-}" =~ ^[0-9]+$ ]]; then
    margin=$((TEST_TIMEOUT / 6 < 10 ? TEST_TIMEOUT / 6 : 10))
    if [ "$timeout" -gt $((TEST_TIMEOUT - margin)) ]; then
        echo "qemu_runner: --timeout=$timeout is past the test's own limit (${TEST_TIMEOUT} s); using $((TEST_TIMEOUT - margin)) s"
        timeout=$((TEST_TIMEOUT - margin))
    fi
fi
[[ "$expect_exit" =~ ^[0-9]+$ ]] || die "--expect-exit must be a number, got '$expect_exit'"
[ -z "$gdb_port" ] || [[ "$gdb_port" =~ ^[0-9]+$ ]] || die "--gdb port must be a number, got '$gdb_port'"

if [ -n "$qemu" ]; then
    [ -x "$qemu" ] || die "--qemu: '$qemu' is not an executable file"
else
    qemu=$(command -v qemu-system-x86_64) ||
        die "qemu-system-x86_64 is missing: install it with 'apt-get install qemu-system-x86' (./bazelw does this for you)"
fi

args=(
    -machine pc -cpu qemu64 -accel tcg
    -m "$memory"
    -display none -no-reboot
    -nic none
    -device isa-debug-exit,iobase=0x501,iosize=1
    -kernel "$image"
    -append "$cmdline"
)
[ -z "$initrd" ] || args+=(-initrd "$initrd")
[ -z "$cpus" ] || args+=(-smp "$cpus")
[ -z "$gdb_port" ] || args+=(-S -gdb "tcp:127.0.0.1:$gdb_port")

if [ "$interactive" = 1 ]; then
    [ -z "$gdb_port" ] || echo "qemu_runner: waiting for gdb on 127.0.0.1:$gdb_port; tools/gdb/gdbinit connects to 1234 (see README, 'Debugging')" >&2
    echo "qemu_runner: serial console follows; quit with Ctrl-A then X" >&2
    "$qemu" "${args[@]}" -serial mon:stdio "${qemu_extra[@]}"
    status=$?
    case $status in
    "$EXIT_SUCCESS") exit 0 ;;
    "$EXIT_FAILURE") echo "qemu_runner: osv reported a failure (exit status $status)" >&2; exit 1 ;;
    *) exit "$status" ;;
    esac
fi

# The addresses of each backtrace in serial log $1 (arch/x86_64/backtrace.c
# prints "backtrace (most recent call first):", then "  #N  0x<address>"
# lines), one backtrace per output line.
backtrace_addresses() {
    awk '
        { sub(/\r$/, "") }
        /backtrace \(most recent call first\):$/ { if (n) print addrs; addrs = ""; n = 0; inside = 1; next }
        inside && $1 ~ /^#[0-9]+$/ && $2 ~ /^0x[0-9a-f]+$/ { addrs = addrs " " $2; n++; next }
        { if (n) print addrs; addrs = ""; n = 0; inside = 0 }
        END { if (n) print addrs }
    ' "$1"
}

# Prints every backtrace of serial log $1 again, numbered as the kernel
# numbered it, each address resolved to function and file:line (inlined
# calls on lines of their own). Nothing when there is no backtrace; one line
# when they cannot be symbolized. Never fails.
symbolize_backtraces() {
    local traces count i=0 addrs resolved
    traces=$(backtrace_addresses "$1")
    [ -n "$traces" ] || return 0
    if [ -z "$elf" ]; then
        echo "qemu_runner: backtraces not symbolized: no kernel ELF given (--elf)"
        return 0
    fi
    if [ ! -x "$symbolizer" ]; then
        echo "qemu_runner: backtraces not symbolized: $symbolizer not found (it comes with Debian's llvm-19)"
        return 0
    fi
    count=$(wc -l <<<"$traces")
    while read -r -a addrs; do
        i=$((i + 1))
        echo "---- backtrace $i of $count, symbolized with $symbolizer --obj=$elf ----"
        if ! resolved=$("$symbolizer" --obj="$elf" --pretty-print --relativenames --addresses \
            "${addrs[@]}" 2>&1); then
            echo "qemu_runner: $symbolizer failed: $(head -1 <<<"$resolved")"
            continue
        fi
        # One block per address: "0x...: function at file:line:column", then
        # " (inlined by) caller at file:line:column" lines, then a blank line.
        awk '/^0x/ { printf "  #%-2d %s\n", n++, $0; next } NF { print "      " $0 }' <<<"$resolved"
    done <<<"$traces"
    echo "---- end of symbolized backtraces ----"
}

out_dir=${TEST_UNDECLARED_OUTPUTS_DIR:-$(mktemp -d)}
log="$out_dir/serial.log"
symbolized="$out_dir/backtraces.txt"
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
echo "qemu: $("$qemu" --version | head -1) ($(readlink -f "$qemu"))"
echo "qemu: exit status $status after $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s (memory $memory, command line '$cmdline')"
symbolize_backtraces "$log" >"$symbolized"
cat "$symbolized"

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
# previous one (several may match the same line), in the serial log followed
# by the symbolized backtraces.
next=0
while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    while [ "$next" -lt "${#expects[@]}" ] && [[ "$line" == *"${expects[$next]}"* ]]; do
        next=$((next + 1))
    done
done < <(cat "$log" "$symbolized")
if [ "$next" -lt "${#expects[@]}" ]; then
    if [ "$next" -eq 0 ]; then
        fail "expected a line containing '${expects[$next]}', none found"
    fi
    fail "expected a line containing '${expects[$next]}' after the line containing '${expects[$((next - 1))]}', none found"
fi
echo "PASS: exit status $status, ${#expects[@]} expected lines found in order"
