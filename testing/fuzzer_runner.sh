#!/usr/bin/env bash
# A bounded libFuzzer run, as a test (see testing/fuzzer_test.bzl):
#
#   fuzzer_runner.sh FUZZER RUNS SEED_FILE...
#
# Copies the seeds to a scratch corpus directory (libFuzzer adds the inputs it
# finds to it; the committed files stay untouched), runs each of them, then
# RUNS mutations from a fixed random seed. Exits non-zero on a crash, a
# sanitizer report, a leak or a slow input; the crashing input is written to
# the test's undeclared outputs.
set -euo pipefail

fuzzer=$1
runs=$2
shift 2

scratch=${TEST_TMPDIR:-$(mktemp -d)}
corpus="$scratch/corpus"
mkdir -p "$corpus"
if [ "$#" -gt 0 ]; then
    cp "$@" "$corpus/"
fi
artifacts=${TEST_UNDECLARED_OUTPUTS_DIR:-$scratch}

exec "$fuzzer" \
    -runs="$runs" \
    -seed=1 \
    -max_total_time=120 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$corpus"
