#!/usr/bin/env bash
# fork: boots osv (copy-on-write fork), osv (fork=eager) and Debian's Linux
# under the same QEMU command line, alternately, runs forkbench
# (userland/bench/forkbench.c) in each and prints one table: every figure
# for the three systems, the ratios osv/Linux and eager/COW, and whether
# osv meets its performance targets (README, "Performance").
#
#   bazel run //tools/bench:fork [-- FLAGS]
#
# Flags:
#   --boots=N         boots of each system (default 6; a round of three boots
#                     takes about 35 s at the default sizes)
#   --reps=N          repetitions of each figure per boot (default 20, min 20
#                     unless --quick)
#   --sizes=LIST      heap sizes in MiB, comma-separated (default 0,4,16,64)
#   --memory=SIZE     guest RAM, QEMU syntax (default 512M)
#   --timeout=SEC     wall-clock limit per boot (default 900)
#   --cache-dir=DIR   where Debian's kernel is downloaded and unpacked
#                     (default ~/.cache/osv-bench; never inside the repo)
#   --logs=DIR        keep every boot's serial log there (default: a new
#                     directory under /tmp, printed at the end)
#   --quick           allow --reps below 20 (for trying the driver out)
#   --help            this text
#
# The Linux side (debian_kernel.sh): `apt-get download linux-image-amd64`
# and the linux-image-<version>-amd64 package it depends on, unpacked with
# dpkg-deb into the cache directory (only ./boot is extracted); the newest
# vmlinuz there is used. forkbench_linux is the initramfs's /init. Delete the
# cache directory to fetch a newer kernel.
#
# Every boot runs through testing/qemu_runner.sh, so the three systems get
# the same QEMU command line: -machine pc -cpu qemu64 -accel tcg, one vCPU,
# -m SIZE, -no-reboot, the isa-debug-exit device (exit status 33: clean
# shutdown), console on the first serial port (Linux: -append "console=ttyS0
# quiet -- ARGS"; osv: "[fork=eager] -- forkbench ARGS").
#
# Time: all figures are converted with one TSC rate: the median of the
# Linux boots' own measurements against CLOCK_MONOTONIC. Under TCG the guest's
# TSC is the host's, the same counter in every boot; osv's calibration
# against the PIT (sysinfo's tsc_per_second) can be late by up to 20% in a
# boot, so each osv boot's figures are rescaled by its rate / the reference.
# Both rates are printed.
set -uo pipefail

die() {
    echo "fork: $*" >&2
    exit 2
}

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

boots=6
reps=20
sizes=0,4,16,64
memory=512M
timeout=900
cache_dir="${HOME:-/root}/.cache/osv-bench"
logs=
quick=0

for arg in "$@"; do
    case "$arg" in
    --boots=*) boots=${arg#*=} ;;
    --reps=*) reps=${arg#*=} ;;
    --sizes=*) sizes=${arg#*=} ;;
    --memory=*) memory=${arg#*=} ;;
    --timeout=*) timeout=${arg#*=} ;;
    --cache-dir=*) cache_dir=${arg#*=} ;;
    --logs=*) logs=${arg#*=} ;;
    --quick) quick=1 ;;
    --help | -h)
        usage
        exit 0
        ;;
    *) die "unknown flag '$arg' (flags: --boots= --reps= --sizes= --memory= --timeout= --cache-dir= --logs= --quick --help)" ;;
    esac
done

[[ "$boots" =~ ^[1-9][0-9]*$ ]] || die "--boots must be a positive number, got '$boots'"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive number, got '$reps'"
[ "$reps" -le 1000 ] || die "--reps must be at most 1000"
[ "$reps" -ge 20 ] || [ "$quick" = 1 ] || die "--reps below 20 gives no stable medians (add --quick to try anyway)"
[[ "$sizes" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--sizes must be MiB values separated by commas, got '$sizes'"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a number of seconds, got '$timeout'"
[[ "$memory" =~ ^[1-9][0-9]*[MG]$ ]] || die "--memory must look like 512M or 1G, got '$memory'"

# bazel run starts us in the runfiles tree; relative paths the user typed
# are relative to where they typed them.
user_dir=${BUILD_WORKING_DIRECTORY:-$PWD}
case "$cache_dir" in /*) ;; *) cache_dir="$user_dir/$cache_dir" ;; esac
if [ -n "$logs" ]; then
    case "$logs" in /*) ;; *) logs="$user_dir/$logs" ;; esac
fi

runner=testing/qemu_runner.sh
osv_image=arch/x86_64/kernel.boot.elf
osv_initrd=userland/bench/osv_initrd.cpio
linux_initramfs=userland/bench/linux_initramfs.cpio
for f in "$runner" "$osv_image" "$osv_initrd" "$linux_initramfs" tools/bench/debian_kernel.sh; do
    [ -f "$f" ] || die "$f is missing from the runfiles: run this with 'bazel run //tools/bench:fork'"
done

# ---------------------------------------------------------------------------
# Debian's kernel.

if [ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]; then
    case "$cache_dir/" in
    "$BUILD_WORKSPACE_DIRECTORY"/*) die "--cache-dir must be outside the repository (the kernel is never committed)" ;;
    esac
fi
vmlinuz=$(bash tools/bench/debian_kernel.sh "$cache_dir") || exit 2

# ---------------------------------------------------------------------------
# Boots.

if [ -z "$logs" ]; then
    logs=$(mktemp -d /tmp/osv-forkbench.XXXXXX)
fi
mkdir -p "$logs" || die "cannot create $logs"
if compgen -G "$logs/boot*" >/dev/null; then
    die "$logs already holds boot logs: give --logs an empty or new directory"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

args="--sizes=$sizes --reps=$reps"
systems=(cow eager linux)

boot() { # system index log
    local system=$1 image initrd cmdline
    case "$system" in
    cow) image=$osv_image initrd=$osv_initrd cmdline="-- forkbench $args" ;;
    eager) image=$osv_image initrd=$osv_initrd cmdline="fork=eager -- forkbench $args" ;;
    linux) image=$vmlinuz initrd=$linux_initramfs cmdline="console=ttyS0 quiet -- $args" ;;
    esac
    TEST_UNDECLARED_OUTPUTS_DIR=$scratch bash "$runner" --image="$image" --initrd="$initrd" \
        --memory="$memory" --timeout="$timeout" --cmdline="$cmdline" \
        --expect=" result=pass" >"$3" 2>&1
}

echo "fork: $boots boots each of osv (cow), osv (eager) and Linux ($(basename "$vmlinuz")), -m $memory, forkbench $args" >&2
failed=0
started=$(date +%s)
for ((b = 1; b <= boots; b++)); do
    for ((k = 0; k < 3; k++)); do
        # Rotate the order each round, so no system always runs first.
        system=${systems[$(((b - 1 + k) % 3))]}
        log="$logs/boot$(printf '%02d' "$b")-$system.log"
        t0=$(date +%s)
        if boot "$system" "$b" "$log"; then
            echo "fork: boot $b/$boots $system: ok ($(($(date +%s) - t0)) s)" >&2
        else
            # Its figures are left out of the table; the reason goes in.
            why=$(tr -d '\r' <"$log" | grep -m1 -E '^panic:|error=|^FAIL' || echo 'see the log')
            mv "$log" "${log%.log}.failed"
            echo "fork: boot $b/$boots $system: FAILED ($why; log ${log%.log}.failed)" >&2
            echo "$system $(basename "$log" .log): $why" >>"$logs/failures.txt"
            failed=1
        fi
    done
done
elapsed=$(($(date +%s) - started))

# ---------------------------------------------------------------------------
# The table.

{
    for log in "$logs"/boot*.log; do
        [ -f "$log" ] || continue
        name=$(basename "$log" .log)
        tr -d '\r' <"$log" | grep '^forkbench ' | sed "s/^/boot=${name%%-*} sys=${name#*-} /"
    done
    for log in "$logs"/boot*.failed; do
        [ -f "$log" ] || continue
        name=$(basename "$log" .failed)
        echo "boot=${name%%-*} sys=${name#*-} status=failed"
    done
} >"$scratch/lines"

awk -v sizes="$sizes" -v boots="$boots" -v elapsed="$elapsed" '
function field(name,   i) {
    for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
}
function median_of(list,   n, v, i, j, x) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    if (n == 0) return ""
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function us(ns) { return ns == "" ? "-" : sprintf("%.2f", ns / 1000) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
function times(a, b) { return (b == "" || b == 0) ? "- x" : sprintf("%.1f x", a / b) }
function faults_of(sys, metric, heap,   m) { m = median_of(faults[sys, metric, heap]); return m == "" ? "-" : sprintf("%.2f", m) }
function med(sys, metric, heap) { return median_of(vals[sys, metric, heap]) }
{
    boot = field("boot"); sys = field("sys")
    if (field("metric") == "tsc_hz") {
        tsc[boot, sys] = field("value")
        if (sys == "linux") linux_tsc = linux_tsc " " field("value")
        else osv_tsc = osv_tsc " " field("value")
    }
    lines[NR] = $0
}
END {
    ref = median_of(linux_tsc)
    for (r = 1; r <= NR; r++) {
        $0 = lines[r]
        boot = field("boot"); sys = field("sys"); metric = field("metric"); heap = field("heap_mib")
        scale = (ref != "" && tsc[boot, sys] != "") ? tsc[boot, sys] / ref : 1
        if (field("median") != "") {
            vals[sys, metric, heap] = vals[sys, metric, heap] " " field("median") * scale
            m = field("min") * scale
            if (!((sys, metric, heap) in mins) || m < mins[sys, metric, heap]) mins[sys, metric, heap] = m
            f = field("faults_per_page")
            if (f != "") faults[sys, metric, heap] = faults[sys, metric, heap] " " f
        }
        if (metric == "free_pages" && field("ok") != "") {
            rounds[sys]++
            if (field("ok") == "yes") rounds_ok[sys]++
        }
        if (field("result") != "") { results[sys]++; if (field("result") == "pass") passes[sys]++ }
        if (field("status") == "failed") { results[sys]++; failures[sys]++ }
    }

    nsz = split(sizes, sz, ",")
    fmt = "%-38s %12s %12s %12s %10s %10s\n"
    printf fmt, "figure (us; median of boots)", "osv cow", "osv eager", "linux", "cow/linux", "eager/cow"
    printf fmt, "--------------------------------------", "------------", "------------", "------------", "----------", "----------"
    nrow = 0
    for (i = 1; i <= nsz; i++) row["fork_exit_wait_ns", sz[i], "fork+exit+wait, heap " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["cow_write_per_page_ns", sz[i], "COW write / page, heap " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["cow_write_sampled_ns", sz[i], "  the same, 64-page samples, " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["demand_zero_per_page_ns", sz[i], "demand-zero / page, " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["demand_zero_sampled_ns", sz[i], "  the same, 64-page samples, " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["cow_reuse_per_page_ns", sz[i], "COW write, last sharer / page, " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["cow_reuse_sampled_ns", sz[i], "  the same, 64-page samples, " sz[i] " MiB"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["heap_copy_sampled_ns", sz[i], "floor: copy, heap pages, " sz[i] " MiB (*)"] = ++nrow
    for (i = 1; i <= nsz; i++) if (sz[i] > 0) row["heap_zero_sampled_ns", sz[i], "floor: zero, heap pages, " sz[i] " MiB (*)"] = ++nrow
    row["sbrk_page_touch_ns", "", "sbrk(+1 page) + touch"] = ++nrow
    row["getpid_ns", "", "getpid (null syscall)"] = ++nrow
    row["page_copy_ns", "", "floor: copy 4 KiB (8-byte moves)"] = ++nrow
    row["page_zero_ns", "", "floor: zero 4 KiB (8-byte moves)"] = ++nrow
    note = "(*) per page, 64-page samples over the pages the faults touch, last touched a whole heap earlier; the two floor rows at the end loop over 16 warm pages"
    for (k in row) order[row[k]] = k
    for (r = 1; r <= nrow; r++) {
        split(order[r], key, SUBSEP)
        c = med("cow", key[1], key[2]); e = med("eager", key[1], key[2]); l = med("linux", key[1], key[2])
        printf fmt, key[3], us(c), us(e), us(l), ratio(c, l), ratio(e, c)
    }
    printf "%s\n", note
    printf "\n%-38s %12s %12s %12s\n", "minimum over all samples (us)", "osv cow", "osv eager", "linux"
    for (r = 1; r <= nrow; r++) {
        split(order[r], key, SUBSEP)
        printf "%-38s %12s %12s %12s\n", key[3], us(mins["cow", key[1], key[2]]), us(mins["eager", key[1], key[2]]), us(mins["linux", key[1], key[2]])
    }

    printf "\nchecks:\n"
    for (i = 1; i <= 3; i++) {
        s = i == 1 ? "cow" : i == 2 ? "eager" : "linux"
        printf "  %-6s forkbench result=pass in %d of %d boots", s, passes[s] + 0, results[s] + 0
        if (failures[s]) printf " (%d failed and left out: failures.txt in the logs)", failures[s]
        if (s != "linux") printf "; free pages back to the start in %d of %d rounds", rounds_ok[s] + 0, rounds[s] + 0
        printf "\n"
    }
    big = 0
    for (i = 1; i <= nsz; i++) if (sz[i] + 0 > big) big = sz[i] + 0
    if (big > 0) {
        printf "  faults per page at %d MiB (COW write / demand-zero / last sharer):", big
        for (i = 1; i <= 3; i++) {
            s = i == 1 ? "cow" : i == 2 ? "eager" : "linux"
            printf "%s %s %s / %s / %s", i == 1 ? "" : ",", s, faults_of(s, "cow_write_per_page_ns", big), \
                faults_of(s, "demand_zero_per_page_ns", big), faults_of(s, "cow_reuse_per_page_ns", big)
        }
        printf "\n"
    }
    split(osv_tsc, ot, " "); lo = hi = ""
    for (t in ot) { if (lo == "" || ot[t] + 0 < lo) lo = ot[t] + 0; if (hi == "" || ot[t] + 0 > hi) hi = ot[t] + 0 }
    if (ref != "") {
        printf "  TSC: %.1f MHz (Linux boots, against CLOCK_MONOTONIC) used for all; osv boots calibrated %.1f..%.1f MHz (%+.1f%%..%+.1f%%), rescaled\n", \
            ref / 1e6, lo / 1e6, hi / 1e6, (lo / ref - 1) * 100, (hi / ref - 1) * 100
    } else {
        printf "  TSC: no Linux boot; each boot converted with its own rate\n"
    }

    if (big > 0) {
        printf "\ntargets (heap %d MiB):\n", big
        c = med("cow", "fork_exit_wait_ns", big); e = med("eager", "fork_exit_wait_ns", big); l = med("linux", "fork_exit_wait_ns", big)
        verdict("fork+exit+wait: eager/cow >= 15", e != "" && c != "" && e / c >= 15, ratio(e, c))
        verdict("fork+exit+wait: cow <= 0.3 x linux", c != "" && l != "" && c <= 0.3 * l, ratio(c, l) " of linux")
        floor_copy = med("cow", "page_copy_ns", "") + med("cow", "getpid_ns", "")
        floor_zero = med("cow", "page_zero_ns", "") + med("cow", "getpid_ns", "")
        c = med("cow", "cow_write_per_page_ns", big); l = med("linux", "cow_write_per_page_ns", big)
        verdict("COW fault/page: no slower than linux", c != "" && l != "" && c <= l, ratio(c, l) " of linux")
        verdict("COW fault/page: <= 2 x (copy floor + getpid)", c != "" && c <= 2 * floor_copy, sprintf("%s us vs 2 x %s us = %.2fx the floor sum", us(c), us(floor_copy), c / floor_copy))
        c = med("cow", "cow_write_sampled_ns", big)
        verdict("  the same, 64-page samples", c != "" && c <= 2 * floor_copy, sprintf("%s us: %.2fx the floor sum", us(c), c / floor_copy))
        c = med("cow", "demand_zero_per_page_ns", big); l = med("linux", "demand_zero_per_page_ns", big)
        verdict("demand-zero/page: no slower than linux", c != "" && l != "" && c <= l, ratio(c, l) " of linux")
        verdict("demand-zero/page: <= 2 x (zero floor + getpid)", c != "" && c <= 2 * floor_zero, sprintf("%s us vs 2 x %s us = %.2fx the floor sum", us(c), us(floor_zero), c / floor_zero))
        c = med("cow", "demand_zero_sampled_ns", big)
        verdict("  the same, 64-page samples", c != "" && c <= 2 * floor_zero, sprintf("%s us: %.2fx the floor sum", us(c), c / floor_zero))
    }
    verdict("free pages back to the start, every round", rounds["cow"] + rounds["eager"] > 0 && rounds_ok["cow"] + rounds_ok["eager"] == rounds["cow"] + rounds["eager"], (rounds_ok["cow"] + rounds_ok["eager"]) " of " (rounds["cow"] + rounds["eager"]) " rounds")
    if (big > 0) {
        # Not targets: the 64-page samples of each kind of fault, split into
        # the floor over the same (cold) pages and the rest, which is what
        # the fault itself costs, also counted in null system calls.
        g = med("cow", "getpid_ns", "")
        printf "\nwhere a fault goes (osv cow, heap %d MiB, 64-page samples, us):\n", big
        split("cow_write demand_zero cow_reuse", kinds, " ")
        split("heap_copy heap_zero -", floors, " ")
        split("COW fault (copy)|demand-zero fault|last-sharer fault", names, "|")
        for (k = 1; k <= 3; k++) {
            f = med("cow", kinds[k] "_sampled_ns", big)
            fl = floors[k] == "-" ? 0 : med("cow", floors[k] "_sampled_ns", big)
            if (f == "" || fl == "") {
                printf "  %-20s -: no figures\n", names[k]
            } else if (floors[k] == "-") {
                printf "  %-20s %6s, copying and zeroing nothing (%s getpid)\n", names[k], us(f), times(f, g)
            } else {
                printf "  %-20s %6s = the floor over its pages %6s + the rest %6s (%s getpid)\n", names[k], us(f), us(fl), us(f - fl), times(f - fl, g)
            }
        }
    }
    printf "\n%d boots of each system in %d s\n", boots, elapsed
}
function verdict(what, ok, detail) { printf "  %-48s %-6s (%s)\n", what, ok ? "MET" : "MISSED", detail }
' "$scratch/lines"

echo "serial logs: $logs" >&2
exit "$failed"
