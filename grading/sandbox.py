"""Runs Bazel on untrusted code in isolation: bubblewrap, its own network.

The grader builds and tests a submission with this (README.md, "Grading
untrusted code"). Inside, Bazel and everything it runs (the student's code in
the test binaries, the kernel under QEMU) see:
- /usr (the toolchain, Bazel, QEMU) and /etc, read-only, and a private
  /proc, /dev and size-limited tmpfs /tmp and /dev/shm;
- the workspace, read-only, at WORKSPACE;
- the output directory, the only writable place that outlives the run, at
  OUT (Bazel's output base and install tree);
nothing else (the root itself is read-only): not /root, /var/tmp or /work,
so no staff credentials, no cache storage, no staff tree with the reference
solution, no other submission. They run as an unprivileged user
(SANDBOX_UID, which owns nothing outside), in their own user, PID, IPC and
UTS namespaces and in a cgroup that limits their memory and processes: when
Bazel's client exits, bubblewrap ends every process left inside, so nothing a
test starts outlives its run.

The network namespace has a loopback and no route out. With a cache socket
(the cache server's <state dir>/ro.sock, /ro/ alone), a forwarder listens on
the namespace's 127.0.0.1:9090 and relays to it, so `--config=student` reads
the remote cache; the forwarder runs as another user, outside the sandbox's
PID namespace, so code inside cannot stop or replace it. Nothing else is
reachable, and through the socket nothing can be written.

Bazel reads only staff's rc files: the workspace's .bazelrc and
grading/sandbox.bazelrc, named with --bazelrc after --nosystem_rc
--noworkspace_rc --nohome_rc. (--ignore_all_rc_files would drop those too:
Bazel's help says it disables every rc file "regardless of the values of
other rc-modifying flags".) The workspace is the grader's overlay
(overlay.py), so both files are staff's own copies.

Why bubblewrap: Debian packages it (bubblewrap), it builds the file system
view from nothing (only what is bound in exists), needs no daemon, and
kills the sandbox's processes when its child exits (--unshare-pid) or the
grader dies (--die-with-parent). `unshare` alone would need the same mounts
scripted by hand.
"""

import contextlib
import os
import pathlib
import pwd
import shutil
import subprocess
import time

WORKSPACE = "/grade/workspace"
OUT = "/grade/out"
SANDBOX_UID = 64801  # owns no file outside the output directory
FORWARDER_UID = 64802  # the cache forwarder: not the sandbox's user
CACHE_PORT = 9090  # where .bazelrc's --config=student looks for /ro/
PACKAGES = {"bwrap": "bubblewrap", "socat": "socat", "ip": "iproute2", "setpriv": "util-linux"}

# What one Bazel command inside may use. Memory and processes are a cgroup's
# limits (Limits below); /tmp and /dev/shm are tmpfs of a fixed size; the
# wall clock bounds everything, compiles included (Bazel's test timeouts
# bound only tests).
MEMORY_BYTES = 6 << 30
MAX_PROCESSES = 4096
TMPFS_BYTES = 1 << 30
WALL_SECONDS = 3 * 3600
READ_LIMIT = 4 << 20  # the most the grader reads of one file the sandbox wrote


class SandboxError(Exception):
    """The sandbox cannot be set up (a missing tool, a bad socket)."""


def check_tools():
    """Raises SandboxError unless the tools are there, the grader is root
    and the sandbox's user ids are nobody else's."""
    missing = sorted({pkg for tool, pkg in PACKAGES.items() if not shutil.which(tool)})
    if missing:
        raise SandboxError(f"the grading sandbox needs {', '.join(missing)}: "
                           f"apt-get install {' '.join(missing)} (./bazelw installs them)")
    if os.geteuid() != 0:
        raise SandboxError("the grading sandbox must be started as root (it drops to an "
                           "unprivileged user and makes a network namespace)")
    for uid in (SANDBOX_UID, FORWARDER_UID):
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            continue
        raise SandboxError(f"uid {uid} belongs to user '{owner}' on this machine; the grading "
                           "sandbox needs it unused (change SANDBOX_UID/FORWARDER_UID in sandbox.py)")


class Limits:
    """A cgroup holding the sandbox's processes, with MEMORY_BYTES and
    MAX_PROCESSES as limits: cgroup v2 where the memory and pids
    controllers are enabled at the root, else v1's memory and pids
    hierarchies. Where neither can be made, the run goes on unlimited and
    `missing` says why (the grader prints it)."""

    def __init__(self):
        self.dirs = []
        self.missing = None
        name = f"osv-grade-{os.getpid()}-{time.monotonic_ns()}"
        root = pathlib.Path("/sys/fs/cgroup")
        try:
            controllers = (root / "cgroup.subtree_control").read_text().split()
        except OSError:
            controllers = []
        try:
            if {"memory", "pids"} <= set(controllers):
                self._make(root / name, {"memory.max": MEMORY_BYTES, "pids.max": MAX_PROCESSES})
            elif (root / "memory").is_dir() and (root / "pids").is_dir():
                self._make(root / "memory" / name, {"memory.limit_in_bytes": MEMORY_BYTES})
                self._make(root / "pids" / name, {"pids.max": MAX_PROCESSES})
            else:
                self.missing = "no cgroup memory and pids controllers to limit the sandbox with"
        except OSError as e:
            self.close()
            self.missing = f"cannot make a cgroup to limit the sandbox: {e}"

    def _make(self, directory, limits):
        directory.mkdir()
        self.dirs.append(directory)
        for name, value in limits.items():
            (directory / name).write_text(f"{value}\n")

    def wrap(self, command):
        """command, started inside the cgroup(s)."""
        if not self.dirs:
            return command
        procs = " ".join(str(d / "cgroup.procs") for d in self.dirs)
        return ["sh", "-c", f'for p in {procs}; do echo $$ > "$p"; done && exec "$@"', "limits",
                *command]

    def close(self):
        """Removes the cgroups. The sandbox's processes die with bubblewrap,
        but their exit can lag its own by a moment: wait up to 5 s."""
        for directory in reversed(self.dirs):
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self.dirs = []


class Forwarder:
    """A network namespace whose 127.0.0.1:CACHE_PORT relays to a socket."""

    def __init__(self, socket_path):
        self.socket_path = socket_path
        self.process = None

    def __enter__(self):
        socket_path = pathlib.Path(self.socket_path)
        if not socket_path.is_socket():
            raise SandboxError(f"--cache-socket: {socket_path} is not a socket "
                               "(tools/cache/cache_server.sh start makes <state dir>/ro.sock)")
        self.process = subprocess.Popen([
            "unshare", "--net", "--", "sh", "-c",
            'ip link set lo up && exec "$@"', "forwarder",
            "setpriv", f"--reuid={FORWARDER_UID}", f"--regid={FORWARDER_UID}", "--clear-groups",
            "socat", f"TCP4-LISTEN:{CACHE_PORT},bind=127.0.0.1,reuseaddr,fork,max-children=32",
            f"UNIX-CONNECT:{socket_path}"
        ], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Ready when the port accepts a connection inside the namespace.
        probe = ["nsenter", f"--net=/proc/{self.process.pid}/ns/net", "bash", "-c",
                 f"exec 3<>/dev/tcp/127.0.0.1/{CACHE_PORT}"]
        for _ in range(100):
            if self.process.poll() is not None:
                raise SandboxError("the cache forwarder stopped: " +
                                   self.process.stderr.read().decode(errors="replace").strip())
            if subprocess.run(probe, stderr=subprocess.DEVNULL).returncode == 0:
                return self
            time.sleep(0.05)
        self.__exit__()
        raise SandboxError("the cache forwarder did not start listening")

    def netns(self):
        return f"/proc/{self.process.pid}/ns/net"

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Sandbox:
    """Bazel commands in the workspace, isolated; outputs in out_dir."""

    def __init__(self, workspace, out_dir, cache_socket=None):
        check_tools()
        self.workspace = pathlib.Path(workspace).resolve()
        self.out_dir = pathlib.Path(out_dir).resolve()
        self.cache_socket = cache_socket
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # Handed to the sandbox's user: only an empty directory, or one it
        # had already (an earlier grading of the same submission).
        if self.out_dir.stat().st_uid != SANDBOX_UID and any(self.out_dir.iterdir()):
            raise SandboxError(f"{self.out_dir} is not empty and not an earlier grading's output "
                               "directory: refusing to hand it to the sandbox")
        os.chown(self.out_dir, SANDBOX_UID, SANDBOX_UID)
        self.out_dir.chmod(0o700)

    def command(self, bazel_args, netns=None):
        """The command line that runs `bazel bazel_args` inside."""
        enter = ["nsenter", f"--net={netns}"] if netns else []
        return [
            *enter,
            "setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
            "bwrap",
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", *([] if netns else ["--unshare-net"]),
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
            "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm",
            "--ro-bind", str(self.workspace), WORKSPACE,
            "--bind", str(self.out_dir), OUT,
            "--remount-ro", "/",
            "--clearenv",
            "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
            "--setenv", "USER", "student", "--setenv", "LANG", "C.UTF-8",
            "--chdir", WORKSPACE,
            "--",
            "bazel",
            f"--output_user_root={OUT}/root", f"--output_base={OUT}/base",
            "--nosystem_rc", "--noworkspace_rc", "--nohome_rc",
            f"--bazelrc={WORKSPACE}/.bazelrc", f"--bazelrc={WORKSPACE}/grading/sandbox.bazelrc",
            *bazel_args,
        ]

    def run(self, bazel_args):
        """Runs `bazel bazel_args` inside; returns (exit status, output:
        stdout and stderr together). Past WALL_SECONDS the sandbox is
        killed and the status is -1."""
        with contextlib.ExitStack() as stack:
            netns = None
            if self.cache_socket:
                netns = stack.enter_context(Forwarder(self.cache_socket)).netns()
            limits = Limits()
            stack.callback(limits.close)
            note = f"grade: {limits.missing}; the sandbox runs unlimited\n" if limits.missing else ""
            try:
                result = subprocess.run(limits.wrap(self.command(bazel_args, netns)),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace",
                                        timeout=WALL_SECONDS)
            except subprocess.TimeoutExpired as e:
                output = e.output.decode(errors="replace") if isinstance(e.output, bytes) else (e.output or "")
                return -1, note + output + f"\ngrade: stopped after {WALL_SECONDS} s\n"
            return result.returncode, note + result.stdout

    def output_path(self):
        """Bazel's output path (bazel-out) as the grader sees it."""
        return self.out_dir / "base" / "execroot" / "osv" / "bazel-out"

    def read(self, path):
        """The text of a file the sandbox wrote (see read_inside)."""
        return read_inside(self.out_dir, path)


def read_inside(root, path):
    """The text of the file at path, or "" if it is not a file under root
    once symbolic links are followed: code in the sandbox could have planted
    a link to a staff file. (Everything inside has ended by the time the
    grader reads, so nothing changes between the check and the read.)"""
    root = pathlib.Path(root).resolve()
    try:
        real = pathlib.Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return ""
    if root not in real.parents or not real.is_file():
        return ""
    try:
        with open(real, "rb") as f:
            return f.read(READ_LIMIT).decode(errors="replace")
    except OSError:
        return ""
