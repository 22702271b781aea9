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
set -euo pipefail
cd "$(dirname "$0")/../.."

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
