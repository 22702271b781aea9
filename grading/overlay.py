"""The tree a submission is graded in: staff's files, with only the student
files taken from the submission.

A submission is untrusted: besides the files the lab asks for, it may carry
edited BUILD files, tests, test runners, rc files or a tools/bazel wrapper,
any of which would decide its own verdict if it were built as it is. The
grader builds none of them. It copies staff's tree (the files git tracks in
the grader's own workspace) and lays over it the lab's student files, and
nothing else, from the submission.

A student file is taken only if it is a regular file inside the submission,
reached without a symbolic link (a link could point at a staff file, such as
the reference solution on the grading machine), of at most MAX_BYTES. A
student file the submission lacks or that fails those checks is left out of
the overlay entirely, so the build fails where it is needed: never is staff's
own version (the reference solution) graded in its place.
"""

import os
import pathlib
import shutil
import stat
import subprocess

MAX_BYTES = 1 << 20


class OverlayError(Exception):
    """The staff tree cannot be copied (not a git checkout, unreadable)."""


def tracked_files(workspace):
    """The files git tracks in workspace, as paths relative to it."""
    try:
        result = subprocess.run(["git", "ls-files", "-z"], cwd=workspace, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise OverlayError(f"cannot list the files of {workspace} with git: {e}") from e
    return [name for name in result.stdout.decode().split("\0") if name]


def copy_files(workspace, names, out, replace=None):
    """Copies the named files of workspace to out, symbolic links as links.

    replace: {name: text} written instead of the file's contents (its mode
    kept). Files git tracks but the working tree lacks are skipped."""
    replace = replace or {}
    for name in names:
        source = pathlib.Path(workspace, name)
        target = pathlib.Path(out, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if name in replace:
            target.write_text(replace[name])
            shutil.copymode(source, target)
        elif source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target)
    make_readable(out)


def make_readable(tree):
    """Every directory of tree 0755 and every file readable by all (0644, or
    0755 if its owner may run it): the sandbox's user reads the tree, and
    the copy must not depend on the grader's umask or the sources' modes."""
    for directory, _, files in os.walk(tree):
        os.chmod(directory, 0o755)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.stat(path).st_mode & stat.S_IXUSR else 0o644)


def read_student_file(submission, name):
    """(bytes, None) for a student file the grader may take, else (None, why)."""
    relative = pathlib.PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        return None, "not a path inside the submission"
    path = pathlib.Path(submission)
    for part in relative.parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None, "missing"
        except OSError as e:
            return None, f"unreadable ({e.strerror})"
        if stat.S_ISLNK(mode):
            return None, "a symbolic link (only regular files are taken)"
    if not stat.S_ISREG(mode):
        return None, "not a regular file"
    # O_NONBLOCK: a FIFO swapped in since the check must not block the
    # open; what was opened is checked again.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        return None, f"unreadable ({e.strerror})"
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None, "not a regular file"
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, f"larger than {MAX_BYTES} bytes"
    return data, None


def make_overlay(staff_tree, submission, student_files, out):
    """Writes staff_tree's tracked files to out (new or empty), then each
    student file from submission over them. Returns {name: why} for the
    student files not taken, which out then lacks."""
    out = pathlib.Path(out)
    if out.exists() and any(out.iterdir()):
        raise OverlayError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    copy_files(staff_tree, tracked_files(staff_tree), out)
    refused = {}
    for name in student_files:
        data, why = read_student_file(submission, name)
        target = out / name
        target.unlink(missing_ok=True)
        if data is None:
            refused[name] = why
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    make_readable(out)
    return refused
