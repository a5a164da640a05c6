"""How the child is started and how everything it started is stopped.

Two levels, decided once per grader process by ``detect_isolation``:

``full``     bubblewrap (``bwrap``): new pid, network, IPC and UTS namespaces,
             no capabilities, the file system read-only apart from a small
             private tmpfs (``/tmp``, the working folder), and only what the child
             needs visible: the Python installation, its site-packages,
             ``autograder/__init__.py`` and ``autograder/sandbox/inside/``. Not the
             references, the checks, the course folder, other submissions or the
             results. Killing bwrap kills its pid namespace, and with it every
             process the submission started, whatever session it moved to.
``reduced``  a plain child process with resource limits, where bwrap cannot run
             (macOS, no user namespaces). Every result says so, and the grader
             warns once. It protects the grader's process and results from
             crashes and hangs, not the machine from a hostile submission: the
             child can read and write what the grader's user can, and use the
             network.

Resource limits, from the strongest available:

- processes: a cgroup's ``pids.max`` when the grader may create cgroups (root,
  or a delegated cgroup v2 subtree); else RLIMIT_NPROC, which Linux enforces
  per user but never for root, so when the grader runs as root the sandboxed
  child becomes a user id of its own first (see ``DROP_PRIVILEGES``);
- memory: the cgroup's limit, covering all processes and the tmpfs; else
  RLIMIT_AS per process (set by the child, like RLIMIT_FSIZE and RLIMIT_CORE);
- time: the launcher's per-test deadline, after which everything is killed.
  In reduced mode a subreaper shim (``REAPER``) and an environment tag find
  processes that left the process group; a cgroup, when there is one, is
  emptied as well.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2]      # .../autograder
PACKAGE_PARENT = PACKAGE_DIR.parent                       # what must be on sys.path to import it
SANDBOX_DIR = PACKAGE_DIR / "sandbox"                     # only its __init__.py and inside/ are shown to the child

MODES = ("auto", "bwrap", "none")


class IsolationUnavailable(RuntimeError):
    """``--isolation bwrap`` was asked for and bubblewrap cannot run here."""


# ------------------------------------------------------------------ environment --

def child_environment(scratch: str) -> dict:
    """A minimal environment: no inherited secrets, single-threaded BLAS, headless matplotlib."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": scratch,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "AUTOGRADER_PATHS": os.pathsep.join(_child_sys_path()),
    }


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys(p for p in (paths.get("purelib"), paths.get("platlib")) if p and os.path.isdir(p)))


def _child_sys_path() -> list[str]:
    return list(dict.fromkeys([str(PACKAGE_PARENT)] + _site_dirs()))


# When the grader runs as root, the sandboxed child starts as root without
# capabilities other than changing user, and becomes a user of its own before
# anything else happens: so RLIMIT_NPROC, which Linux ignores for root, holds.
DROP_PRIVILEGES = (
    "import os\n"
    "uid = int(os.environ.get('AUTOGRADER_UID') or 0)\n"
    "if uid:\n"
    "    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)\n"
)

# -I ignores PYTHON* variables and the user site; -S skips site-packages' .pth
# files (an editable install's finder would point back at the whole source tree).
# The paths the child may import from are passed explicitly instead.
CHILD_BOOTSTRAP = DROP_PRIVILEGES + (
    "import sys; sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)\n"
    "from autograder.sandbox.inside.child import main; main()\n"
)

_uids = itertools.count()


def sandbox_uid() -> int:
    """An unprivileged user id of its own for each concurrent sandbox (root only)."""
    return 2_000_000_000 + (os.getpid() % 100_000) * 1000 + next(_uids) % 1000


def _interpreter() -> str:
    # The venv's python is a symlink; inside the sandbox only the real file exists.
    return os.path.realpath(sys.executable)


# ------------------------------------------------------------------ bubblewrap --

def _under(path: str, root: str) -> bool:
    path, root = os.path.normpath(path), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def _system_mounts() -> tuple[list[str], list[str]]:
    """bwrap arguments for the operating system's read-only parts, and the roots they expose."""
    args, roots = ["--ro-bind", "/usr", "/usr"], ["/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
            roots.append(name)
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args, roots


class _Tree:
    """bwrap mount arguments, tracking what exists inside so that every parent
    folder bwrap would create (mode 0700) is made explicitly with mode 0755."""

    def __init__(self):
        self.args: list[str] = []
        self.events: list[tuple[str, str]] = []   # ("tree" | "empty" | "dir", path), in order

    def exists(self, path: str) -> bool:
        for kind, where in reversed(self.events):
            if _under(path, where):
                return kind == "tree" or os.path.normpath(path) == os.path.normpath(where)
        return os.path.normpath(path) == "/"

    def exposed(self, path: str) -> bool:
        """Whether ``path`` shows the host's contents (it lies in a bound tree)."""
        for kind, where in reversed(self.events):
            if _under(path, where):
                return kind == "tree"
        return False

    def _parents(self, path: str) -> None:
        for parent in reversed(Path(path).parents):
            if not self.exists(str(parent)):
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self.events.append(("dir", str(parent)))

    def bind(self, source: str, dest: str) -> None:
        self._parents(dest)
        self.args += ["--ro-bind", source, dest]
        self.events.append(("tree", dest))

    def empty(self, dest: str, size: int, perms: str = "0755") -> None:
        self._parents(dest)
        self.args += ["--perms", perms, "--size", str(size), "--tmpfs", dest]
        self.events.append(("empty", dest))


def bwrap_arguments(limits, as_root: bool | None = None) -> list[str]:
    """The bwrap command line (without the program to run) for one child.

    As an ordinary user, bwrap makes a user namespace (no capabilities; the
    kernel counts the sandbox's processes for RLIMIT_NPROC on their own). Run
    as root, a user namespace would map the sandbox to root outside, where
    Linux does not enforce RLIMIT_NPROC; so instead bwrap keeps only the
    capability to change user, and the child's first act is to become an
    unprivileged user of its own (see ``DROP_PRIVILEGES``).
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox", "--die-with-parent", "--new-session"]
    if as_root:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        # Not uid 0 inside: a uid-0 process would regain capabilities in its namespace on exec.
        args += ["--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
    tree = _Tree()
    system, roots = _system_mounts()
    tree.args += system
    tree.events += [("tree", r) for r in roots]
    # The scratch tmpfs goes first: the interpreter, site-packages or the grader
    # itself may live under /tmp (a CI checkout), and they must be bound on top
    # of the scratch folder, not hidden beneath it.
    scratch_bytes = int(limits.output_bytes)
    tree.empty("/tmp", scratch_bytes, "1777")
    interpreter_root = str(Path(_interpreter()).parents[1])
    for prefix in dict.fromkeys([sys.base_prefix, interpreter_root]):
        if not tree.exists(prefix):
            tree.bind(prefix, prefix)
    sites = [s for s in _site_dirs() if not _under(s, str(PACKAGE_DIR))]
    for site in sites:
        tree.bind(site, site)
    # Anything secret that a broad mount above happens to expose (an installed
    # autograder's references, a course folder under /usr) is covered with an
    # empty tmpfs; what the child needs is bound back on top afterwards.
    secrets = [str(PACKAGE_DIR)]
    if not any(_under(str(PACKAGE_PARENT), s) for s in sites):
        secrets.append(str(PACKAGE_PARENT))   # a source checkout: the course folder
    for secret in sorted(secrets, key=len):
        if tree.exposed(secret):
            tree.empty(secret, 65536)
            for site in sites:
                if _under(site, secret):
                    tree.bind(site, site)
    if tree.exposed(str(PACKAGE_DIR)):   # a site folder bound back holds the whole package
        tree.empty(str(PACKAGE_DIR), 65536)
    tree.bind(str(PACKAGE_DIR / "__init__.py"), str(PACKAGE_DIR / "__init__.py"))
    tree.bind(str(SANDBOX_DIR / "__init__.py"), str(SANDBOX_DIR / "__init__.py"))
    tree.bind(str(SANDBOX_DIR / "inside"), str(SANDBOX_DIR / "inside"))
    tree.args += ["--dev", "/dev"]
    tree.events.append(("tree", "/dev"))
    tree.empty("/dev/shm", scratch_bytes, "1777")
    tree.args += ["--proc", "/proc"]
    return args + tree.args + ["--remount-ro", "/", "--chdir", "/tmp"]


# -------------------------------------------------------------------- cgroups --

class Cgroups:
    """Creates one cgroup per child with a process and a memory limit, and empties it on stop.

    Supports cgroup v1 (separate ``pids`` and ``memory`` hierarchies, as in most
    containers run as root) and v2 (where the grader's own cgroup lets it create
    children with both controllers). ``probe()`` returns None where neither works.
    """

    _counter = itertools.count()

    def __init__(self, version: int, dirs: dict[str, Path]):
        self.version = version
        self.dirs = dirs   # controller ("pids", "memory", or "unified") -> parent folder we own

    @classmethod
    def probe(cls) -> "Cgroups | None":
        for make in (cls._v2, cls._v1):
            try:
                groups = make()
            except OSError:
                groups = None
            if groups is not None and groups._self_test():
                import atexit
                atexit.register(groups.remove_parents)
                groups._remove_stale_siblings()
                return groups
        return None

    def _remove_stale_siblings(self) -> None:
        """Folders left by graders that were killed (their pid is gone)."""
        for parent in self.dirs.values():
            for sibling in parent.parent.glob("autograder-*"):
                pid = sibling.name.rpartition("-")[2]
                if not pid.isdigit() or int(pid) == os.getpid() or os.path.exists(f"/proc/{pid}"):
                    continue
                for leaf in sibling.glob("sb-*"):
                    try:
                        leaf.rmdir()
                    except OSError:
                        pass
                try:
                    sibling.rmdir()
                except OSError:
                    pass

    @classmethod
    def _own_paths(cls) -> dict[str, str]:
        paths = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else ["unified"]:
                paths[c] = path
        return paths

    @classmethod
    def _v2(cls):
        root = Path("/sys/fs/cgroup")
        if not (root / "cgroup.controllers").exists():
            return None
        own = root / cls._own_paths().get("unified", "/").lstrip("/")
        parent = own / f"autograder-{os.getpid()}"
        try:
            (own / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            pass
        parent.mkdir(exist_ok=True)
        try:
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            parent.rmdir()
            return None
        return cls(2, {"unified": parent})

    @classmethod
    def _v1(cls):
        own = cls._own_paths()
        dirs = {}
        for controller in ("pids", "memory"):
            base = Path("/sys/fs/cgroup") / controller
            if controller not in own or not (base / "cgroup.procs").exists():
                return None
            parent = base / own[controller].lstrip("/") / f"autograder-{os.getpid()}"
            parent.mkdir(exist_ok=True)
            dirs[controller] = parent
        return cls(1, dirs)

    def _self_test(self) -> bool:
        try:
            group = self.create(processes=8, memory_bytes=64 << 20)
        except OSError:
            self.remove_parents()
            return False
        try:
            proc = subprocess.Popen(group.wrap(["/bin/sh", "-c", "exit 0"]), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return proc.wait(timeout=10) == 0
        except (OSError, subprocess.TimeoutExpired):
            return False
        finally:
            group.destroy()

    def create(self, processes: int, memory_bytes: int) -> "Cgroup":
        name = f"sb-{next(self._counter)}"
        leaves = {}
        try:
            for controller, parent in self.dirs.items():
                leaf = parent / name
                leaf.mkdir()
                leaves[controller] = leaf
            if self.version == 2:
                leaf = leaves["unified"]
                (leaf / "pids.max").write_text(str(processes))
                (leaf / "memory.max").write_text(str(memory_bytes))
                if (leaf / "memory.swap.max").exists():
                    (leaf / "memory.swap.max").write_text("0")
            else:
                (leaves["pids"] / "pids.max").write_text(str(processes))
                (leaves["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
                swap = leaves["memory"] / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    try:
                        swap.write_text(str(memory_bytes))
                    except OSError:
                        pass
        except OSError:
            Cgroup(self.version, leaves).destroy()
            raise
        return Cgroup(self.version, leaves)

    def remove_parents(self) -> None:
        for parent in self.dirs.values():
            try:
                parent.rmdir()
            except OSError:
                pass


class Cgroup:
    """One child's cgroup (one folder per hierarchy in v1)."""

    def __init__(self, version: int, leaves: dict[str, Path]):
        self.version = version
        self.leaves = leaves

    # A shell joins the cgroup and then execs the real command, so the child and
    # everything it ever starts is inside before any of its code runs.
    _JOIN = ('for f; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"')

    def wrap(self, command: list[str]) -> list[str]:
        procs = [str(leaf / "cgroup.procs") for leaf in self.leaves.values()]
        return ["/bin/sh", "-c", self._JOIN, "sh", *procs, "--", *command]

    def pids(self) -> list[int]:
        found = set()
        for leaf in self.leaves.values():
            try:
                found.update(int(p) for p in (leaf / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(p for p in found if alive(p))

    def oom_killed(self) -> bool:
        try:
            if self.version == 2:
                events = (self.leaves["unified"] / "memory.events").read_text()
                return any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0
                           for line in events.splitlines() if line.strip())
            control = (self.leaves["memory"] / "memory.oom_control").read_text()
            return any(line.startswith("oom_kill ") and int(line.split()[1]) > 0 for line in control.splitlines())
        except (OSError, ValueError, KeyError, IndexError):
            return False

    def kill_all(self, deadline: float) -> list[int]:
        """SIGKILL every process in the cgroup until it is empty; return any that would not go."""
        if self.version == 2 and (self.leaves["unified"] / "cgroup.kill").exists():
            try:
                (self.leaves["unified"] / "cgroup.kill").write_text("1")
            except OSError:
                pass
        while True:
            remaining = self.pids()
            if not remaining or time.monotonic() > deadline:
                return remaining
            for pid in remaining:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)

    def destroy(self) -> None:
        for leaf in self.leaves.values():
            for _ in range(200):
                try:
                    leaf.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)   # the last processes are still exiting


# ------------------------------------------------------------------- processes --

def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            pass
    return found


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux /proc), parents before children."""
    seen, queue = [], [pid]
    while queue:
        for child in _children(queue.pop(0)):
            if child not in seen:
                seen.append(child)
                queue.append(child)
    return seen


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, only waiting to be reaped by someone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def processes_in_namespace(namespace: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and pid_namespace(int(entry)) == namespace and alive(int(entry)):
            found.append(int(entry))
    return found


def processes_with_tag(tag: str) -> list[int]:
    """Live processes whose initial environment holds ``tag`` (same user only)."""
    needle = tag.encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read() and alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            pass
    return found


def _kill_quietly(pid: int, sig=signal.SIGKILL) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# The supervisor of a reduced-mode child when no cgroup is available: a
# subreaper, so whatever the submission orphans (double forks, daemons that
# call setsid) is re-parented to it rather than to init; on SIGTERM or when the
# child ends it kills its whole subtree before exiting. It closes its copies of
# the protocol pipes so the grader still sees the child's end of file.
REAPER = r"""
import ctypes, os, resource, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)                # PR_SET_CHILD_SUBREAPER
libc.prctl(1, signal.SIGTERM, 0, 0, 0)    # PR_SET_PDEATHSIG: the grader died, clean up
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
child = os.fork()
if child == 0:
    os.execv(sys.argv[1], sys.argv[1:])
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0); os.dup2(null, 1)
status = [0]
def subtree():
    found, queue = [], [os.getpid()]
    while queue:
        pid = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    kids = [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                kids = []
            found += kids; queue += kids
    return found
def clean(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _ in range(2000):
        pids = subtree()
        if not pids:
            break
        for pid in pids:
            try: os.kill(pid, signal.SIGKILL)
            except OSError: pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]: pass
        except ChildProcessError:
            break
        time.sleep(0.002)
    if status[0] < 0:   # die the way the child died, so the grader can say how
        signal.signal(-status[0], signal.SIG_DFL)
        os.kill(os.getpid(), -status[0])
        os._exit(128 - status[0])
    os._exit(status[0])
signal.signal(signal.SIGTERM, clean)
while True:
    try:
        pid, code = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    if pid == child:
        status[0] = os.waitstatus_to_exitcode(code)
        clean()
clean()
"""


# ------------------------------------------------------------------- sandboxes --

@dataclasses.dataclass
class Isolation:
    """How children are started. ``level`` is what every result reports."""

    level: str                       # "full" or "reduced"
    bwrap: str | None = None         # path to bwrap when level == "full"
    cgroups: Cgroups | None = None
    reason: str = ""                 # why the level is what it is, for the warning
    as_root: bool = False            # full: the child drops to a user id of its own

    def command(self, scratch: str, limits) -> tuple[list[str], dict]:
        """The command line and environment of the child (before any cgroup wrapper)."""
        python = [_interpreter(), "-I", "-S", "-c", CHILD_BOOTSTRAP]
        if self.level == "full":
            env = child_environment("/tmp")
            if self.as_root:
                env["AUTOGRADER_UID"] = str(sandbox_uid())
            return [self.bwrap, *bwrap_arguments(limits, self.as_root), "--", *python], env
        return [_interpreter(), "-I", "-S", "-c", REAPER, *python], child_environment(scratch)

    def start(self, limits, *, stdin, stdout, stderr) -> "Sandbox":
        return Sandbox(self, limits, stdin=stdin, stdout=stdout, stderr=stderr)


class Sandbox:
    """One running child and everything it starts."""

    def __init__(self, isolation: Isolation, limits, *, stdin, stdout, stderr):
        self.isolation = isolation
        self.scratch = tempfile.TemporaryDirectory(prefix="autograder-")
        command, env = isolation.command(self.scratch.name, limits)
        # A tag in the environment lets reduced mode find processes that left
        # both the process group and the subreaper's tree (see kill()).
        self.token = secrets.token_hex(12)
        env["AUTOGRADER_SANDBOX"] = self.token
        self.cgroup = None
        if isolation.cgroups is not None:
            # Room for the child's own threads and the bwrap monitors on top of the
            # submission's allowance; tmpfs pages count against the memory limit too.
            self.cgroup = isolation.cgroups.create(processes=int(limits.processes) + 8,
                                                   memory_bytes=(int(limits.memory_mb) + 256) << 20)
            command = self.cgroup.wrap(command)
        try:
            self.proc = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                                         cwd=self.scratch.name, start_new_session=True, close_fds=True)
        except BaseException:
            if self.cgroup is not None:
                self.cgroup.destroy()
            self.scratch.cleanup()
            raise
        self.pid = self.proc.pid
        self.namespace = None

    def _find_namespace(self) -> None:
        """The pid namespace bwrap made, so we can check later that it is empty."""
        if self.isolation.level != "full" or self.namespace is not None:
            return
        mine = pid_namespace(os.getpid())
        for pid in descendants(self.pid):
            ns = pid_namespace(pid)
            if ns and ns != mine:
                self.namespace = ns
                return

    def oom_killed(self) -> bool:
        return self.cgroup is not None and self.cgroup.oom_killed()

    def kill(self, grace: float = 5.0) -> list[int]:
        """Kill everything the child started; return pids that are still alive (should be none)."""
        deadline = time.monotonic() + grace
        self._find_namespace()
        tree = descendants(self.pid)
        if self.isolation.level == "reduced" and self.proc.poll() is None:
            # Let the subreaper take its whole subtree down, orphans included.
            _kill_quietly(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=min(2.0, grace))
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _kill_quietly(self.pid)
        for pid in tree:
            _kill_quietly(pid)
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        if self.isolation.level == "reduced":
            for _ in range(50):
                tagged = processes_with_tag(f"AUTOGRADER_SANDBOX={self.token}")
                if not tagged:
                    break
                for pid in tagged:
                    _kill_quietly(pid)
                time.sleep(0.005)
        survivors = []
        if self.cgroup is not None:
            survivors += self.cgroup.kill_all(deadline)
            self.cgroup.destroy()
        if self.namespace is not None:
            # bwrap's init died, so the kernel is tearing the namespace down.
            while True:
                left = processes_in_namespace(self.namespace)
                if not left or time.monotonic() > deadline:
                    survivors += left
                    break
                for pid in left:
                    _kill_quietly(pid)
                time.sleep(0.005)
        self.scratch.cleanup()
        return sorted(set(survivors))


# ------------------------------------------------------------------- detection --

_detected: dict[str, Isolation] = {}
_lock = threading.Lock()
_warned = False

# Run inside the candidate sandbox: it must import NumPy and the child, hold no
# capabilities, see no network but loopback, and not see the references.
_SELF_TEST = DROP_PRIVILEGES + r"""
import resource, sys, time
sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)
import numpy, autograder.sandbox.inside.child
caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]
assert int(caps, 16) == 0, 'capabilities: ' + caps
interfaces = [l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]]
assert interfaces == ['lo'], 'network interfaces: ' + ','.join(interfaces)
assert not os.path.exists(sys.argv[1]), 'references visible'
open('/tmp/scratch', 'w').write('scratch')
resource.setrlimit(resource.RLIMIT_NPROC, (4, 4))
forked = 0
try:
    for _ in range(12):
        if os.fork() == 0:
            time.sleep(1)
            os._exit(0)
        forked += 1
except OSError:
    pass
print('sandbox-ok', 'rlimit-nproc' if forked < 12 else 'no-process-limit')
"""


def _bwrap_works(bwrap: str, limits, as_root: bool) -> tuple[bool, str]:
    """Start the real sandbox once, with a self-test in place of the child.
    Returns (works, reason if not / which process limit holds if so)."""
    python = [_interpreter(), "-I", "-S", "-c", _SELF_TEST, str(PACKAGE_DIR / "references")]
    command = [bwrap, *bwrap_arguments(limits, as_root), "--", *python]
    env = child_environment("/tmp")
    if as_root:
        env["AUTOGRADER_UID"] = str(sandbox_uid())
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if done.returncode == 0 and b"sandbox-ok" in done.stdout:
        return True, done.stdout.decode().split()[-1]
    text = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    return False, (text[-1] if text else f"exit code {done.returncode}")[:300]


def detect_isolation(mode: str | None = None) -> Isolation:
    """The isolation to use, decided once per process and mode.

    ``mode``: "auto" (bwrap if it works, else reduced with a warning), "bwrap"
    (fail if it does not work), "none" (reduced, on purpose). Defaults to the
    environment variable AUTOGRADER_ISOLATION, else "auto". AUTOGRADER_CGROUPS=0
    turns the cgroup layer off (for testing the fallbacks).
    """
    global _warned
    mode = mode or os.environ.get("AUTOGRADER_ISOLATION", "auto")
    if mode not in MODES:
        raise ValueError(f"isolation mode {mode!r}: choose one of {', '.join(MODES)}")
    with _lock:
        if mode in _detected:
            return _detected[mode]
        from autograder.sandbox.supervisor.limits import Limits

        cgroups = Cgroups.probe() if os.environ.get("AUTOGRADER_CGROUPS", "1") != "0" else None
        isolation = None
        reason = ""
        if mode in ("auto", "bwrap"):
            bwrap = shutil.which("bwrap")
            if bwrap is None:
                reason = "bubblewrap (bwrap) is not installed"
            elif not sys.platform.startswith("linux"):
                reason = "bubblewrap needs Linux"
            else:
                as_root = os.geteuid() == 0
                ok, reason = _bwrap_works(bwrap, Limits(), as_root)
                if ok:
                    isolation = Isolation("full", bwrap=bwrap, cgroups=cgroups, as_root=as_root)
                    if reason != "rlimit-nproc" and cgroups is None:
                        print("autograder: WARNING: the sandbox works but no process limit holds here "
                              "(neither RLIMIT_NPROC nor a cgroup); a fork bomb runs until its time limit",
                              file=sys.stderr)
                else:
                    reason = f"bubblewrap cannot run here ({reason})"
            if isolation is None and mode == "bwrap":
                raise IsolationUnavailable(reason)
        else:
            reason = "isolation turned off (--isolation none)"
        if isolation is None:
            isolation = Isolation("reduced", cgroups=cgroups, reason=reason)
            if not _warned:
                _warned = True
                print(f"autograder: WARNING: {_reduced_warning(isolation)}", file=sys.stderr)
        _detected[mode] = isolation
        return isolation


def _reduced_warning(isolation: Isolation) -> str:
    limits = ("a cgroup bounds its processes and memory" if isolation.cgroups is not None
              else "only per-process resource limits apply")
    return (f"{isolation.reason}: submissions run as plain child processes with reduced isolation "
            f"(they can read and write whatever this user can and use the network; {limits}). "
            f"Every result records \"isolation\": \"reduced\".")
