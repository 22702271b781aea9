"""Tests of tools/cache/dependents.py on a made-up action graph and log.

The graph: a.c -> a.o -> app (a test's runfiles), and b.c -> b.o, unrelated.
Checked: what depends on a.c is found through outputs and runfiles
middlemen; a test's spawn is matched to its TestRunner action through its
testlogs directory; a spawn that ran without depending on the source fails
the check, one that depends on it passes.
"""

import contextlib
import io
import json
import pathlib
import tempfile
import unittest

import dependents

GRAPH = {
    "pathFragments": [
        {"id": 1, "label": "a.c"}, {"id": 2, "label": "b.c"},
        {"id": 3, "label": "bazel-out"}, {"id": 4, "label": "k8", "parentId": 3},
        {"id": 5, "label": "a.o", "parentId": 4}, {"id": 6, "label": "b.o", "parentId": 4},
        {"id": 7, "label": "app", "parentId": 4}, {"id": 8, "label": "app-runfiles", "parentId": 4},
        {"id": 9, "label": "testlogs", "parentId": 4}, {"id": 10, "label": "app_test", "parentId": 9},
        {"id": 11, "label": "test.log", "parentId": 10},
    ],
    "artifacts": [{"id": i, "pathFragmentId": f} for i, f in
                  [(1, 1), (2, 2), (5, 5), (6, 6), (7, 7), (8, 8), (11, 11)]],
    "depSetOfFiles": [
        {"id": 1, "directArtifactIds": [1]}, {"id": 2, "directArtifactIds": [2]},
        {"id": 3, "directArtifactIds": [5]}, {"id": 4, "directArtifactIds": [7]},
        {"id": 5, "directArtifactIds": [8]},
    ],
    "actions": [
        {"mnemonic": "CppCompile", "inputDepSetIds": [1], "outputIds": [5]},
        {"mnemonic": "CppCompile", "inputDepSetIds": [2], "outputIds": [6]},
        {"mnemonic": "CppLink", "inputDepSetIds": [3], "outputIds": [7]},
        {"mnemonic": "Middleman", "inputDepSetIds": [4], "outputIds": [8]},
        {"mnemonic": "TestRunner", "inputDepSetIds": [5], "outputIds": [11]},
    ],
}


def spawn(message, outputs, hit=False):
    return {"progressMessage": message, "listedOutputs": outputs, "remoteCacheHit": hit}


class DependentsTest(unittest.TestCase):
    def check(self, spawns):
        with tempfile.TemporaryDirectory() as d:
            graph, log = pathlib.Path(d, "a.json"), pathlib.Path(d, "e.json")
            graph.write_text(json.dumps(GRAPH))
            log.write_text("\n".join(json.dumps(s, indent=2) for s in spawns))
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = dependents.main(str(graph), str(log), "a.c")
            return status, out.getvalue()

    def test_the_compile_the_link_and_the_test_depend_on_the_source(self):
        status, out = self.check([
            spawn("Compiling a.c", ["bazel-out/k8/a.o"]),
            spawn("Linking app", ["bazel-out/k8/app"]),
            spawn("Testing //:app_test", ["bazel-out/k8/testlogs/app_test/test.xml"]),
            spawn("Compiling b.c", ["bazel-out/k8/b.o"], hit=True),
        ])
        self.assertEqual(status, 0, out)
        self.assertIn("3 of them run a process: 3 ran, 0 were cache hits", out)

    def test_a_spawn_that_does_not_depend_on_the_source_fails_the_check(self):
        status, out = self.check([
            spawn("Compiling a.c", ["bazel-out/k8/a.o"]),
            spawn("Compiling b.c", ["bazel-out/k8/b.o"]),
        ])
        self.assertEqual(status, 1)
        self.assertIn("Compiling b.c (k8)   <- does not depend on a.c", out)

    def test_a_dependent_served_from_the_cache_is_counted(self):
        status, out = self.check([
            spawn("Compiling a.c", ["bazel-out/k8/a.o"]),
            spawn("Linking app", ["bazel-out/k8/app"], hit=True),
        ])
        self.assertEqual(status, 0)
        self.assertIn("1 were cache hits (inputs unchanged)", out)


if __name__ == "__main__":
    unittest.main()
