#!/usr/bin/env bash
# Draws a saved console log with vmpictures.py and checks the page in
# headless Chromium (browser_check.py). Arguments: vmpictures.py,
# browser_check.py, the log.
set -euo pipefail
renderer=$1 checker=$2 log=$3
page=$TEST_TMPDIR/walk.html
python3 "$renderer" --out="$page" "$log"
# The screenshot stays with the test's outputs, for a look.
python3 "$checker" --html="$page" --log="$log" --png="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/walk.png"
