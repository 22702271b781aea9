#!/usr/bin/env bash
# Instructions per page fault and per page of fork, counted by valgrind's
# callgrind: unlike times, the counts repeat exactly from run to run, whatever
# else the machine does.
#
#   tools/bench/fault_instructions.sh
#
# Runs, under callgrind, with -c opt:
#   //kernel:pgfault_count       kFaults faults of each kind through the real
#                                handler and vm.c on the host arena (page
#                                table: testing/fake_vpmap, whose std::map
#                                work is counted too);
#   //arch/x86_64:vpmap_count    fork's page-table steps with the real x86_64
#                                vpmap: vpmap_cow_copy (fork) and
#                                vpmap_destroy (the child's exit) of kPages
#                                pages.
# Both link the kernel's own word-loop memset/memcpy (kernel/lib/string.c)
# instead of the C library's, so zeroing and copying count as the guest runs
# them. Each figure is a function's inclusive count divided by its number of
# faults or pages.
#
# Host stand-ins add some: testing/fake_kmap.cc checks every kmap_p2v
# against the arena (about a fifth of CowCopyPages), fake_mmu records each
# invlpg in a vector.
#
# What instruction counts do not show: the trap itself, TLB flushes (invlpg;
# vpmap_count prints how many per page) and cli/sti around every pmem lock.
# Under QEMU's TCG those cost as much as hundreds of plain instructions each;
# see README.md, "Performance", for the guest-side profile.
#
#   tools/bench/fault_instructions.sh --qemu [ROUNDS]
#
# counts what the host counts above leave out: the host instructions QEMU
# itself executes per event, the trap, translated-block lookups and TLB
# fills included. It boots the kernel under QEMU (TCG, -cpu qemu64, one
# vCPU, 128 MiB) inside callgrind, once per kind of event, running
# userland/bench/faultcount.c: ROUNDS rounds (default 8) of 1024 events, each
# round's loop between two cpuid instructions that make callgrind start a new
# count (--dump-before=cpu_x86_cpuid). It prints the minimum and median over
# the rounds of instructions per event: timer ticks only ever add, and the
# boot-to-boot spread of the minimum is a few percent (QEMU sizes its TLB by
# host time). For the round with the minimum it also splits the count in
# two: the translated code (the guest's own instructions as QEMU compiled
# them, with the inline fast path of each memory access; callgrind sees it
# as code without an object, "[???]") and everything else, QEMU's own work
# in its C code: exceptions, page walks, software-TLB fills and flushes,
# helpers, finding the next translated block. A few minutes (1.5 on a quiet
# host).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" = --qemu ]; then
    rounds=${2:-8}
    [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "fault_instructions.sh: ROUNDS must be a positive number" >&2; exit 2; }
    for tool in valgrind callgrind_annotate qemu-system-x86_64; do
        command -v "$tool" >/dev/null || { echo "fault_instructions.sh: $tool is missing" >&2; exit 1; }
    done
    bazel build //arch/x86_64:kernel //userland/bench:osv_initrd >/dev/null 2>&1 ||
        { echo "fault_instructions.sh: building the kernel and the initrd failed" >&2; exit 1; }
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    printf '%-8s %s\n' "event" "host instructions QEMU executes per event: min / median over $rounds rounds;"
    printf '%-8s %s\n' "" "the minimum round split into translated guest code + QEMU's own work"
    for mode in dz cow reuse getpid zero copy; do
        mkdir "$out/$mode"
        valgrind --tool=callgrind --smc-check=all --dump-before=cpu_x86_cpuid \
            --callgrind-out-file="$out/$mode/cg.out" \
            qemu-system-x86_64 -machine pc -cpu qemu64 -accel tcg -m 128M -display none \
            -no-reboot -nic none -device isa-debug-exit,iobase=0x501,iosize=1 \
            -kernel bazel-bin/arch/x86_64/kernel.boot.elf \
            -initrd bazel-bin/userland/bench/osv_initrd.cpio \
            -append "-- faultcount $mode $rounds" -serial "file:$out/$mode/serial.log" \
            -monitor none </dev/null >"$out/$mode/valgrind.log" 2>&1 || true
        grep -q "faultcount result=pass" "$out/$mode/serial.log" ||
            { echo "fault_instructions.sh: faultcount $mode failed:" >&2; tail -5 "$out/$mode/serial.log" >&2; exit 1; }
        # A count starts at every cpuid; the last 2 x rounds began at the
        # marks, and every second one of those (the 2nd, the 4th, ...) is a
        # round's loop.
        # Each line: the round's total and its translated code's part.
        ls "$out/$mode" | grep -E '^cg\.out\.[0-9]+$' | sort -t. -k3 -n | tail -n $((2 * rounds)) |
            awk 'NR % 2 == 0' | while read -r f; do
                total=$(grep -m1 '^summary:' "$out/$mode/$f" | cut -d' ' -f2)
                translated=$(callgrind_annotate --inclusive=no --threshold=100 "$out/$mode/$f" |
                    awk '/\[\?\?\?\]$/ { gsub(",", "", $1); sum += $1 } END { print sum + 0 }')
                # Every event runs some translated code: none found means
                # callgrind_annotate's output was not what this expects.
                [ "$translated" -gt 0 ] ||
                    { echo "fault_instructions.sh: no translated code found in $f ($mode)" >&2; exit 1; }
                echo "$total $translated"
            done | sort -n | awk -v mode="$mode" '
                { v[NR] = $1 / 1024; if (NR == 1) guest = $2 / 1024 }
                END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      printf "%-8s %.0f / %.0f   (%.0f translated code + %.0f QEMU)\n", mode, v[1], m, guest, v[1] - guest }'
    done
    exit 0
fi

if ! command -v valgrind >/dev/null; then
    echo "fault_instructions.sh: valgrind is missing: install it with 'apt-get install valgrind'" >&2
    exit 1
fi
faults=1000 # kFaults in kernel/pgfault_count.cc
pages=4096  # kPages in arch/x86_64/vpmap_count.cc

# valgrind 3.19 cannot read the DWARF 5 that clang-19 writes by default.
bazel build -c opt --copt=-gdwarf-4 //kernel:pgfault_count //arch/x86_64:vpmap_count >/dev/null 2>&1 ||
    { echo "fault_instructions.sh: building the count programs failed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Runs program $1 under callgrind; its stdout goes to $out/$2.stdout, the
# annotated inclusive counts to $out/$2.txt.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/$2.out" \
        "$1" >"$out/$2.stdout" 2>"$out/$2.log" ||
        { cat "$out/$2.log" >&2; exit 1; }
    callgrind_annotate --inclusive=yes "$out/$2.out" >"$out/$2.txt"
}

# Prints function $2's inclusive count in $out/$1.txt divided by $3.
per() {
    local ir
    ir=$(grep -E "\(anonymous namespace\)::$2\(" "$out/$1.txt" | head -1 |
        awk '{gsub(",", "", $1); print $1}')
    if [ -z "$ir" ]; then
        echo "fault_instructions.sh: no count for $2 in callgrind's output" >&2
        exit 1
    fi
    printf '%-22s %d\n' "$2" $((ir / $3))
}

count bazel-bin/kernel/pgfault_count faults
count bazel-bin/arch/x86_64/vpmap_count vpmap

printf '%-22s %s\n' "fault kind" "instructions per fault (host, -c opt)"
for kind in DemandZeroFaults CowCopyFaults CowReuseFaults; do
    per faults "$kind" "$faults"
done
printf '\n%-22s %s\n' "fork step" "instructions per page (host, -c opt, real vpmap)"
per vpmap CowCopyPages "$pages"
per vpmap DestroyPages "$pages"
sed 's/^/vpmap_count: /' "$out/vpmap.stdout"
