#!/usr/bin/env bash
# Runs tools/gdb/osv.py against a real kernel, as a student would use it.
#
# Boots osv under QEMU with `-- meminfo` (init forks, its child execs
# meminfo), waiting for gdb; gdb loads the kernel ELF and osv.py, connects
# and runs osv_gdb_test.gdb: it stops at the first page fault of pid 2 and
# runs every osv command, then detaches.
#
# Criteria checked:
#  1. Each line of osv_gdb_test.expected (a regular expression) matches a
#     line of gdb's output, in order: the commands read osv's structures
#     right (pid 2 is init's child, its regions, a code page with refcount 2
#     mapped once in each process, the faulting page read-only in a writable
#     region).
#  2. gdb ran every command without an error.
#  3. After gdb detaches, the kernel runs meminfo to the end and shuts down
#     cleanly: a session does not disturb the machine.
set -u

boot_image=$1
elf=$2
initrd=$3
runner=$4
osv_py=$5
commands=$6
expected=$7
qemu=$8

fail() {
    echo "FAIL: $*"
    exit 1
}

command -v gdb >/dev/null || fail "gdb is not installed (./bazelw installs it: apt-get install gdb)"

# QEMU's gdb stub on a Unix socket, not a TCP port, so that tests running
# side by side cannot collide. A socket's path is limited to 108 bytes,
# which $TEST_TMPDIR's may exceed.
dir=$(mktemp -d /tmp/osv-gdb-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
socket=$dir/gdb.sock

"$runner" --qemu="$qemu" --image="$boot_image" --elf="$elf" --initrd="$initrd" --cmdline="-- meminfo" \
    --timeout=30 --expect="free_pages" --expect="init: meminfo exited with status 0" \
    -S -gdb "unix:$socket,server=on,wait=off" >"$dir/qemu.log" 2>&1 &
runner_pid=$!

for _ in $(seq 100); do
    [ -S "$socket" ] && break
    sleep 0.1
done
[ -S "$socket" ] || { cat "$dir/qemu.log"; fail "QEMU did not open $socket within 10 s"; }

# HOME: gdb wants a place for its index cache, and the sandbox has none.
HOME=$dir timeout 30 gdb -nx -batch \
    -ex "set pagination off" -ex "set confirm off" \
    -ex "file $elf" -ex "source $osv_py" -ex "target remote $socket" \
    -x "$commands" >"$dir/gdb.log" 2>&1
gdb_status=$?
wait "$runner_pid"
runner_status=$?

echo "---- gdb ----"
cat "$dir/gdb.log"
echo "---- QEMU (qemu_runner.sh) ----"
cat "$dir/qemu.log"
echo "----"

[ "$gdb_status" = 0 ] || fail "gdb exited with status $gdb_status"
# gdb -batch stops a command file at the first error, so any error is fatal;
# look for one anyway, with its message.
if grep -E "Error in sourced command file|^Python Exception" "$dir/gdb.log"; then
    fail "gdb reported an error (above)"
fi

# Criterion 1: the expected lines, in order.
mapfile -t patterns < <(grep -v -e '^#' -e '^$' "$expected")
next=0
while IFS= read -r line && [ "$next" -lt "${#patterns[@]}" ]; do
    while [ "$next" -lt "${#patterns[@]}" ] && [[ "$line" =~ ${patterns[$next]} ]]; do
        next=$((next + 1))
    done
done <"$dir/gdb.log"
if [ "$next" -lt "${#patterns[@]}" ]; then
    fail "no line of gdb's output matches '${patterns[$next]}'" \
        "${patterns[$((next - 1))]:+after the line matching '${patterns[$((next - 1))]}'}"
fi

[ "$runner_status" = 0 ] || fail "the kernel did not finish cleanly after gdb detached (qemu_runner.sh status $runner_status)"
echo "PASS: ${#patterns[@]} expected lines of gdb's output, in order; the kernel then shut down cleanly"
