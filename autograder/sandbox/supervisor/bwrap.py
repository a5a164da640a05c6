"""The bubblewrap command line of one child: namespaces, capabilities, the
seccomp filter's file descriptor and the mount tree.

The mount tree shows only what the child needs: the operating system's
libraries, the Python installation, its site-packages, ``autograder/__init__.py``
and ``autograder/sandbox/inside/``; not the references, the checks, the course
folder, other submissions or the results. Everything is read-only apart from a
private tmpfs at ``/tmp`` and ``/dev/shm``.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

from autograder.sandbox.supervisor import environment


@functools.lru_cache(maxsize=None)
def supports(bwrap: str, option: str) -> bool:
    """Whether this bwrap knows ``option`` (``--disable-userns`` came in 0.8.0)."""
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option.encode() in done.stdout + done.stderr


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


def bwrap_arguments(limits, as_root: bool | None = None, *, seccomp_fd: int | None = None,
                    disable_userns: bool = True) -> list[str]:
    """The bwrap command line (without the program to run) for one child.

    ``seccomp_fd``: a readable file descriptor holding the compiled filter
    (see ``seccomp.py``); bwrap loads it right before it runs the child, so
    every process of the submission carries it and none can remove it.
    ``disable_userns``: pass ``--disable-userns`` (bwrap 0.8.0 and later) when
    bwrap makes a user namespace, so the child cannot make another.

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
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
        if disable_userns:
            args.append("--disable-userns")
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    tree = _Tree()
    system, roots = _system_mounts()
    tree.args += system
    tree.events += [("tree", r) for r in roots]
    # The scratch tmpfs goes first: the interpreter, site-packages or the grader
    # itself may live under /tmp (a CI checkout), and they must be bound on top
    # of the scratch folder, not hidden beneath it.
    scratch_bytes = int(limits.output_bytes)
    tree.empty("/tmp", scratch_bytes, "1777")
    interpreter_root = str(Path(environment.interpreter()).parents[1])
    for prefix in dict.fromkeys([sys.base_prefix, interpreter_root]):
        if not tree.exists(prefix):
            tree.bind(prefix, prefix)
    sites = [s for s in environment.site_dirs() if not _under(s, str(environment.PACKAGE_DIR))]
    for site in sites:
        tree.bind(site, site)
    # Anything secret that a broad mount above happens to expose (an installed
    # autograder's references, a course folder under /usr) is covered with an
    # empty tmpfs; what the child needs is bound back on top afterwards.
    secrets = [str(environment.PACKAGE_DIR)]
    if not any(_under(str(environment.PACKAGE_PARENT), s) for s in sites):
        secrets.append(str(environment.PACKAGE_PARENT))   # a source checkout: the course folder
    for secret in sorted(secrets, key=len):
        if tree.exposed(secret):
            tree.empty(secret, 65536)
            for site in sites:
                if _under(site, secret):
                    tree.bind(site, site)
    if tree.exposed(str(environment.PACKAGE_DIR)):   # a site folder bound back holds the whole package
        tree.empty(str(environment.PACKAGE_DIR), 65536)
    tree.bind(str(environment.PACKAGE_DIR / "__init__.py"), str(environment.PACKAGE_DIR / "__init__.py"))
    tree.bind(str(environment.SANDBOX_DIR / "__init__.py"), str(environment.SANDBOX_DIR / "__init__.py"))
    tree.bind(str(environment.SANDBOX_DIR / "inside"), str(environment.SANDBOX_DIR / "inside"))
    tree.args += ["--dev", "/dev"]
    tree.events.append(("tree", "/dev"))
    tree.empty("/dev/shm", scratch_bytes, "1777")
    tree.args += ["--proc", "/proc"]
    return args + tree.args + ["--remount-ro", "/", "--chdir", "/tmp"]
