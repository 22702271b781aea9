"""Tests of the grader's logic (grading/grade.py), on made-up Bazel output.

Criteria checked:
 1. The course's lab file (labs/vm.toml) loads: three parts, 100 points,
    every target a label; malformed lab files are refused with the reason.
 2. Bazel's summary lines give each target's verdict, cached or not.
 3. GoogleTest's test.xml gives each case's failure message.
 4. A test entry passes only when its target ran and every case it names
    passed; failures name the case and message, the QEMU runner's FAIL
    line, a timeout or a build failure; an entry whose cases never ran fails.
 5. The report prints per-test points, subtotals and `Score: X/Y`; hidden
    tests show no reason; results.json has Gradescope's fields.
 6. Hidden packages are in the workspace only for the hidden tests' run,
    which has a Bazel of its own.
 7. The overlay takes only the lab's student files from a submission, and
    only regular files reached without a symbolic link; a student file it
    refuses is left out, never replaced by staff's (the reference). The
    overlay is readable by the sandbox's user whatever the umask.
 8. The grader reads the sandbox's files only inside its output directory:
    a planted link to a staff file reads as nothing.
"""

import contextlib
import io
import os
import pathlib
import subprocess
import tempfile
import unittest

import grade
import overlay
import sandbox

GTEST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="1">
  <testsuite name="PgfaultTest" tests="3" failures="1">
    <testcase name="StackPushBelowTheTopPageMapsAZeroedPage" status="run" result="completed"
              classname="PgfaultTest"/>
    <testcase name="WriteToASharedCowPageCopiesIt" status="run" result="completed"
              classname="PgfaultTest">
      <failure message="kernel/pgfault_test.cc:280&#x0A;Expected equality of these values:&#x0A;  Frame(as_, kDataStart)" type=""/>
    </testcase>
    <testcase name="Skipped" status="notrun" result="suppressed" classname="PgfaultTest"/>
  </testsuite>
</testsuites>
"""

QEMU_LOG = """qemu: exit status 3 after 1.2 s (memory 128M, command line '')
FAIL: expected a line containing 'stacktest: PASS', none found
"""

QEMU_LOG_PROGRAM_FAILED = """cowtest: heap of 4096 pages
cowtest: FAIL: cow_faults for the child's first write: got 0, expected 1
qemu: exit status 65 after 1.9 s (memory 128M, command line '-- cowtest')
FAIL: the kernel reported a failure (exit status 65: panic or failed self-test); expected 33
"""

BAZEL_MADE_UP_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="x" tests="1" failures="1">
<testcase name="userland/tests/vm/cowtest_qemu_test.sh" status="run">
<failure message="exited with error code 1"></failure></testcase></testsuite></testsuites>
"""


def entry(**fields):
    test = {"name": "t", "target": "//kernel:pgfault_test", "points": 5, "cases": [],
            "timeout": 300, "memory": "", "hidden": False}
    test.update(fields)
    return test


class LabFileTest(unittest.TestCase):
    def test_the_course_lab_loads(self):
        path = pathlib.Path(os.environ["TEST_SRCDIR"], os.environ["TEST_WORKSPACE"],
                            "labs", "vm.toml")
        lab = grade.load_lab(path)
        self.assertEqual([p["name"] for p in lab["parts"]], ["stack", "heap", "cow"])
        total = sum(t["points"] for p in lab["parts"] for t in p["tests"])
        self.assertEqual(total, 100)
        self.assertIn("kernel/pgfault.c", lab["student_files"])

    def check_refused(self, text, reason):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(text)
        try:
            with self.assertRaisesRegex(grade.LabError, reason):
                grade.load_lab(f.name)
        finally:
            os.unlink(f.name)

    def test_malformed_lab_files_are_refused_with_the_reason(self):
        self.check_refused("name = 'x'", "no \\[\\[parts\\]\\]")
        self.check_refused("[[parts]]\nname='a'\ntitle='A'\n", "has no \\[\\[parts.tests\\]\\]")
        base = "[[parts]]\nname='a'\ntitle='A'\n[[parts.tests]]\nname='t'\n"
        self.check_refused(base + "target='kernel:x'\npoints=1\n", "must be a label")
        self.check_refused(base + "target='//k:x'\npoints=-1\n", "whole number")
        self.check_refused(base + "target='//k:x'\npoints=1\nmemory='lots'\n", "like 16M")
        self.check_refused(base + "target='//k:x'\npoints=1\ntimeout=0\n", "positive")
        self.check_refused("[[parts]\n", "vm|toml|Expected|expected|Invalid|invalid|\\.toml")


class BazelOutputTest(unittest.TestCase):
    def test_summary_lines_give_each_targets_verdict(self):
        output = """INFO: Build completed
//kernel:pgfault_test                                          (cached) PASSED in 0.3s
//userland/tests/vm:stacktest_qemu_test                        FAILED in 2.0s
//userland/tests/vm:cowtest_qemu_test                          TIMEOUT in 300.0s
//kernel/mm:vm_test                                            FAILED TO BUILD
Executed 3 out of 4 tests: 1 test passes, 2 fail locally.
"""
        self.assertEqual(grade.parse_summary(output), {
            "//kernel:pgfault_test": "PASSED",
            "//userland/tests/vm:stacktest_qemu_test": "FAILED",
            "//userland/tests/vm:cowtest_qemu_test": "TIMEOUT",
            "//kernel/mm:vm_test": "FAILED TO BUILD",
        })

    def test_test_xml_gives_each_cases_failure(self):
        cases = grade.parse_cases(GTEST_XML)
        self.assertEqual(set(cases), {"PgfaultTest.StackPushBelowTheTopPageMapsAZeroedPage",
                                      "PgfaultTest.WriteToASharedCowPageCopiesIt"})
        self.assertIsNone(cases["PgfaultTest.StackPushBelowTheTopPageMapsAZeroedPage"])
        self.assertIn("pgfault_test.cc:280", cases["PgfaultTest.WriteToASharedCowPageCopiesIt"])
        self.assertEqual(grade.parse_cases("not xml"), {})


class JudgeTest(unittest.TestCase):
    def test_named_cases_that_passed_pass_even_if_others_failed(self):
        cases = grade.parse_cases(GTEST_XML)
        test = entry(cases=["PgfaultTest.Stack*"])
        self.assertEqual(grade.judge(test, "FAILED", cases, ""), (True, ""))

    def test_a_failed_case_is_named_with_its_message(self):
        cases = grade.parse_cases(GTEST_XML)
        passed, reason = grade.judge(entry(cases=["PgfaultTest.Write*"]), "FAILED", cases, "")
        self.assertFalse(passed)
        self.assertTrue(reason.startswith("PgfaultTest.WriteToASharedCowPageCopiesIt: "
                                          "kernel/pgfault_test.cc:280 Expected"), reason)

    def test_cases_that_never_ran_fail(self):
        cases = grade.parse_cases(GTEST_XML)
        passed, reason = grade.judge(entry(cases=["VmTest.*"]), "PASSED", cases, "")
        self.assertFalse(passed)
        self.assertIn("none of its cases ran", reason)

    def test_a_qemu_test_fails_with_the_runners_line(self):
        test = entry(target="//userland/tests/vm:stacktest_qemu_test")
        self.assertEqual(grade.judge(test, "FAILED", {}, QEMU_LOG),
                         (False, "expected a line containing 'stacktest: PASS', none found"))
        self.assertEqual(grade.judge(test, "PASSED", {}, ""), (True, ""))

    def test_a_qemu_test_fails_with_the_programs_own_line_first(self):
        test = entry(target="//userland/tests/vm:cowtest_qemu_test")
        cases = grade.parse_cases(BAZEL_MADE_UP_XML)
        self.assertEqual(grade.judge(test, "FAILED", cases, QEMU_LOG_PROGRAM_FAILED),
                         (False, "cowtest: FAIL: cow_faults for the child's first write: "
                                 "got 0, expected 1"))

    def test_timeouts_build_failures_and_missing_runs_fail(self):
        self.assertEqual(grade.judge(entry(timeout=60), "TIMEOUT", {}, ""),
                         (False, "timed out after 60 s"))
        self.assertIn("did not build", grade.judge(entry(), "FAILED TO BUILD", {}, "")[1])
        self.assertIn("did not run", grade.judge(entry(), None, {}, "")[1])


class FakeBazel:
    """A stand-in for LocalBazel/SandboxedBazel: runs nothing."""

    def __init__(self, workspace, hidden=False):
        self.workspace = workspace
        self.hidden = hidden

    def output_path(self):
        return self.workspace

    @staticmethod
    def read(path):
        return ""

    @contextlib.contextmanager
    def for_hidden(self):
        yield FakeBazel(self.workspace, hidden=True)


class HiddenTest(unittest.TestCase):
    def test_hidden_packages_are_there_only_while_the_hidden_tests_run(self):
        with tempfile.TemporaryDirectory() as workspace, tempfile.TemporaryDirectory() as hidden:
            package = pathlib.Path(hidden, "staff_vm")
            package.mkdir()
            (package / "BUILD.bazel").write_text("# staff tests\n")
            lab = {"parts": [{"name": "a", "title": "A", "tests": [
                entry(target="//k:mine", timeout=60),
                entry(target="//staff_vm:secret", hidden=True),
                entry(target="//k:later", timeout=900),
            ]}]}
            seen = {}

            def run(bazel, tests, timeout, memory, is_hidden):
                present = pathlib.Path(bazel.workspace, "staff_vm", "BUILD.bazel").exists()
                for t in tests:
                    seen[t["target"]] = (present, bazel.hidden)
                return {t["target"]: "PASSED" for t in tests}

            results = grade.grade(lab, FakeBazel(workspace), None,
                                  grade.HiddenPackages(hidden, workspace), run)
            # Present only for the hidden run, which has a Bazel of its own
            # (in the sandbox: no cache, an output directory deleted after).
            self.assertEqual(seen, {"//k:mine": (False, False), "//staff_vm:secret": (True, True),
                                    "//k:later": (False, False)})
            self.assertFalse(pathlib.Path(workspace, "staff_vm").exists(), "taken out again")
            hidden_result = [r for r in results if r["hidden"]][0]
            self.assertEqual(hidden_result["reason"], "")


class OverlayTest(unittest.TestCase):
    """A submission gives its student files and nothing else."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        root = pathlib.Path(self.dir.name)
        self.staff, self.submission, self.out = root / "staff", root / "submission", root / "out"
        for tree, text in ((self.staff, "staff"), (self.submission, "student")):
            for name in ("kernel/pgfault.c", "kernel/mm/vm.c", "testing/qemu_runner.sh",
                         ".bazelrc"):
                path = tree / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{text} {name}\n")
        subprocess.run(["git", "init", "-q", str(self.staff)], check=True)
        subprocess.run(["git", "-C", str(self.staff), "add", "."], check=True)

    def tearDown(self):
        self.dir.cleanup()

    def overlay(self, student_files=("kernel/pgfault.c", "kernel/mm/vm.c")):
        return overlay.make_overlay(self.staff, self.submission, list(student_files), self.out)

    def text(self, name):
        path = self.out / name
        return path.read_text() if path.exists() else None

    def test_student_files_come_from_the_submission_and_the_rest_from_staff(self):
        (self.submission / "tools").mkdir()
        (self.submission / "tools/bazel").write_text("#!/bin/sh\necho 'all tests pass'\n")
        self.assertEqual(self.overlay(), {})
        self.assertEqual(self.text("kernel/pgfault.c"), "student kernel/pgfault.c\n")
        self.assertEqual(self.text("kernel/mm/vm.c"), "student kernel/mm/vm.c\n")
        self.assertEqual(self.text("testing/qemu_runner.sh"), "staff testing/qemu_runner.sh\n")
        self.assertEqual(self.text(".bazelrc"), "staff .bazelrc\n")
        self.assertIsNone(self.text("tools/bazel"), "a file of the submission only")

    def test_a_missing_student_file_is_left_out_not_taken_from_staff(self):
        (self.submission / "kernel/mm/vm.c").unlink()
        self.assertEqual(self.overlay(), {"kernel/mm/vm.c": "missing"})
        self.assertIsNone(self.text("kernel/mm/vm.c"), "staff's vm.c is the reference solution")

    def test_a_symbolic_link_is_refused_even_to_a_file_inside(self):
        (self.submission / "kernel/pgfault.c").unlink()
        (self.submission / "kernel/pgfault.c").symlink_to(self.staff / "kernel/pgfault.c")
        (self.submission / "kernel/mm/vm.c").unlink()
        (self.submission / "kernel/mm/vm.c").symlink_to("../pgfault.c")
        refused = self.overlay()
        self.assertIn("symbolic link", refused["kernel/pgfault.c"])
        self.assertIn("symbolic link", refused["kernel/mm/vm.c"])
        self.assertIsNone(self.text("kernel/pgfault.c"))

    def test_a_linked_directory_on_the_way_is_refused(self):
        (self.submission / "kernel/mm/vm.c").unlink()
        (self.submission / "kernel/mm").rmdir()
        (self.submission / "kernel/mm").symlink_to(self.staff / "kernel/mm")
        self.assertIn("symbolic link", self.overlay()["kernel/mm/vm.c"])

    def test_a_directory_a_huge_file_and_an_escaping_name_are_refused(self):
        (self.submission / "kernel/pgfault.c").unlink()
        (self.submission / "kernel/pgfault.c").mkdir()
        (self.submission / "kernel/mm/vm.c").write_bytes(b"x" * (overlay.MAX_BYTES + 1))
        refused = self.overlay(["kernel/pgfault.c", "kernel/mm/vm.c", "../staff/.bazelrc"])
        self.assertEqual(refused["kernel/pgfault.c"], "not a regular file")
        self.assertIn("larger than", refused["kernel/mm/vm.c"])
        self.assertEqual(refused["../staff/.bazelrc"], "not a path inside the submission")

    def test_the_overlay_is_readable_whatever_the_umask_and_the_sources_modes(self):
        (self.staff / "testing/qemu_runner.sh").chmod(0o700)
        (self.staff / ".bazelrc").chmod(0o600)
        (self.submission / "kernel/pgfault.c").chmod(0o600)
        old = os.umask(0o077)
        try:
            self.assertEqual(self.overlay(), {})
        finally:
            os.umask(old)
        modes = {name: (self.out / name).stat().st_mode & 0o777 for name in
                 ("kernel", "kernel/mm", "testing/qemu_runner.sh", ".bazelrc", "kernel/pgfault.c")}
        self.assertEqual(modes, {"kernel": 0o755, "kernel/mm": 0o755, "testing/qemu_runner.sh": 0o755,
                                 ".bazelrc": 0o644, "kernel/pgfault.c": 0o644})


class SandboxReadTest(unittest.TestCase):
    """The grader reads what the sandbox wrote only inside its output."""

    def test_a_link_out_of_the_output_directory_reads_as_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            out = pathlib.Path(root, "out")
            (out / "testlogs").mkdir(parents=True)
            secret = pathlib.Path(root, "staff-credentials")
            secret.write_text("osv-staff:password\n")
            (out / "testlogs/test.log").symlink_to(secret)
            (out / "testlogs/real.log").write_text("PASS\n")
            (out / "testlogs/inside.log").symlink_to("real.log")
            self.assertEqual(sandbox.read_inside(out, out / "testlogs/test.log"), "")
            self.assertEqual(sandbox.read_inside(out, out / "testlogs/real.log"), "PASS\n")
            self.assertEqual(sandbox.read_inside(out, out / "testlogs/inside.log"), "PASS\n")


class OutsideTest(unittest.TestCase):
    LAB = {"parts": [{"name": "a", "title": "A", "tests": [
        entry(target="//k:whole"),
        entry(target="//k:cases", cases=["S.Lab*"]),
    ]}]}

    def test_failures_the_lab_claims_are_not_reported(self):
        cases = {"//k:cases": {"S.LabOne": "boom", "S.Given": None}}
        verdicts = {"//k:whole": "FAILED", "//k:cases": "FAILED", "//k:fine": "PASSED"}
        self.assertEqual(
            grade.unclaimed_failures(self.LAB, verdicts, lambda t: cases.get(t, {})), [])

    def test_other_failures_are_reported_by_target_and_case(self):
        cases = {"//k:cases": {"S.LabOne": "boom", "S.Given": "broken"}}
        verdicts = {"//k:cases": "FAILED", "//k:other": "TIMEOUT", "//k:crashed": "FAILED"}
        self.assertEqual(
            grade.unclaimed_failures(self.LAB, verdicts, lambda t: cases.get(t, {})),
            [("//k:cases", "S.Given"), ("//k:crashed", "failed"), ("//k:other", "timeout")])


class ReportTest(unittest.TestCase):
    LAB = {"name": "vm", "title": "The lab",
           "parts": [{"name": "a", "title": "Part A"}, {"name": "b", "title": "Part B"}]}

    def results(self):
        return [
            {**entry(name="two", points=4), "part": "a", "index": 2, "passed": False,
             "reason": "why"},
            {**entry(name="one", points=3), "part": "a", "index": 1, "passed": True, "reason": ""},
            {**entry(name="three", points=5, hidden=True), "part": "b", "index": 1,
             "passed": False, "reason": ""},
        ]

    def test_the_report_prints_points_subtotals_and_the_score(self):
        out = io.StringIO()
        self.assertEqual(grade.report(self.LAB, self.results(), out), (3, 12))
        text = out.getvalue()
        self.assertIn("  PASS    3/3   one\n  FAIL    0/4   two\n             why\n", text,
                      "in the lab's order, whatever order they ran in")
        self.assertIn("  a: 3/7", text)
        self.assertIn("  FAIL    0/5   (hidden) three\n  b: 0/5", text)
        self.assertTrue(text.rstrip().endswith("Score: 3/12"))

    def test_results_json_has_gradescopes_fields(self):
        data = grade.gradescope(self.LAB, self.results())
        self.assertEqual(data["score"], 3)
        self.assertEqual([t["max_score"] for t in data["tests"]], [4, 3, 5])
        self.assertEqual(data["tests"][0]["output"], "why")
        self.assertEqual(data["tests"][2]["visibility"], "after_published")
        self.assertNotIn("output", data["tests"][2])


if __name__ == "__main__":
    unittest.main()
