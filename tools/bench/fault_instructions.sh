#!/usr/bin/env bash
# Instructions per page fault, counted by valgrind's callgrind: unlike times,
# the counts repeat exactly from run to run, whatever else the machine does.
#
#   tools/bench/fault_instructions.sh
#
# Runs //kernel:pgfault_count (kFaults faults of each kind through the real
# handler on the host arena) under callgrind and prints, for each kind, the
# instructions per fault: the function's inclusive count divided by kFaults.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v valgrind >/dev/null; then
    echo "fault_instructions.sh: valgrind is missing: install it with 'apt-get install valgrind'" >&2
    exit 1
fi
faults=1000  # kFaults in kernel/pgfault_count.cc

# valgrind 3.19 cannot read the DWARF 5 that clang-19 writes by default.
bazel build -c opt --copt=-gdwarf-4 //kernel:pgfault_count >/dev/null 2>&1 ||
    { echo "fault_instructions.sh: building //kernel:pgfault_count failed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    bazel-bin/kernel/pgfault_count >/dev/null 2>"$out/valgrind.log" ||
    { cat "$out/valgrind.log" >&2; exit 1; }
callgrind_annotate --inclusive=yes "$out/callgrind.out" >"$out/annotated.txt"

printf '%-22s %s\n' "fault kind" "instructions per fault (host, -c opt)"
for kind in DemandZeroFaults CowCopyFaults CowReuseFaults; do
    ir=$(grep -E "\(anonymous namespace\)::${kind}\(" "$out/annotated.txt" | head -1 |
        awk '{gsub(",", "", $1); print $1}')
    if [ -z "$ir" ]; then
        echo "fault_instructions.sh: no count for $kind in callgrind's output" >&2
        exit 1
    fi
    printf '%-22s %d\n' "$kind" $((ir / faults))
done
