#!/usr/bin/env python3
"""Grades a lab: runs its tests, prints each one's verdict and points, and the score.

    bazel run //grading:grade -- [--lab=vm | --lab-file=FILE]
                                 [--submission=DIR [--out-dir=DIR] [--cache-socket=PATH]]
                                 [--hidden=DIR] [--results-json=FILE] [--logs=DIR] [--outside]

The lab's definition (labs/<lab>.toml) names its student files and each
part's tests and points. Tests that share a timeout and a memory size run in
one `bazel test` (the rest of the build is shared and cached). For each test
the grader prints PASS or FAIL with the reason (the failing GoogleTest case
and its message, or the QEMU runner's FAIL line), then each part's subtotal
and `Score: X/Y`. The exit status is 0 with every point earned, 1 when
points are lost, 2 when grading itself failed (a bad lab file or flag).

Without --submission the grader runs the tests in this workspace as it is:
a student checking their own work, or staff checking the reference.

--submission=DIR grades untrusted code, the way staff grade a push (README,
"Grading untrusted code"): the lab's student files are taken from DIR, and
nothing else, and laid over a copy of this tree (overlay.py); Bazel runs in
the grading sandbox (sandbox.py, as root), reading only staff's rc files.
--out-dir keeps Bazel's output there for the next grading of the same
submission (never share one between submissions); --cache-socket reads the
remote cache through the cache server's read-only socket.

--outside also runs every other test of the workspace and fails when one
fails that no lab test claims: on the generated starter, every test outside
the lab must pass (grading/check_starter.sh).

--results-json writes Gradescope's results.json. --logs keeps each test's
log (its serial output, for QEMU tests) as <logs>/<part>/<n>-<target>.log.

--hidden=DIR adds staff tests kept outside the student repository: DIR holds
a lab file of its own (hidden.toml, in the same format, whose parts add to the
lab's parts of the same name) and the Bazel package(s) it names, under
DIR/<package path>. They are copied into the workspace for their run only and
taken out again, run with no cache at all (nothing of them is stored where a
student could read it; with --submission, in a sandbox of their own whose
output is deleted after), and reported by name and verdict only: no reason,
no log.
"""

import argparse
import contextlib
import fnmatch
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET

import overlay
import sandbox

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


class LocalBazel:
    """Bazel run directly in a workspace: a student grading their own tree,
    or staff grading a tree they trust. command: the Bazel command (this
    workspace's bazelw, never a submission's); flags: for every `bazel test`."""

    def __init__(self, command, workspace, flags):
        self.command = command
        self.workspace = pathlib.Path(workspace)
        self.flags = list(flags)

    def bazel(self, args):
        """(exit status, output) of `bazel <args[0]> <flags> <args[1:]>`."""
        result = subprocess.run([*self.command, args[0], *self.flags, *args[1:]],
                                cwd=self.workspace, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return result.returncode, result.stdout

    def output_path(self):
        return subprocess.run([*self.command, "info", *self.flags, "output_path"],
                              cwd=self.workspace, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()

    @staticmethod
    def read(path):
        return read(path)

    @contextlib.contextmanager
    def for_hidden(self):
        """This Bazel for the hidden tests: with no remote or disk cache."""
        yield LocalBazel(self.command, self.workspace,
                         self.flags + ["--remote_cache=", "--disk_cache=", "--noremote_accept_cached",
                                       "--noremote_upload_local_results"])


class SandboxedBazel:
    """Bazel in the grading sandbox (box, a sandbox.Sandbox over the
    overlay): the way a submission is graded. With the box's cache socket,
    Bazel reads the remote cache through it (`--config=student`)."""

    def __init__(self, box, flags):
        self.box = box
        self.workspace = box.workspace
        self.base_flags = list(flags)
        # The config first: staff's own flags after it override it.
        self.flags = (["--config=student"] if box.cache_socket else []) + self.base_flags

    def bazel(self, args):
        return self.box.run([args[0], *self.flags, *args[1:]])

    def output_path(self):
        return self.box.output_path()

    def read(self, path):
        return self.box.read(path)

    @contextlib.contextmanager
    def for_hidden(self):
        """A sandbox of its own for the hidden tests: no cache, and an output
        directory deleted after them. The submission's code runs in the
        hidden tests too; whatever it copies there is deleted with it."""
        with tempfile.TemporaryDirectory(prefix="osv-grade-hidden.") as out:
            yield SandboxedBazel(sandbox.Sandbox(self.workspace, out), self.base_flags)


def run_group(bazel, tests, timeout, memory, hidden):
    """Runs one `bazel test` for tests sharing a timeout and memory size.

    Returns {target: verdict}. Raises LabError when Bazel could not run at
    all (a bad flag, a broken workspace), which is no verdict on the
    submission."""
    targets = sorted({t["target"] for t in tests})
    args = ["test", "--keep_going", "--test_output=summary", "--test_summary=short",
            f"--test_timeout={timeout}"]
    if memory:
        args.append(f"--test_arg=--memory={memory}")
    status, output = bazel.bazel([*args, "--", *targets])
    if not hidden:
        sys.stdout.write(output)
    else:
        # Staff's eyes only (stderr): why hidden tests did not build, say.
        errors = [l for l in output.splitlines() if l.startswith(("ERROR:", "grade:"))]
        print(f"grade: hidden tests' bazel test: status {status}" +
              "".join("\n  " + l for l in errors[:20]), file=sys.stderr)
    # 0: passed; 1: a build failed; 3: a test failed; anything else is
    # Bazel's own trouble (2: its command line).
    if status not in (0, 1, 3):
        tail = [l for l in output.splitlines() if l.strip()][-1:] or ["no output"]
        raise LabError(f"bazel test stopped with status {status}: {tail[0]}")
    return parse_summary(output)


def judge_group(bazel, tests, timeout, memory, hidden, logs_dir, run):
    """Runs a group's tests and judges each; returns their result dicts."""
    verdicts = run(bazel, tests, timeout, memory, hidden)
    output_path = bazel.output_path()
    results = []
    for test in tests:
        directory = testlog_dir(output_path, test["target"])
        log_text = bazel.read(directory / "test.log")
        cases = parse_cases(bazel.read(directory / "test.xml"))
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


def grade(lab, bazel, logs_dir, hidden_packages=None, run=None):
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
            with hidden_packages, bazel.for_hidden() as hidden_bazel:
                results += judge_group(hidden_bazel, tests, timeout, memory, hidden, logs_dir, run)
        else:
            results += judge_group(bazel, tests, timeout, memory, hidden, logs_dir, run)
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


def check_outside(lab, bazel, out):
    """Runs every test of the workspace; prints and returns the failures
    that no lab test claims (on a starter: tests the lab leaves broken)."""
    status, output = bazel.bazel(["test", "--keep_going", "--test_output=summary",
                                  "--test_summary=short", "--", "//..."])
    sys.stdout.write(output)
    if status not in (0, 1, 3):
        raise LabError(f"bazel test //... stopped with status {status}")
    output_path = bazel.output_path()
    verdicts = parse_summary(output)
    unclaimed = unclaimed_failures(
        lab, verdicts,
        lambda target: parse_cases(bazel.read(testlog_dir(output_path, target) / "test.xml")))
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
            overlay.make_readable(destination)  # staff may keep them private
        return self

    def __exit__(self, *exc):
        for destination in self.copied:
            shutil.rmtree(destination, ignore_errors=True)


# --- Main ----------------------------------------------------------------------


def user_path(name):
    """A path from the command line: relative ones are taken from where
    `bazel run` was started, not from the runfiles Bazel runs us in."""
    return pathlib.Path(os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd()), name).resolve()


def find_lab(here, args):
    """The lab file named by --lab-file or --lab, from the grader's tree."""
    if args.lab_file:
        return user_path(args.lab_file)
    if not re.fullmatch(r"[\w-]+", args.lab):
        raise LabError(f"--lab: '{args.lab}' is not a lab name")
    lab_file = pathlib.Path(here, "labs", f"{args.lab}.toml")
    if not lab_file.exists():
        known = sorted(p.stem for p in pathlib.Path(here, "labs").glob("*.toml"))
        raise LabError(f"--lab: no labs/{args.lab}.toml (labs: {', '.join(known) or 'none'})")
    return lab_file


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="vm", help="the lab: labs/<lab>.toml (default vm)")
    parser.add_argument("--lab-file", help="the lab file itself, instead of --lab")
    parser.add_argument("--submission",
                        help="grade this submission: its student files over this tree, in the "
                             "grading sandbox (default: grade this workspace as it is)")
    parser.add_argument("--out-dir",
                        help="with --submission: keep Bazel's output here, to grade the same "
                             "submission again quickly (default: a new directory, deleted after)")
    parser.add_argument("--cache-socket",
                        help="with --submission: read the remote cache through this socket "
                             "(the cache server's <state dir>/ro.sock)")
    parser.add_argument("--hidden", help="a directory of staff tests (see above)")
    parser.add_argument("--results-json", help="write Gradescope's results.json here")
    parser.add_argument("--logs", help="keep each test's log under this directory")
    parser.add_argument("--bazel",
                        help="without --submission: the Bazel command (default: this "
                             "workspace's bazelw)")
    parser.add_argument("--outside", action="store_true",
                        help="also run every other test (bazel test //...); fail if any "
                             "failure is not a lab test's")
    parser.add_argument("--bazel-flag", action="append", default=[], dest="bazel_flags",
                        help="a flag for `bazel test` (repeat for more), e.g. --disk_cache=DIR")
    args = parser.parse_args(argv)

    here = pathlib.Path(os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())).resolve()
    with contextlib.ExitStack() as cleanup:
        try:
            if not (here / "WORKSPACE").exists():
                raise LabError(f"{here} is not a Bazel workspace (no WORKSPACE file)")
            lab = load_lab(find_lab(here, args))
            if args.submission:
                if args.bazel:
                    raise LabError("--bazel: a submission is graded by the sandbox's Bazel")
                submission = user_path(args.submission)
                if not submission.is_dir():
                    raise LabError(f"--submission: {submission} is not a directory")
                workspace = pathlib.Path(cleanup.enter_context(
                    tempfile.TemporaryDirectory(prefix="osv-grade-overlay.", dir="/var/tmp")))
                workspace.chmod(0o755)  # the sandbox's user must reach it
                refused = overlay.make_overlay(here, submission, lab.get("student_files", []),
                                               workspace)
                for name, why in sorted(refused.items()):
                    print(f"grade: the submission's {name} is {why}: not graded, left out",
                          file=sys.stderr)
                out_dir = user_path(args.out_dir) if args.out_dir else cleanup.enter_context(
                    tempfile.TemporaryDirectory(prefix="osv-grade-out.", dir="/var/tmp"))
                box = sandbox.Sandbox(workspace, out_dir,
                                      user_path(args.cache_socket) if args.cache_socket else None)
                bazel = SandboxedBazel(box, args.bazel_flags)
            else:
                if args.out_dir or args.cache_socket:
                    raise LabError("--out-dir and --cache-socket go with --submission")
                workspace = here
                command = args.bazel.split() if args.bazel else [str(here / "bazelw")]
                bazel = LocalBazel(command, workspace, args.bazel_flags)
            hidden_packages = None
            if args.hidden:
                hidden_dir = user_path(args.hidden)
                merge_hidden(lab, load_lab(hidden_dir / "hidden.toml", hidden=True))
                hidden_packages = HiddenPackages(hidden_dir, workspace)
            logs = user_path(args.logs) if args.logs else None
            results = grade(lab, bazel, logs, hidden_packages)
            unclaimed = check_outside(lab, bazel, sys.stdout) if args.outside else []
        except (LabError, overlay.OverlayError, sandbox.SandboxError) as e:
            print(f"grade: {e}", file=sys.stderr)
            return 2
    earned, possible = report(lab, results, sys.stdout)
    if args.results_json:
        with open(user_path(args.results_json), "w") as f:
            json.dump(gradescope(lab, results), f, indent=2)
            f.write("\n")
    if unclaimed:
        print(f"Outside the lab: {len(unclaimed)} test targets fail", file=sys.stdout)
        return 1
    return 0 if earned == possible else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
