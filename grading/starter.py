#!/usr/bin/env python3
"""Writes the students' starter tree: this reference without the lab's solutions.

    bazel run //grading:starter -- --out=DIR [--lab=vm] [--solved=PART,...]

Copies every file git tracks in the workspace to DIR (which must not exist
yet, or be empty), but staff's own (STAFF_ONLY: staff CI, the starter check,
the attack suite); the copy's .ci/run runs student CI (.ci/student), and its
.bazelrc does not import the staff config. In the lab's student files each solution region,

    // LAB <part> BEGIN: <region name>
    ...
    // LAB <part> END

is replaced by the region's `starter` code from the lab file (labs/<lab>.toml,
[[regions]]). --solved keeps the solutions of the parts named, and drops only
their markers: what a student who finished those parts would push (staff use
it to check that each part's points follow its code).

Fails, changing nothing, when a marker is malformed or unmatched, a region
has no starter code or a starter has no region, or a file outside the
student files carries a marker.
"""

import argparse
import os
import pathlib
import re
import sys
import tomllib

import overlay

# Staff's own: CI that holds the cache's write credentials, and the checks
# that grade the reference solution. A student repository has none of them.
STAFF_ONLY = (".ci/staff", "grading/check_starter.sh", "grading/attack/")

# A student repository's CI entry point runs student CI.
STUDENT_CI_RUN = """#!/usr/bin/env bash
# The CI entry point of a student repository: student CI (.ci/student), which
# reads the course's cache and never writes it.
exec "$(dirname "$0")/student" "$@"
"""

# The line of .bazelrc that defines --config=staff on staff CI machines.
STAFF_RC_IMPORT = "try-import /var/tmp/osv-cache/staff.bazelrc"

MARKER = re.compile(r"^\s*// LAB (\w+) (BEGIN: (.+\S)|END)\s*$")


class StarterError(Exception):
    """A lab file or a marker the generator cannot use."""


def load_regions(lab, lab_file):
    """{(file, name): region} from the lab's [[regions]]."""
    parts = {part["name"] for part in lab.get("parts", [])}
    regions = {}
    for region in lab.get("regions", []):
        key = (region.get("file"), region.get("name"))
        if not all(isinstance(k, str) for k in key) or not isinstance(region.get("starter"), str):
            raise StarterError(f"{lab_file}: a region needs a file, a name and starter code")
        if region.get("part") not in parts:
            raise StarterError(f"{lab_file}: region '{key[1]}' names no part of the lab")
        if key[0] not in lab.get("student_files", []):
            raise StarterError(f"{lab_file}: region '{key[1]}' is in {key[0]}, not a student file")
        if key in regions:
            raise StarterError(f"{lab_file}: region '{key[1]}' of {key[0]} twice")
        regions[key] = region
    return regions


def strip_solutions(path, text, regions, solved, used):
    """text with each region replaced (or, if solved, its markers dropped)."""
    out = []
    region = None  # the region being skipped or kept, with its BEGIN line number
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARKER.match(line)
        if m is None:
            if region is None or region["part"] in solved:
                out.append(line)
            continue
        part, name = m.group(1), m.group(3)
        if name is not None:
            if region is not None:
                raise StarterError(f"{path}:{number}: a region begins inside another")
            region = regions.get((path, name))
            if region is None:
                raise StarterError(f"{path}:{number}: region '{name}' has no starter code")
            if region["part"] != part:
                raise StarterError(f"{path}:{number}: region '{name}' is part {region['part']}, "
                                   f"the marker says {part}")
            used.add((path, name))
        else:
            if region is None:
                raise StarterError(f"{path}:{number}: an END without a BEGIN")
            if region["part"] != part:
                raise StarterError(f"{path}:{number}: END of part {part} ends a {region['part']} region")
            if part not in solved:
                out.append(region["starter"].lstrip("\n"))
            region = None
    if region is not None:
        raise StarterError(f"{path}: region '{region['name']}' never ends")
    return "".join(out)


def generate(workspace, lab_file, out, solved):
    """Writes the starter to `out`; returns the number of regions replaced."""
    with open(lab_file, "rb") as f:
        lab = tomllib.load(f)
    regions = load_regions(lab, lab_file)
    parts = {part["name"] for part in lab["parts"]}
    unknown = set(solved) - parts
    if unknown:
        raise StarterError(f"--solved: no part {', '.join(sorted(unknown))} "
                           f"(parts: {', '.join(sorted(parts))})")
    student_files = set(lab["student_files"])
    files = [name for name in overlay.tracked_files(workspace)
             if not name.startswith(STAFF_ONLY)]
    texts = {}
    used = set()
    for name in files:
        path = pathlib.Path(workspace, name)
        if path.is_symlink() or not path.is_file():
            continue
        if name in student_files:
            texts[name] = strip_solutions(name, path.read_text(), regions, solved, used)
        elif name.endswith((".c", ".h", ".cc", ".S")) and any(
                MARKER.match(line) for line in path.read_text(errors="replace").splitlines()):
            raise StarterError(f"{name}: a LAB marker outside the lab's student files")
    unused = sorted(set(regions) - used)
    if unused:
        raise StarterError("starter code for regions no file marks: " +
                           ", ".join(f"{f}: {n}" for f, n in unused))
    if out.exists() and any(out.iterdir()):
        raise StarterError(f"--out: {out} is not empty")
    if ".ci/run" in files:
        texts[".ci/run"] = STUDENT_CI_RUN
    if ".bazelrc" in files:
        # Bazel copies every rc line it reads into its server log: a student
        # build must not even look for the staff config.
        texts[".bazelrc"] = "".join(
            line for line in pathlib.Path(workspace, ".bazelrc").read_text().splitlines(True)
            if line.strip() != STAFF_RC_IMPORT)
    overlay.copy_files(workspace, files, out, replace=texts)
    return sum(1 for key in used if regions[key]["part"] not in solved)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the directory to write (new or empty)")
    parser.add_argument("--lab", default="vm", help="the lab: labs/<lab>.toml (default vm)")
    parser.add_argument("--solved", default="", help="parts to keep solved, comma-separated")
    args = parser.parse_args(argv)
    workspace = pathlib.Path(os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd()))
    try:
        if not re.fullmatch(r"[\w-]+", args.lab):
            raise StarterError(f"--lab: '{args.lab}' is not a lab name")
        lab_file = workspace / "labs" / f"{args.lab}.toml"
        if not lab_file.exists():
            raise StarterError(f"--lab: no {lab_file}")
        out = pathlib.Path(args.out)
        if not out.is_absolute():
            out = workspace / out
        solved = {p for p in args.solved.split(",") if p}
        replaced = generate(workspace, lab_file, out, solved)
    except (StarterError, overlay.OverlayError, OSError, tomllib.TOMLDecodeError) as e:
        print(f"starter: {e}", file=sys.stderr)
        return 2
    print(f"starter: wrote {out}: {replaced} solution regions replaced by starter code"
          + (f" (parts kept solved: {', '.join(sorted(solved))})" if solved else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
