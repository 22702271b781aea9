#!/usr/bin/env python3
"""Checks a build's executed actions against what depends on one source file.

    dependents.py AQUERY_JSON EXECUTION_LOG_JSON SOURCE

AQUERY_JSON: `bazel aquery --output=jsonproto 'deps(//...)'` of the build;
EXECUTION_LOG_JSON: its --execution_log_json_file; SOURCE: a workspace path
such as kernel/pgfault.c. An action depends on SOURCE when SOURCE, or an
output of an action that depends on it, is among its inputs (runfiles
included: a test depends on every file it runs with).

Prints each spawn that ran, then checks both ways: every spawn that ran
belongs to an action that depends on SOURCE (nothing else was rebuilt), and
every action that depends on SOURCE and runs a process either ran or was a
cache hit (its inputs came out the same as before, so its key did too; those
are counted). Exits 1, naming the culprits, if a spawn ran that does not
depend on SOURCE. Used by cache_proof.sh.
"""

import json
import sys


def owner(path):
    """What an output path belongs to: for a test's outputs, the test's
    testlogs directory (the execution log lists test.xml, outputs.zip, ...;
    aquery lists test.log and test.cache_status), else the path itself."""
    parts = path.split("/")
    if len(parts) > 3 and parts[2] == "testlogs":
        return "/".join(parts[:-1]) if "." not in parts[-2] else "/".join(parts[:-2])
    return path


def load_execution_log(path):
    """The execution log's spawns (a file of concatenated JSON objects)."""
    text = open(path).read()
    decoder = json.JSONDecoder()
    spawns, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return spawns
        spawn, i = decoder.raw_decode(text, i)
        spawns.append(spawn)


def artifact_paths(graph):
    fragments = {f["id"]: f for f in graph.get("pathFragments", [])}

    def path(fragment_id):
        parts = []
        while fragment_id:
            fragment = fragments[fragment_id]
            parts.append(fragment["label"])
            fragment_id = fragment.get("parentId")
        return "/".join(reversed(parts))

    return {a["id"]: path(a["pathFragmentId"]) for a in graph.get("artifacts", [])}


def dependent_outputs(graph, paths, source):
    """The output paths of every action that depends on source, and those
    actions (as (mnemonic, outputs) pairs)."""
    depsets = {d["id"]: d for d in graph.get("depSetOfFiles", [])}
    flat = {}

    def flatten(depset_id):
        if depset_id not in flat:
            depset = depsets[depset_id]
            files = set(depset.get("directArtifactIds", []))
            for child in depset.get("transitiveDepSetIds", []):
                files |= flatten(child)
            flat[depset_id] = files
        return flat[depset_id]

    actions = []
    for action in graph.get("actions", []):
        inputs = set()
        for depset_id in action.get("inputDepSetIds", []):
            inputs |= flatten(depset_id)
        actions.append((action.get("mnemonic", ""), inputs, set(action.get("outputIds", []))))
    affected = {i for i, p in paths.items() if p == source}
    if not affected:
        sys.exit(f"dependents: {source} is no input of any action")
    dependent = []
    changed = True
    while changed:
        changed = False
        for index, (mnemonic, inputs, outputs) in enumerate(actions):
            if index not in dependent and inputs & affected:
                dependent.append(index)
                affected |= outputs
                changed = True
    return ({owner(paths[i]) for i in affected},
            [(actions[i][0], {owner(paths[o]) for o in actions[i][2]}) for i in dependent])


def main(aquery_json, execution_log, source):
    graph = json.load(open(aquery_json))
    paths = artifact_paths(graph)
    affected_paths, dependent_actions = dependent_outputs(graph, paths, source)
    spawns = load_execution_log(execution_log)
    ran = [s for s in spawns if not s.get("remoteCacheHit")]
    strangers = []
    for spawn in ran:
        outputs = {owner(o) for o in spawn.get("listedOutputs", [])}
        depends = bool(outputs & affected_paths)
        listed = spawn.get("listedOutputs", [])
        config = listed[0].split("/")[1] if listed and listed[0].startswith("bazel-out/") else "?"
        print(f"    ran: {spawn.get('progressMessage', spawn.get('mnemonic'))} ({config})"
              + ("" if depends else "   <- does not depend on " + source))
        if not depends:
            strangers.append(spawn.get("progressMessage", spawn.get("mnemonic")))
    ran_outputs = {owner(o) for s in ran for o in s.get("listedOutputs", [])}
    spawned = {owner(o) for s in spawns for o in s.get("listedOutputs", [])}
    # Actions that run a process show up in the execution log; the rest
    # (symlinks, runfiles trees, file writes) are Bazel's own.
    process_actions = [(m, outs) for m, outs in dependent_actions if outs & spawned]
    hit = [(m, outs) for m, outs in process_actions if not outs & ran_outputs]
    print(f"dependents: {len(dependent_actions)} actions depend on {source}; "
          f"{len(process_actions)} of them run a process: {len(process_actions) - len(hit)} ran, "
          f"{len(hit)} were cache hits (inputs unchanged); {len(strangers)} spawns ran that do not "
          "depend on it")
    for mnemonic, outs in sorted(hit):
        print(f"    cache hit, inputs unchanged: {mnemonic} {sorted(outs)[0]}")
    if strangers:
        print("dependents: these ran without depending on " + source + ": " + "; ".join(strangers),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(*sys.argv[1:]))
