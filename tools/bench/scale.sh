#!/usr/bin/env bash
# scale: fork and page-fault throughput of N processes on N CPUs, osv beside
# Debian's Linux under the same QEMU command line but -smp, for N in a list
# (default 1, 2, 4). Each boot runs scalebench (userland/bench/scalebench.c)
# with N workers; the table gives each system's throughput, the ratio
# osv/Linux at each N and each system's speed-up over N = 1.
#
#   bazel run //tools/bench:scale [-- FLAGS]
#
# Flags:
#   --cpus=LIST       CPU counts, comma-separated, each 1..8 (default 1,2,4);
#                     the first is the base of the speed-ups (give 1 first)
#   --boots=N         rounds: boots of each system at each count (default 5)
#   --reps=N          repetitions of the phases per boot (default 3, 1..20)
#   --phase-ms=N      length of each phase, ms (default 500, 10..10000)
#   --fork-kib=N      fork phase: each worker's heap, KiB (default 256)
#   --round-kib=N     fault phases: memory per round, KiB (default 1024)
#   --memory=SIZE     guest RAM, QEMU syntax (default 512M)
#   --timeout=SEC     wall-clock limit per boot (default 600)
#   --cache-dir=DIR   where Debian's kernel is downloaded and unpacked
#                     (default ~/.cache/osv-bench; never inside the repo)
#   --logs=DIR        keep every boot's serial log there (default: a new
#                     directory under /tmp, printed at the end)
#   --no-ceiling      skip the ceiling boots (below)
#   --help            this text
#
# Boots go round by round: in each round every CPU count once, and at each
# count osv and Linux one after the other, the orders rotating from round to
# round so that neither system nor count always goes first. Every boot runs
# through testing/qemu_runner.sh, so both systems get the same command line
# (-machine pc -cpu qemu64 -accel tcg, -m SIZE, -smp N, ...); Linux boots
# with "console=ttyS0 quiet -- ARGS" and scalebench_linux as its
# initramfs's /init, osv with "-- scalebench ARGS" (debian_kernel.sh
# fetches Linux once, as for //tools/bench:fork).
#
# QEMU's TCG runs one host thread per virtual CPU (multi-threaded TCG, its
# default for an x86_64 guest on an x86_64 host). The driver checks this
# before the boots (thread names of a paused QEMU with -smp 2) and prints
# it, with the host's CPU count (nproc) and load average (uptime) at the
# start and the end, and whether the host's scheduler shares CPU time
# between sessions (autogroup): N virtual CPUs cannot run faster than the
# host's cores allow, and the host may be running other work. The osv/Linux ratio at the
# same N compares like with like; a speed-up past the host's free cores
# measures the host. To tell the host's limit from osv's, each round also
# boots, at every count N above 1, N separate osv guests of one CPU at once,
# one worker each (the "ceiling"): their summed throughput is what N
# workers get from this host at that moment when they share nothing in a
# guest, and osv/ceiling is how much of it osv keeps with all N in one.
#
# Figures: scalebench's phase lines. ops/s is all workers' throughput
# together (each worker's operations over its timed seconds, summed); us/op
# is what one operation costs a worker while the others run (the median
# worker). Each boot's figure is the median of its repetitions; the table
# shows the median of the boots'. osv/linux is Linux's throughput over
# osv's: osv's time per operation over Linux's, below 1 when osv is faster,
# as in //tools/bench:fork's table.
set -uo pipefail

die() {
    echo "scale: $*" >&2
    exit 2
}

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

cpus_list=1,2,4
boots=5
reps=3
phase_ms=500
fork_kib=256
round_kib=1024
memory=512M
timeout=600
cache_dir="${HOME:-/root}/.cache/osv-bench"
logs=
ceiling=1

for arg in "$@"; do
    case "$arg" in
    --cpus=*) cpus_list=${arg#*=} ;;
    --boots=*) boots=${arg#*=} ;;
    --reps=*) reps=${arg#*=} ;;
    --phase-ms=*) phase_ms=${arg#*=} ;;
    --fork-kib=*) fork_kib=${arg#*=} ;;
    --round-kib=*) round_kib=${arg#*=} ;;
    --memory=*) memory=${arg#*=} ;;
    --timeout=*) timeout=${arg#*=} ;;
    --cache-dir=*) cache_dir=${arg#*=} ;;
    --logs=*) logs=${arg#*=} ;;
    --no-ceiling) ceiling=0 ;;
    --help | -h)
        usage
        exit 0
        ;;
    *) die "unknown flag '$arg' (flags: --cpus= --boots= --reps= --phase-ms= --fork-kib= --round-kib= --memory= --timeout= --cache-dir= --logs= --no-ceiling --help)" ;;
    esac
done

# $1 the flag, $2 its value, $3..$4 the bounds.
in_range() {
    [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
        die "$1 must be a number from $3 to $4, got '$2'"
}

[[ "$cpus_list" =~ ^[1-8](,[1-8])*$ ]] || die "--cpus must be CPU counts from 1 to 8 separated by commas, got '$cpus_list'"
IFS=, read -r -a counts <<<"$cpus_list"
if [ "$(printf '%s\n' "${counts[@]}" | sort -u | wc -l)" -ne "${#counts[@]}" ]; then
    die "--cpus lists a count twice: '$cpus_list'"
fi
in_range --boots "$boots" 1 100
in_range --reps "$reps" 1 20
in_range --phase-ms "$phase_ms" 10 10000
in_range --fork-kib "$fork_kib" 0 65536
in_range --round-kib "$round_kib" 4 65536
in_range --timeout "$timeout" 1 86400
[[ "$memory" =~ ^[1-9][0-9]*[MG]$ ]] || die "--memory must look like 512M or 1G, got '$memory'"

# bazel run starts us in the runfiles tree; relative paths the user typed
# are relative to where they typed them.
user_dir=${BUILD_WORKING_DIRECTORY:-$PWD}
case "$cache_dir" in /*) ;; *) cache_dir="$user_dir/$cache_dir" ;; esac
if [ -n "$logs" ]; then
    case "$logs" in /*) ;; *) logs="$user_dir/$logs" ;; esac
fi
if [ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]; then
    case "$cache_dir/" in
    "$BUILD_WORKSPACE_DIRECTORY"/*) die "--cache-dir must be outside the repository (the kernel is never committed)" ;;
    esac
fi

runner=testing/qemu_runner.sh
osv_image=arch/x86_64/kernel.boot.elf
osv_initrd=userland/bench/osv_initrd.cpio
linux_initramfs=userland/bench/linux_scale_initramfs.cpio
fetch=tools/bench/debian_kernel.sh
for f in "$runner" "$osv_image" "$osv_initrd" "$linux_initramfs" "$fetch"; do
    [ -f "$f" ] || die "$f is missing from the runfiles: run this with 'bazel run //tools/bench:scale'"
done
vmlinuz=$(bash "$fetch" "$cache_dir") || exit 2

if [ -z "$logs" ]; then
    logs=$(mktemp -d /tmp/osv-scalebench.XXXXXX)
fi
mkdir -p "$logs" || die "cannot create $logs"
if compgen -G "$logs/boot*" >/dev/null; then
    die "$logs already holds boot logs: give --logs an empty or new directory"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# ---------------------------------------------------------------------------
# The machine: host CPUs, load, and how QEMU runs several virtual CPUs.

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is missing (./bazelw installs it)"

# The thread names of a paused QEMU with two virtual CPUs and the runner's
# accelerator: "CPU 0/TCG", "CPU 1/TCG" under multi-threaded TCG, "ALL
# CPUs/TCG" when one thread takes turns.
tcg_threads() {
    "$qemu" -machine pc -cpu qemu64 -accel tcg -smp 2 -m 64M -display none -nic none \
        -monitor none -serial none -S -name scaleprobe,debug-threads=on 2>/dev/null &
    local pid=$! names=
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        sleep 0.2
        names=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep TCG | sort | paste -sd, -)
        case "$names" in *"CPU 1/TCG"* | *"ALL CPUs"*) break ;; esac
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "${names:-unknown}"
}

threads=$(tcg_threads)
case "$threads" in
*"CPU 1/TCG"*) tcg_mode="multi-threaded: one host thread per virtual CPU ($threads with -smp 2)" ;;
*"ALL CPUs"*) tcg_mode="single-threaded: one host thread takes turns over all virtual CPUs ($threads)" ;;
*) tcg_mode="unknown (thread names: $threads)" ;;
esac
host_cpus=$(nproc)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# With autogroup on, Linux on the host divides CPU time between sessions
# rather than threads: all of the benchmark's QEMU threads share one
# session's part while other sessions are busy.
case "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" in
1) autogroup="on: CPU time is shared between sessions, and all of QEMU's threads share this session's part" ;;
0) autogroup="off" ;;
*) autogroup="unknown" ;;
esac

# ---------------------------------------------------------------------------
# Boots.

args="--reps=$reps --phase-ms=$phase_ms --fork-kib=$fork_kib --round-kib=$round_kib"
one_boot() { # system cpus workers log outputs-dir
    local image initrd cmdline
    case "$1" in
    osv) image=$osv_image initrd=$osv_initrd cmdline="-- scalebench --workers=$3 $args" ;;
    linux) image=$vmlinuz initrd=$linux_initramfs cmdline="console=ttyS0 quiet -- --workers=$3 $args" ;;
    esac
    mkdir -p "$5"
    TEST_UNDECLARED_OUTPUTS_DIR=$5 bash "$runner" --image="$image" --initrd="$initrd" \
        --memory="$memory" --cpus="$2" --timeout="$timeout" --cmdline="$cmdline" \
        --expect=" result=pass" >"$4" 2>&1
}

# The ceiling at N CPUs: N separate osv guests of one CPU and one worker
# each, booted at once, their scalebench lines in one log (each tagged
# inst=K). Fails if one of them does.
boot_ceiling() { # cpus log
    local k status=0 pids=()
    for ((k = 1; k <= $1; k++)); do
        one_boot osv 1 1 "$2.$k" "$scratch/ceiling$k" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || status=1
    done
    for ((k = 1; k <= $1; k++)); do
        sed "s/^scalebench /scalebench inst=$k /" "$2.$k"
        rm -f "$2.$k"
    done >"$2"
    return $status
}

boot() { # system cpus log
    case "$1" in
    ceiling) boot_ceiling "$2" "$3" ;;
    *) one_boot "$1" "$2" "$2" "$3" "$scratch/single" ;;
    esac
}

echo "scale: $boots rounds of osv and Linux ($(basename "$vmlinuz")) on ${cpus_list} CPUs, -m $memory, scalebench $args" >&2
echo "scale: host: $host_cpus CPUs (nproc), load average $load_start, scheduler autogroup $autogroup; QEMU TCG $tcg_mode" >&2
failed=0
started=$(date +%s)
loads=()
for ((b = 1; b <= boots; b++)); do
    for ((i = 0; i < ${#counts[@]}; i++)); do
        n=${counts[$(((b - 1 + i) % ${#counts[@]}))]}
        # At one CPU the ceiling would be osv's own figure.
        systems=(osv linux)
        [ "$n" = 1 ] || [ "$ceiling" = 0 ] || systems+=(ceiling)
        for ((k = 0; k < ${#systems[@]}; k++)); do
            system=${systems[$(((b - 1 + i + k) % ${#systems[@]}))]}
            log="$logs/boot$(printf '%02d' "$b")-smp$n-$system.log"
            loads+=("$(cut -d' ' -f1 /proc/loadavg)")
            t0=$(date +%s)
            if boot "$system" "$n" "$log"; then
                echo "scale: round $b/$boots, $n CPUs, $system: ok ($(($(date +%s) - t0)) s)" >&2
            else
                # Its figures are left out of the table; the reason goes in.
                why=$(tr -d '\r' <"$log" | grep -m1 -E '^panic:|error=|^FAIL' || echo 'see the log')
                mv "$log" "${log%.log}.failed"
                echo "scale: round $b/$boots, $n CPUs, $system: FAILED ($why; log ${log%.log}.failed)" >&2
                echo "$system smp$n $(basename "$log" .log): $why" >>"$logs/failures.txt"
                failed=1
            fi
        done
    done
done
elapsed=$(($(date +%s) - started))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
load_range=$(printf '%s\n' "${loads[@]}" | sort -n | sed -n '1p;$p' | paste -sd' ' - | sed 's/ / to /')

# ---------------------------------------------------------------------------
# The table.

{
    # Each line gets its boot, CPU count and system from the log's name,
    # bootBB-smpN-SYSTEM.
    for log in "$logs"/boot*.log "$logs"/boot*.failed; do
        [ -f "$log" ] || continue
        name=$(basename "${log%.*}")
        rest=${name#*-smp}
        tag="boot=${name%%-*} n=${rest%%-*} sys=${rest#*-}"
        case "$log" in
        *.failed) echo "$tag status=failed" ;;
        *) tr -d '\r' <"$log" | grep '^scalebench ' | sed "s/^/$tag /" ;;
        esac
    done
} >"$scratch/lines"

awk -v counts="$cpus_list" -v boots="$boots" -v elapsed="$elapsed" -v host_cpus="$host_cpus" \
    -v load_start="$load_start" -v load_end="$load_end" -v load_range="$load_range" \
    -v tcg_mode="$tcg_mode" -v ceiling="$ceiling" -v autogroup="$autogroup" -v qemu_version="$("$qemu" --version | head -1)" -v linux="$(basename "$vmlinuz")" '
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
function range_of(list,   n, v, i, lo, hi) {
    n = split(list, v, " ")
    if (n == 0) return "-"
    lo = hi = v[1] + 0
    for (i = 2; i <= n; i++) { if (v[i] + 0 < lo) lo = v[i] + 0; if (v[i] + 0 > hi) hi = v[i] + 0 }
    return sprintf("%.0f..%.0f", lo, hi)
}
# Over the boots, the median of their medians over repetitions.
function figure(os, n, phase, metric,   b, meds) {
    meds = ""
    for (b in bootset) if ((os, n, phase, metric, b) in per_boot)
        meds = meds " " median_of(per_boot[os, n, phase, metric, b])
    return median_of(meds)
}
function boot_medians(os, n, phase, metric,   b, meds) {
    meds = ""
    for (b in bootset) if ((os, n, phase, metric, b) in per_boot)
        meds = meds " " median_of(per_boot[os, n, phase, metric, b])
    return meds
}
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
function num(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
{
    boot = field("boot"); os = field("sys"); n = field("n"); phase = field("phase")
    bootset[boot] = 1
    if (field("status") == "failed") { results[os, n]++; failures[os, n]++; next }
    if (field("result") != "") { results[os, n]++; if (field("result") == "pass") passes[os, n]++ }
    if (field("metric") == "free_pages") { pages_checked[os, n]++; if (field("ok") == "yes") pages_ok[os, n]++ }
    if (phase == "") next
    if (os == "ceiling") {
        # One guest of the N: its throughput goes into the sum of the set.
        if (field("worker") == "") {
            key = n SUBSEP phase SUBSEP boot SUBSEP field("rep")
            csum[key] += field("ops_per_s"); cinst[key]++
        }
        next
    }
    if (field("worker") != "") {
        m = field("migrations"); migr[os, n, phase] = migr[os, n, phase] " " m
        next
    }
    for (i = 1; i <= 4; i++) {
        metric = i == 1 ? "ops_per_s" : i == 2 ? "ns_per_op" : i == 3 ? "overlap_pct" : "faults_per_op"
        per_boot[os, n, phase, metric, boot] = per_boot[os, n, phase, metric, boot] " " field(metric)
    }
    k = split(field("cpus"), seen, ",")
    for (c = 1; c <= k; c++) cpus_seen[os, n, phase, seen[c]] = 1
    if (field("tlb_shootdowns") != "") {
        shootdowns[os, n] += field("tlb_shootdowns"); ipis[os, n] += field("tlb_shootdown_ipis")
        counted[os, n] = 1
    }
}
END {
    # A ceiling figure: the sum over the N guests of one boot and repetition,
    # when all N reported.
    for (key in csum) {
        split(key, part, SUBSEP)
        if (cinst[key] == part[1])
            per_boot["ceiling", part[1], part[2], "ops_per_s", part[3]] = per_boot["ceiling", part[1], part[2], "ops_per_s", part[3]] " " csum[key]
    }
    nn = split(counts, cpus, ",")
    np = split("fork cow_write demand_zero", phases, " ")
    label["fork"] = "fork+exit+wait"; label["cow_write"] = "COW write fault"; label["demand_zero"] = "demand-zero fault"
    printf "host: %d CPUs (nproc); load average %s at the start, %s at the end (1-minute figure %s over the boots)\n", host_cpus, load_start, load_end, load_range
    printf "host scheduler: autogroup %s\n", autogroup
    printf "QEMU: %s, TCG %s; guest Linux %s\n", qemu_version, tcg_mode, linux
    printf "\n"
    fmt = "%-18s %4s %12s %12s %10s %10s %10s %9s %9s\n"
    printf fmt, "operation", "cpus", "osv ops/s", "linux ops/s", "osv us/op", "linux us/op", "osv/linux", "osv xN/" cpus[1], "linux xN/" cpus[1]
    printf fmt, "------------------", "----", "------------", "------------", "----------", "----------", "----------", "---------", "---------"
    for (p = 1; p <= np; p++) {
        ph = phases[p]
        base_o = figure("osv", cpus[1], ph, "ops_per_s"); base_l = figure("linux", cpus[1], ph, "ops_per_s")
        for (i = 1; i <= nn; i++) {
            n = cpus[i]
            o = figure("osv", n, ph, "ops_per_s"); l = figure("linux", n, ph, "ops_per_s")
            to = figure("osv", n, ph, "ns_per_op"); tl = figure("linux", n, ph, "ns_per_op")
            printf fmt, label[ph], n, num(o, "%.0f"), num(l, "%.0f"), num(to / 1000, "%.2f"), num(tl / 1000, "%.2f"), ratio(l, o), ratio(o, base_o), ratio(l, base_l)
        }
    }

    if (ceiling) {
        printf "\nosv against its ceiling on this host: at N CPUs, N separate 1-CPU osv guests at once, one worker\n"
        printf "each, their throughputs summed (what osv would give if its N workers shared nothing in the guest)\n"
        fmt2 = "%-18s %4s %12s %12s %12s\n"
        printf fmt2, "operation", "cpus", "osv ops/s", "ceiling", "osv/ceiling"
        for (p = 1; p <= np; p++) for (i = 1; i <= nn; i++) {
            ph = phases[p]; n = cpus[i]
            if (n == 1) continue
            o = figure("osv", n, ph, "ops_per_s"); c = figure("ceiling", n, ph, "ops_per_s")
            printf fmt2, label[ph], n, num(o, "%.0f"), num(c, "%.0f"), ratio(o, c)
        }
    }

    printf "\nthroughput of each boot (ops/s, the median of its repetitions):\n"
    for (p = 1; p <= np; p++) for (i = 1; i <= nn; i++) {
        ph = phases[p]; n = cpus[i]
        printf "  %-18s %d CPUs  osv %-30s linux %-30s", label[ph], n, boot_medians("osv", n, ph, "ops_per_s"), boot_medians("linux", n, ph, "ops_per_s")
        if (ceiling && n != 1) printf " ceiling %s", boot_medians("ceiling", n, ph, "ops_per_s")
        printf "\n"
    }

    printf "\nchecks:\n"
    for (i = 1; i <= nn; i++) for (s = 1; s <= 3; s++) {
        n = cpus[i]; os = s == 1 ? "osv" : s == 2 ? "linux" : "ceiling"
        if (os == "ceiling" && (n == 1 || !ceiling)) continue
        printf "  %-7s %d CPUs: result=pass in %d of %d %s", os, n, passes[os, n] + 0, results[os, n] + 0, os == "ceiling" ? "guests" : "boots"
        if (failures[os, n]) printf " (%d failed and left out: failures.txt in the logs)", failures[os, n]
        if (os != "linux") printf "; free pages back in %d of %d", pages_ok[os, n] + 0, pages_checked[os, n] + 0
        if (counted[os, n]) printf "; TLB shootdowns %d (%d interrupts)", shootdowns[os, n], ipis[os, n]
        printf "\n"
    }
    printf "  workers side by side (overlap_pct, median; CPUs the workers ran on, over all phases; median migrations per worker and phase):\n"
    for (i = 1; i <= nn; i++) for (s = 1; s <= 2; s++) {
        n = cpus[i]; os = s == 1 ? "osv" : "linux"
        printf "    %-5s %d CPUs:", os, n
        for (p = 1; p <= np; p++) {
            ph = phases[p]; list = ""
            for (c = 0; c < 8; c++) if ((os, n, ph, c) in cpus_seen) list = list (list == "" ? "" : ",") c
            printf "  %s %s%% cpus %s migr %s", ph, num(figure(os, n, ph, "overlap_pct"), "%.0f"), list == "" ? "-" : list, num(median_of(migr[os, n, ph]), "%.0f")
        }
        printf "\n"
    }
    printf "  faults per operation (median): "
    for (p = 1; p <= np; p++) {
        ph = phases[p]
        printf "%s osv %s linux %s%s", ph, num(figure("osv", cpus[1], ph, "faults_per_op"), "%.2f"), num(figure("linux", cpus[1], ph, "faults_per_op"), "%.2f"), p < np ? "; " : "\n"
    }
    if (cpus[nn] + 0 > host_cpus + 0) {
        printf "\nnote: this host has %d CPUs and QEMU runs one thread per virtual CPU: with more virtual CPUs\n", host_cpus
        printf "than that (and other programs on the host) the virtual CPUs take turns on the host\047s. Speed-ups past\n"
        printf "%d CPUs measure the host, not the kernel; osv/linux at the same count still compares like with like.\n", host_cpus
    }
    printf "\n%d rounds of boots in %d s\n", boots, elapsed
}
' "$scratch/lines"

echo "serial logs: $logs" >&2
exit "$failed"
