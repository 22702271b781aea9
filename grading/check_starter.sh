#!/usr/bin/env bash
# The starter check: proves that a lab's handout is sound.
#
#   grading/check_starter.sh [--lab=vm] [--cache-socket=PATH] [BAZEL FLAG ...]
#
#  1. This reference scores every point of the lab.
#  2. The generated starter scores 0 on every part, and every test outside
#     the lab passes on it (grade.py --outside).
#  3. The starter with the first part solved, then the first two, ... (each
#     a --solved starter, what a student who finished those parts would
#     push) scores exactly those parts' points: the parts build on each
#     other, and each part's points follow its code.
#
# The trees are written under $OSV_STARTER_CHECK_DIR (default
# /var/tmp/osv-starter-check) and graded by this workspace's grader with
# --submission, the way staff grade a student's push: their student files
# over this tree, in the grading sandbox (as root), each with its own output
# directory kept there (<tree>.out), so the next check rebuilds little.
# --cache-socket: the sandboxed runs read the remote cache through it. The
# BAZEL FLAGs go to the reference's own run (e.g. --config=staff, or
# --disk_cache=DIR). Prints each run's score line; exits 1 if any run is not
# what it should be.
set -euo pipefail
cd "$(dirname "$0")/.."

lab=vm
cache=()
while [ $# -gt 0 ]; do
    case "$1" in
    --lab=*) lab=${1#--lab=} ;;
    --cache-socket=*) cache=("$1") ;;
    *) break ;;
    esac
    shift
done
flags=()
for flag in "$@"; do
    flags+=("--bazel-flag=$flag")
done
root=${OSV_STARTER_CHECK_DIR:-/var/tmp/osv-starter-check}
mkdir -p "$root"

# The parts in order, and their points: "stack 30" lines.
mapfile -t parts < <(python3 - "labs/$lab.toml" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    lab = tomllib.load(f)
for part in lab["parts"]:
    print(part["name"], sum(t["points"] for t in part["tests"]))
EOF
)
total=0
for p in "${parts[@]}"; do
    total=$((total + ${p#* }))
done

failed=0
# grade NAME EXPECTED [GRADER FLAG ...]: runs the grader, checks the score.
grade() {
    local name=$1 expected=$2
    shift 2
    local log="$root/$name.log"
    ./bazelw run //grading:grade -- --lab="$lab" "$@" >"$log" 2>&1 || true
    local score
    score=$(grep -E '^Score: [0-9]+/[0-9]+$' "$log" | tail -1 || true)
    local outside
    outside=$(grep -E '^Outside the lab: ' "$log" || true)
    if [ "$score" = "Score: $expected/$total" ] && [ -z "$outside" ]; then
        echo "check_starter: $name: $score, as it should (log: $log)"
    else
        echo "check_starter: $name: FAIL: ${score:-no score} ${outside:+($outside)}, expected Score: $expected/$total (log: $log)" >&2
        sed -n '/^== /,$p' "$log" | grep -E 'FAIL|Score|Outside' >&2 || tail -20 "$log" >&2
        failed=1
    fi
}

# starter NAME SOLVED: writes the starter tree with those parts solved.
starter() {
    local tree="$root/$1"
    rm -rf "$tree"
    ./bazelw run //grading:starter -- --lab="$lab" --out="$tree" --solved="$2" >"$tree.log" 2>&1 ||
        { cat "$tree.log" >&2; return 1; }
}

grade reference "$total" "${flags[@]}"

starter starter ""
grade starter 0 --submission="$root/starter" --out-dir="$root/starter.out" "${cache[@]}" --outside

solved=""
earned=0
for p in "${parts[@]::${#parts[@]}-1}"; do
    solved=${solved:+$solved,}${p% *}
    earned=$((earned + ${p#* }))
    name="solved-${solved//,/-}"
    starter "$name" "$solved"
    grade "$name" "$earned" --submission="$root/$name" --out-dir="$root/$name.out" "${cache[@]}"
done
exit "$failed"
