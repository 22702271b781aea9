#!/usr/bin/env bash
# cache_proof.sh: shows that osv's remote cache works and that only staff can
# write to it.
#
#   tools/cache/cache_proof.sh [--port N] [--keep]
#
# Starts a private cache server (its own port, default 9191, and a state dir in
# a temp dir), so a cache already running here is neither used nor disturbed.
# Copies this working tree (tracked and untracked-but-not-ignored files) twice,
# as two CI machines would check it out, and runs the staff build
# (`./bazelw test --config=staff //...`) three times, each from a fresh output
# base, so only the remote cache can carry results from one run to the next:
#   1. machine 1, empty cache: everything runs and is uploaded;
#   2. machine 2, same tree: every action and test result comes from the cache;
#   3. machine 2 again, fresh output base, after a student's change to
#      kernel/pgfault.c (a new global, so its object file changes): what ran
#      is checked against Bazel's action graph (aquery): every action that
#      ran depends on kernel/pgfault.c, and every action that depends on it
#      ran, or was served from the cache because its inputs came out the
#      same (listed).
# It prints one line per run, then the HTTP status of writes that the server
# must refuse. Exits non-zero if a build fails or a claim does not hold.
# 8-10 minutes on a 2-core machine (run 1 builds and tests everything).
# --keep leaves the temp dir for a look.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
prog=cache_proof
port=${OSV_CACHE_PROOF_PORT:-9191}
keep=false

die() {
    echo "$prog: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --port) [ $# -ge 2 ] || die "--port needs a value"; port=$2; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --keep) keep=true; shift ;;
    *) die "usage: tools/cache/cache_proof.sh [--port N] [--keep]" ;;
    esac
done

command -v git >/dev/null || die "needs git to list the tree's files (apt-get install git)"
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo is not a git checkout"

work=$(mktemp -d /tmp/osv-cache-proof.XXXXXX)
# nginx's workers run as nobody and must reach the storage inside.
chmod 755 "$work"
state=$work/server
server=("$script_dir/cache_server.sh" --state-dir "$state" --port "$port")
output_bases=()

cleanup() {
    local ob
    for ob in "${output_bases[@]}"; do
        bazel --output_base="$ob" shutdown >/dev/null 2>&1 || true
    done
    "${server[@]}" stop >/dev/null 2>&1 || true
    if $keep; then
        echo "$prog: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# A checkout as CI would have it: the files git knows about, as they are in
# the working tree now (so uncommitted edits are proven too).
checkout() {
    local dest=$1
    mkdir -p "$dest"
    git -C "$repo" ls-files -z --cached --others --exclude-standard |
        (cd "$repo" && tar -cf - --null -T -) | tar -xf - -C "$dest"
    # This "machine" keeps its staff rc in the private state dir rather than
    # the default one: point the import there. .bazelrc is no action input,
    # so action keys, and thus cache hits, are unaffected.
    local line='try-import /var/tmp/osv-cache/staff.bazelrc'
    grep -qxF "$line" "$dest/.bazelrc" || die ".bazelrc has no line '$line'"
    sed -i "s|^$line\$|try-import $state/staff.bazelrc|" "$dest/.bazelrc"
}

# run NAME DIR: one CI run from a fresh output base. Prints the summary line
# and sets executed/hits for the caller's checks.
run() {
    local name=$1 dir=$2 n=${#output_bases[@]}
    local ob=$work/output_base_$n log=$work/run_$n.log exec_log=$work/exec_$n.json
    output_bases+=("$ob")
    local t0 t1
    t0=$(date +%s.%N)
    # --symlink_prefix=/: no bazel-* links in the checkout, so nothing for a
    # second output base to trip over (see ENVIRONMENT.md).
    if ! (cd "$dir" && ./bazelw --output_base="$ob" test --config=staff --symlink_prefix=/ \
        --execution_log_json_file="$exec_log" //...) >"$log" 2>&1; then
        tail -30 "$log" >&2
        die "$name: the build failed; log above (and $log with --keep)"
    fi
    t1=$(date +%s.%N)
    bazel --output_base="$ob" shutdown >/dev/null 2>&1 || true

    # "INFO: 122 processes: 59 remote cache hit, 63 internal." Internal
    # actions (symlinks, manifests) never touch the cache; the rest either hit
    # or ran here.
    local summary total internal
    summary=$(grep -E '^INFO: [0-9]+ process(es)?:' "$log" | tail -1) || die "$name: no process summary in $log"
    total=$(sed -E 's/^INFO: ([0-9]+) process.*/\1/' <<<"$summary")
    hits=$(grep -oE '[0-9]+ remote cache hit' <<<"$summary" | cut -d' ' -f1 || true)
    internal=$(grep -oE '[0-9]+ internal' <<<"$summary" | cut -d' ' -f1 || true)
    hits=${hits:-0}
    internal=${internal:-0}
    executed=$((total - hits - internal))
    awk -v name="$name" -v e="$executed" -v h="$hits" -v t0="$t0" -v t1="$t1" 'BEGIN {
        printf("%-44s actions executed %3d, remote cache hits %3d, wall %5.1f s, hit ratio %3.0f%%\n",
               name ":", e, h, t1 - t0, e + h ? 100 * h / (e + h) : 0) }'
    # What ran here, from Bazel's execution log. A test counts twice: the
    # test itself and Bazel's generate-xml.sh for its report.
    ran=$(awk '/^  "progressMessage": / { sub(/^  "progressMessage": "/, ""); sub(/",?$/, ""); msg = $0 }
               /^  "remoteCacheHit": false/ { print msg }' "$exec_log" |
        uniq -c | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); print "    ran: " $0 (n > 1 ? " (" n " spawns)" : "") }')
}

# status METHOD URL [curl args...]: the HTTP status of one request.
status() {
    local method=$1 url=$2
    shift 2
    curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" "$url" || true
}

echo "$prog: private cache on 127.0.0.1:$port, work dir $work"
"${server[@]}" start >"$work/server_start.log" 2>&1 || {
    cat "$work/server_start.log" >&2
    die "the private cache server did not start"
}
checkout "$work/machine1"
checkout "$work/machine2"

run "run 1 (machine 1, empty cache)" "$work/machine1"
[ "$executed" -gt 0 ] || die "run 1 executed nothing: was the cache not empty?"
run_1_executed=$executed
run "run 2 (machine 2, same tree)" "$work/machine2"
[ "$executed" -eq 0 ] || { echo "$ran"; die "run 2 executed $executed actions; expected all from the cache"; }
echo 'const char cache_proof_student_change[] = "a student changed kernel/pgfault.c";' \
    >>"$work/machine2/kernel/pgfault.c"
run "run 3 (machine 2, kernel/pgfault.c changed)" "$work/machine2"
[ "$hits" -gt 0 ] && [ "$executed" -gt 0 ] || die "run 3 should mix cache hits with rebuilt actions"
grep -q 'kernel/pgfault.c' <<<"$ran" || die "run 3 did not recompile kernel/pgfault.c"
# What depends on kernel/pgfault.c, from the action graph of the same build.
ob=$work/output_base_$((${#output_bases[@]} - 1))
(cd "$work/machine2" && ./bazelw --output_base="$ob" aquery --config=staff --symlink_prefix=/ \
    --output=jsonproto 'deps(//...)') >"$work/aquery.json" 2>"$work/aquery.log" ||
    { tail -5 "$work/aquery.log" >&2; die "aquery failed"; }
bazel --output_base="$ob" shutdown >/dev/null 2>&1 || true
python3 "$script_dir/dependents.py" "$work/aquery.json" "$work/exec_2.json" kernel/pgfault.c ||
    die "run 3 ran something that does not depend on kernel/pgfault.c, or skipped something that does"

# The server, not the client, refuses writes: what a test or a student's
# script sending its own HTTP requests would see. The key is a fresh random
# name, so a refused write that slipped through would show as a 200 below.
key=$(openssl rand -hex 32)
credentials=$(cat "$state/staff-credentials")
base=http://127.0.0.1:$port
echo poison >"$work/blob"
# curl reads credentials from a config on a pipe, not from its argv (which
# any local user can see in ps).
auth() { printf 'user = "%s"\n' "$1"; }
echo "PUT /rw/ac/<key> without credentials:         HTTP $(status PUT "$base/rw/ac/$key" -T "$work/blob")"
echo "PUT /rw/ac/<key> with a wrong password:        HTTP $(status PUT "$base/rw/ac/$key" -T "$work/blob" -K <(auth "${credentials%%:*}:guess"))"
echo "PUT /ro/ac/<key> (read-only endpoint):         HTTP $(status PUT "$base/ro/ac/$key" -T "$work/blob")"
echo "PUT /ro/ac/<key> with staff credentials:       HTTP $(status PUT "$base/ro/ac/$key" -T "$work/blob" -K <(auth "$credentials"))"
echo "DELETE /ro/cas/<key>:                          HTTP $(status DELETE "$base/ro/cas/$key")"
after=$(status GET "$base/ro/ac/$key")
echo "GET /ro/ac/<key> after the refused writes:     HTTP $after (404: nothing was stored)"
[ "$after" = 404 ] || die "a refused write was stored"
echo "PUT /rw/cas/<key> with staff credentials:      HTTP $(status PUT "$base/rw/cas/$key" -T "$work/blob" -K <(auth "$credentials")) (the one allowed writer)"
echo "$prog: OK (run 1 executed $run_1_executed actions; run 2 took every one from the cache; run 3 ran exactly what depends on kernel/pgfault.c)"
