#!/usr/bin/env python3
"""Grades a lab: runs its tests, prints each one's verdict and points, and the score.

    bazel run //grading:grade -- [--lab=vm] [--submission=DIR] [--hidden=DIR]
                                 [--results-json=FILE] [--logs=DIR] [--outside]

The lab's definition (labs/<lab>.toml) names each part's tests and points.
The tests run with Bazel in the workspace being graded: the one `bazel run`
was started from, or --submission's. Tests that share a timeout and a memory
size run in one `bazel test` (the rest of the build is shared and cached).
For each test the grader prints PASS or FAIL with the reason (the failing
GoogleTest case and its message, or the QEMU runner's FAIL line), then each
part's subtotal and `Score: X/Y`. The exit status is 0 with every point
earned, 1 when points are lost, 2 when grading itself failed (a bad lab file
or flag).

--outside also runs every other test of the workspace and fails when one
fails that no lab test claims: on the generated starter, every test outside
the lab must pass (grading/check_starter.sh).

--results-json writes Gradescope's results.json. --logs keeps each test's
log (its serial output, for QEMU tests) as <logs>/<part>/<n>-<target>.log.

--hidden=DIR adds staff tests kept outside the student repository: DIR holds
a lab file of its own (hidden.toml, in the same format, whose parts add to the
lab's parts of the same name) and the Bazel package(s) it names, under
DIR/<package path>. They are copied into the workspace for the run and taken
out again, run with no cache at all (nothing of them is stored where a
student could read it), and reported by name and verdict only: no reason,
no log.
"""

import argparse
import fnmatch
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET

DEFAULT_TIMEOUT = 300


class LabError(Exception):
    """A lab file or a flag the grader cannot use."""


# --- The lab ----------------------------------------------------------------


def load_lab(path, hidden=False):
    """Parses a lab file into a dict; raises LabError naming what is wrong."""
    try:
        with open(path, "rb") as f:
            lab = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LabError(f"{path}: {e}") from e
    parts = lab.get("parts")
    if not isinstance(parts, list) or not parts:
        raise LabError(f"{path}: no [[parts]]")
    for part in parts:
        for key in ("name", "title"):
            if not isinstance(part.get(key), str):
                raise LabError(f"{path}: a part without a {key}")
        tests = part.get("tests")
        if not isinstance(tests, list) or not tests:
            raise LabError(f"{path}: part {part['name']} has no [[parts.tests]]")
        for test in tests:
            where = f"{path}: part {part['name']}"
            if not isinstance(test.get("name"), str):
                raise LabError(f"{where}: a test without a name")
            where += f", test '{test['name']}'"
            target = test.get("target")
            if not isinstance(target, str) or not re.fullmatch(r"//[\w/.-]*:[\w.-]+", target):
                raise LabError(f"{where}: target must be a label //package:name")
            points = test.get("points")
            if not isinstance(points, int) or points < 0:
                raise LabError(f"{where}: points must be a whole number")
            cases = test.setdefault("cases", [])
            if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
                raise LabError(f"{where}: cases must be a list of GoogleTest patterns")
            timeout = test.setdefault("timeout", DEFAULT_TIMEOUT)
            if not isinstance(timeout, int) or timeout <= 0:
                raise LabError(f"{where}: timeout must be a positive number of seconds")
            memory = test.setdefault("memory", "")
            if not isinstance(memory, str) or (memory and not re.fullmatch(r"\d+[MG]", memory)):
                raise LabError(f"{where}: memory must be like 16M or 1G")
            test["hidden"] = hidden
    return lab


def merge_hidden(lab, hidden):
    """Adds the hidden lab's tests to the parts of the same name."""
    by_name = {part["name"]: part for part in lab["parts"]}
    for part in hidden["parts"]:
        if part["name"] not in by_name:
            raise LabError(f"hidden tests for part '{part['name']}', which the lab does not have")
        by_name[part["name"]]["tests"].extend(part["tests"])


# --- Running the tests -------------------------------------------------------


def testlog_dir(output_path, target):
    """Where Bazel left target's test.log and test.xml: under the output
    directory of whichever configuration ran it last (a test built through a
    transition, such as an on_x86_64_tables twin, has its own)."""
    package, name = target[2:].split(":")
    found = sorted(pathlib.Path(output_path).glob(f"*/testlogs/{package}/{name}/test.log"),
                   key=lambda log: log.stat().st_mtime)
    return found[-1].parent if found else pathlib.Path(output_path, "none", package, name)


def parse_summary(output):
    """Bazel's per-target verdicts: {target: 'PASSED' | 'FAILED' | ...}."""
    verdicts = {}
    pattern = re.compile(
        r"^(//\S+)\s+(?:\(cached\)\s+)?(FAILED TO BUILD|PASSED|FAILED|TIMEOUT|NO STATUS|"
        r"FLAKY|SKIPPED|INCOMPLETE)\b"
    )
    for line in output.splitlines():
        m = pattern.match(line.strip())
        if m:
            verdicts[m.group(1)] = m.group(2)
    return verdicts


def parse_cases(xml_text):
    """GoogleTest's cases from a test.xml: {'Suite.Case': failure text or None}."""
    cases = {}
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return cases
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        if case.get("status") == "notrun" or case.get("result") == "skipped":
            continue
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        cases[name] = None if failure is None else (failure.get("message") or failure.text or "")
    return cases


def qemu_reason(log_text):
    """Why a QEMU test failed: the test program's own first failure line
    ("cowtest: FAIL: ..."), else the QEMU runner's verdict line ("FAIL: ..."),
    else the log's last line."""
    lines = [l for l in log_text.splitlines() if l.strip()]
    for line in lines:
        if re.match(r"^[\w.-]+: FAIL: ", line):
            return line.strip()
    for line in reversed(lines):
        if line.startswith("FAIL:"):
            return line[len("FAIL:"):].strip()
    return lines[-1] if lines else "no output"


def first_line(text, limit=240):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def judge(test, verdict, cases, log_text):
    """(passed, reason) for one lab test from its target's results."""
    if verdict is None:
        return False, "the test did not run (the build failed, or Bazel was stopped)"
    if verdict == "FAILED TO BUILD":
        return False, "the test did not build: see the build errors above"
    if verdict == "TIMEOUT":
        return False, f"timed out after {test['timeout']} s"
    if not test["cases"]:
        if verdict in ("PASSED", "FLAKY"):
            return True, ""
        # A GoogleTest binary names its failing case; for any other test
        # Bazel's test.xml has one made-up case ("None.<target>"), and the
        # log says more.
        failed = [n for n, f in cases.items() if f is not None and not n.startswith("None.")]
        if failed:
            return False, f"{failed[0]}: {first_line(cases[failed[0]])}"
        return False, first_line(qemu_reason(log_text))
    matched = {
        name: failure
        for name, failure in cases.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in test["cases"])
    }
    if not matched:
        if verdict not in ("PASSED", "FAILED"):
            return False, f"the test binary did not finish ({verdict.lower()})"
        return False, "none of its cases ran: " + ", ".join(test["cases"])
    failed = sorted(name for name, failure in matched.items() if failure is not None)
    if failed:
        return False, f"{failed[0]}: {first_line(matched[failed[0]])}" + (
            f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        )
    return True, ""


def run_group(bazel, flags, workspace, tests, timeout, memory, hidden):
    """Runs one `bazel test` for tests sharing a timeout and memory size.

    Returns {target: verdict} and Bazel's output path. Raises
    LabError when Bazel could not run at all (a bad flag, a broken
    workspace), which is no verdict on the submission."""
    targets = sorted({t["target"] for t in tests})
    command = [*bazel, "test", *flags, "--keep_going", "--test_output=summary", "--test_summary=short",
               f"--test_timeout={timeout}"]
    if memory:
        command.append(f"--test_arg=--memory={memory}")
    if hidden:
        # Staff's tests: built and run here only, stored in no cache.
        command += ["--remote_cache=", "--disk_cache=", "--noremote_accept_cached",
                    "--noremote_upload_local_results"]
    command += ["--", *targets]
    result = subprocess.run(command, cwd=workspace, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = result.stdout
    if not hidden:
        sys.stdout.write(output)
    # 0: passed; 1: a build failed; 3: a test failed; anything else is
    # Bazel's own trouble (2: its command line).
    if result.returncode not in (0, 1, 3):
        tail = [l for l in output.splitlines() if l.strip()][-1:] or ["no output"]
        raise LabError(f"bazel test stopped with status {result.returncode}: {tail[0]}")
    output_path = subprocess.run([*bazel, "info", *flags, "output_path"], cwd=workspace,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True).stdout.strip()
    return parse_summary(output), output_path


def grade(lab, workspace, bazel, flags, logs_dir, hidden_packages=None, run=None):
    """Runs every test of the lab; returns one result dict per test.

    hidden_packages (a HiddenPackages) are in the workspace only while the
    hidden tests run: never while the submission's own tests do, which could
    read them. run is run_group, or a stand-in for tests of this function."""
    run = run or run_group
    groups = {}
    for part in lab["parts"]:
        for index, test in enumerate(part["tests"]):
            test["part"] = part["name"]
            test["index"] = index + 1
            key = (test["timeout"], test["memory"], test["hidden"])
            groups.setdefault(key, []).append(test)
    results = []
    for (timeout, memory, hidden), tests in sorted(groups.items()):
        if hidden:
            with hidden_packages:
                verdicts, output_path = run(bazel, flags, workspace, tests, timeout, memory, hidden)
        else:
            verdicts, output_path = run(bazel, flags, workspace, tests, timeout, memory, hidden)
        for test in tests:
            directory = testlog_dir(output_path, test["target"])
            log_text = read(directory / "test.log")
            cases = parse_cases(read(directory / "test.xml"))
            passed, reason = judge(test, verdicts.get(test["target"]), cases, log_text)
            if hidden:
                reason = ""
                shutil.rmtree(directory, ignore_errors=True)  # its log stays nowhere
            elif logs_dir is not None and log_text:
                keep = pathlib.Path(logs_dir, test["part"],
                                    f"{test['index']}-{test['target'][2:].replace('/', '_').replace(':', '.')}"
                                    f"{'-' + memory if memory else ''}.log")
                keep.parent.mkdir(parents=True, exist_ok=True)
                keep.write_text(log_text)
            results.append({**test, "passed": passed, "reason": reason})
    return results


def read(path):
    try:
        return pathlib.Path(path).read_text(errors="replace")
    except OSError:
        return ""


def unclaimed_failures(lab, verdicts, cases_of):
    """The failures of a whole-workspace run that no lab test claims.

    verdicts: {target: verdict} for every test target; cases_of(target): its
    GoogleTest cases ({name: failure or None}). A failing target is claimed
    whole by a lab test naming it without cases, case by case by the lab's
    patterns for it. Returns [(target, what failed)]."""
    whole = set()
    patterns = {}
    for part in lab["parts"]:
        for test in part["tests"]:
            if test["cases"]:
                patterns.setdefault(test["target"], []).extend(test["cases"])
            else:
                whole.add(test["target"])
    unclaimed = []
    for target, verdict in sorted(verdicts.items()):
        if verdict in ("PASSED", "FLAKY") or target in whole:
            continue
        failed = sorted(n for n, f in cases_of(target).items() if f is not None)
        if not failed:
            unclaimed.append((target, verdict.lower() + (", and no case result to claim"
                                                         if target in patterns else "")))
            continue
        mine = patterns.get(target, [])
        loose = [n for n in failed if not any(fnmatch.fnmatchcase(n, p) for p in mine)]
        if loose:
            unclaimed.append((target, ", ".join(loose)))
    return unclaimed


def check_outside(lab, workspace, bazel, flags, out):
    """Runs every test of the workspace; prints and returns the failures
    that no lab test claims (on a starter: tests the lab leaves broken)."""
    command = [*bazel, "test", *flags, "--keep_going", "--test_output=summary",
               "--test_summary=short", "--", "//..."]
    result = subprocess.run(command, cwd=workspace, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode not in (0, 1, 3):
        raise LabError(f"bazel test //... stopped with status {result.returncode}")
    output_path = subprocess.run([*bazel, "info", *flags, "output_path"], cwd=workspace,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True).stdout.strip()
    verdicts = parse_summary(result.stdout)
    unclaimed = unclaimed_failures(
        lab, verdicts,
        lambda target: parse_cases(read(testlog_dir(output_path, target) / "test.xml")))
    print("\n-- Outside the lab: every other test must pass", file=out)
    for target, what in unclaimed:
        print(f"  FAIL  {target}: {what}", file=out)
    if not unclaimed:
        print(f"  all pass ({len(verdicts)} test targets run)", file=out)
    return unclaimed


# --- Reporting ---------------------------------------------------------------


def report(lab, results, out):
    """Prints the verdicts, subtotals and score; returns (earned, possible)."""
    earned = possible = 0
    print(f"\n== {lab.get('title', lab['name'])}", file=out)
    for part in lab["parts"]:
        mine = sorted((r for r in results if r["part"] == part["name"]), key=lambda r: r["index"])
        got = sum(r["points"] for r in mine if r["passed"])
        total = sum(r["points"] for r in mine)
        earned += got
        possible += total
        print(f"\n-- {part['title']}", file=out)
        for r in mine:
            verdict = "PASS" if r["passed"] else "FAIL"
            label = "(hidden) " + r["name"] if r["hidden"] else r["name"]
            line = f"  {verdict}  {r['points'] if r['passed'] else 0:>3}/{r['points']:<3} {label}"
            print(line, file=out)
            if not r["passed"] and r["reason"]:
                print(f"             {r['reason']}", file=out)
        print(f"  {part['name']}: {got}/{total}", file=out)
    print(f"\nScore: {earned}/{possible}", file=out)
    return earned, possible


def gradescope(lab, results):
    """Gradescope's results.json for the results."""
    tests = []
    for r in results:
        test = {
            "name": f"{r['part']}: {r['name']}",
            "score": r["points"] if r["passed"] else 0,
            "max_score": r["points"],
            "status": "passed" if r["passed"] else "failed",
            "visibility": "after_published" if r["hidden"] else "visible",
        }
        if r["reason"]:
            test["output"] = r["reason"]
        tests.append(test)
    return {
        "score": sum(t["score"] for t in tests),
        "output": lab.get("title", lab["name"]),
        "tests": tests,
    }


# --- Hidden tests ------------------------------------------------------------


class HiddenPackages:
    """Copies the hidden tests' packages into the workspace for the run."""

    def __init__(self, hidden_dir, workspace):
        self.hidden_dir = pathlib.Path(hidden_dir)
        self.workspace = pathlib.Path(workspace)
        self.copied = []

    def __enter__(self):
        self.copied = []
        for build in sorted(self.hidden_dir.rglob("BUILD.bazel")):
            package = build.parent.relative_to(self.hidden_dir)
            destination = self.workspace / package
            if destination.exists():
                raise LabError(f"hidden package {package} would replace the workspace's own")
            shutil.copytree(build.parent, destination)
            self.copied.append(destination)
        return self

    def __exit__(self, *exc):
        for destination in self.copied:
            shutil.rmtree(destination, ignore_errors=True)


# --- Main ----------------------------------------------------------------------


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="vm", help="the lab: labs/<lab>.toml (default vm)")
    parser.add_argument("--submission", help="the workspace to grade (default: this one)")
    parser.add_argument("--hidden", help="a directory of staff tests (see above)")
    parser.add_argument("--results-json", help="write Gradescope's results.json here")
    parser.add_argument("--logs", help="keep each test's log under this directory")
    parser.add_argument("--bazel",
                        help="the Bazel command, run in the workspace (default: this "
                             "workspace's bazelw, never the submission's)")
    parser.add_argument("--outside", action="store_true",
                        help="also run every other test (bazel test //...); fail if any "
                             "failure is not a lab test's")
    parser.add_argument("--bazel-flag", action="append", default=[], dest="bazel_flags",
                        help="a flag for `bazel test` (repeat for more), e.g. --disk_cache=DIR")
    args = parser.parse_args(argv)

    here = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    workspace = pathlib.Path(args.submission or here).resolve()
    try:
        if not (workspace / "WORKSPACE").exists():
            raise LabError(f"{workspace} is not a Bazel workspace (no WORKSPACE file)")
        if not re.fullmatch(r"[\w-]+", args.lab):
            raise LabError(f"--lab: '{args.lab}' is not a lab name")
        lab_file = pathlib.Path(here, "labs", f"{args.lab}.toml")
        if not lab_file.exists():
            known = sorted(p.stem for p in pathlib.Path(here, "labs").glob("*.toml"))
            raise LabError(f"--lab: no labs/{args.lab}.toml (labs: {', '.join(known) or 'none'})")
        lab = load_lab(lab_file)
        hidden_packages = None
        if args.hidden:
            hidden_file = pathlib.Path(args.hidden, "hidden.toml")
            merge_hidden(lab, load_lab(hidden_file, hidden=True))
            hidden_packages = HiddenPackages(args.hidden, workspace)
    except LabError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2

    # The submission's own bazelw is its code: it could print any summary.
    bazel = args.bazel.split() if args.bazel else [str(pathlib.Path(here, "bazelw").resolve())]
    logs = pathlib.Path(args.logs).resolve() if args.logs else None
    try:
        results = grade(lab, workspace, bazel, args.bazel_flags, logs, hidden_packages)
        unclaimed = (check_outside(lab, workspace, bazel, args.bazel_flags, sys.stdout)
                     if args.outside else [])
    except LabError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    earned, possible = report(lab, results, sys.stdout)
    if args.results_json:
        with open(args.results_json, "w") as f:
            json.dump(gradescope(lab, results), f, indent=2)
            f.write("\n")
    if unclaimed:
        print(f"Outside the lab: {len(unclaimed)} test targets fail", file=sys.stdout)
        return 1
    return 0 if earned == possible else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
