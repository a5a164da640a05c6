"""How one child is started and how everything it started is stopped.

Two levels (``detect.py`` decides which, once per grader process):

``full``     bubblewrap (``bwrap.py``): new pid, network, IPC and UTS namespaces,
             no capabilities, a read-only file system showing only what the
             child needs, the seccomp filter (``seccomp.py``). Killing bwrap
             kills its pid namespace, and with it every process the submission
             started, whatever session it moved to.
``reduced``  a plain child under a subreaper (``reaper.py``) with resource limits
             and the seccomp filter, where bwrap cannot run (macOS, no user
             namespaces). It protects the grader's process and results from
             crashes and hangs, not the machine from a hostile submission: the
             child can read and write what its user can, and use the network.

In both, when the grader may create cgroups (``cgroups.py``), each child gets
one, holding its process limit, its memory limit (covering all its processes
and its tmpfs) and its CPU quota; when the grader runs as root, the child
becomes an unprivileged user of its own first (``environment.DROP_PRIVILEGES``).
Processes are found, for killing, by the pid namespace (full), the cgroup,
and the process tree (the reaper, then the grader itself as subreaper): never
by anything the submission could change about itself.

``Sandbox.applied`` records what really held for that child; every result
carries it (``isolation_detail``), so that no result claims a protection it
did not have.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.sandbox.supervisor import cpu_budget, environment, processes, seccomp
from autograder.sandbox.supervisor.bwrap import bwrap_arguments
from autograder.sandbox.supervisor.cgroups import Cgroups

REAPER = Path(__file__).resolve().with_name("reaper.py")


@dataclasses.dataclass
class Isolation:
    """How children are started. ``level`` is what every result reports as ``"isolation"``."""

    level: str                       # "full" or "reduced"
    bwrap: str | None = None         # path to bwrap when level == "full"
    cgroups: Cgroups | None = None
    reason: str = ""                 # why the level is what it is, for the warning
    as_root: bool = False            # the child drops to a user id of its own
    seccomp: bytes | None = None     # the compiled filter, None when it cannot be used here
    disable_userns: bool = True      # full, not as root: bwrap --disable-userns

    def command(self, scratch: str, limits, seccomp_fd: int | None) -> tuple[list[str], dict]:
        """The command line and environment of the child (before any cgroup wrapper)."""
        python = [environment.interpreter(), "-I", "-S", "-c", environment.CHILD_BOOTSTRAP]
        if self.level == "full":
            arguments = bwrap_arguments(limits, self.as_root, seccomp_fd=seccomp_fd,
                                        disable_userns=self.disable_userns)
            return [self.bwrap, *arguments, "--", *python], environment.child_environment("/tmp")
        reaper = [environment.interpreter(), "-I", "-S", str(REAPER), "-" if seccomp_fd is None else str(seccomp_fd)]
        return [*reaper, *python], environment.child_environment(scratch)

    def start(self, limits, *, stdin, stdout, stderr) -> "Sandbox":
        return Sandbox(self, limits, stdin=stdin, stdout=stdout, stderr=stderr)


class Sandbox:
    """One running child and everything it starts."""

    def __init__(self, isolation: Isolation, limits, *, stdin, stdout, stderr):
        self.isolation = isolation
        self.scratch = tempfile.TemporaryDirectory(prefix="autograder-")
        if isolation.level == "reduced":
            # Without a pid namespace, the process tree is what finds orphans.
            processes.become_subreaper()
        self.cgroup = None
        if isolation.cgroups is not None:
            try:
                # Room for the child's own threads and the bwrap monitors on top of the
                # submission's allowance; tmpfs pages count against the memory limit too.
                self.cgroup = isolation.cgroups.create(processes=int(limits.processes) + 8,
                                                       memory_bytes=(int(limits.memory_mb) + 256) << 20,
                                                       cpu_cores=limits.cpu_cores)
            except OSError as exc:
                print(f"autograder: WARNING: no cgroup for this submission ({exc}); "
                      f"its result records \"cgroups\": false", file=sys.stderr)
        seccomp_fd = seccomp.filter_fd(isolation.seccomp) if isolation.seccomp else None
        try:
            command, env = isolation.command(self.scratch.name, limits, seccomp_fd)
            if isolation.as_root:
                uid = environment.sandbox_uid()
                env["AUTOGRADER_UID"] = str(uid)
                if isolation.level == "reduced":
                    os.chown(self.scratch.name, uid, uid)   # its working folder, HOME and TMPDIR
            if self.cgroup is not None:
                command = self.cgroup.wrap(command)
            self.proc = processes.launch(command, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                                         cwd=self.scratch.name, close_fds=True,
                                         pass_fds=() if seccomp_fd is None else (seccomp_fd,))
        except BaseException:
            if self.cgroup is not None:
                self.cgroup.destroy()
            self.scratch.cleanup()
            raise
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        self.pid = self.proc.pid
        self.namespace = None
        self.applied = self._applied(limits)

    def _applied(self, limits) -> dict:
        """What holds for this child. The filter is loaded by bwrap or the reaper
        before the child runs, or the child never runs (both fail closed)."""
        tracking = ("pid namespace" if self.isolation.level == "full"
                    else "cgroup" if self.cgroup is not None else "process tree")
        return {
            "bwrap": self.isolation.level == "full",
            "seccomp": self.isolation.seccomp is not None,
            "cgroups": self.cgroup is not None,
            "memory_limit": "cgroup" if self.cgroup is not None else "per process",
            "cpu_limit": bool(self.cgroup is not None and self.cgroup.cpu_limited),
            "cpu_cores": limits.cpu_cores if self.cgroup is not None and self.cgroup.cpu_limited else None,
            "processes_tracked_by": tracking,
            # What each test's time budget counts: the cgroup's CPU time, or wall-clock time without one.
            "time_budget": cpu_budget.clock_of(self.cgroup),
        }

    def _find_namespace(self) -> None:
        """The pid namespace bwrap made, so we can check later that it is empty."""
        if self.isolation.level != "full" or self.namespace is not None:
            return
        mine = processes.pid_namespace(os.getpid())
        for pid in processes.descendants(self.pid):
            ns = processes.pid_namespace(pid)
            if ns and ns != mine:
                self.namespace = ns
                return

    def oom_killed(self) -> bool:
        return self.cgroup is not None and self.cgroup.oom_killed()

    def kill(self, grace: float = 5.0) -> list[int]:
        """Kill everything the child started; return pids that are still alive (should be none)."""
        deadline = time.monotonic() + grace
        self._find_namespace()
        tree = processes.descendants(self.pid)
        if self.isolation.level == "reduced" and self.proc.poll() is None:
            # Let the subreaper take its whole subtree down, orphans included.
            processes.kill_quietly(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=min(2.0, grace))
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        processes.kill_quietly(self.pid)
        for pid in tree:
            processes.kill_quietly(pid)
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        processes.reaped(self.proc)
        survivors = []
        if self.cgroup is not None:
            survivors += self.cgroup.kill_all(deadline)
            self.cgroup.destroy()
        if self.namespace is not None:
            # bwrap's init died, so the kernel is tearing the namespace down.
            while True:
                left = processes.processes_in_namespace(self.namespace)
                if not left or time.monotonic() > deadline:
                    survivors += left
                    break
                for pid in left:
                    processes.kill_quietly(pid)
                time.sleep(0.005)
        if self.isolation.level == "reduced":
            # Whatever outlived a reaper the submission killed came to the grader.
            survivors += processes.sweep_orphans(deadline)
        self.scratch.cleanup()
        return sorted(set(survivors))


def weakest_protections(seen: dict | None, applied: dict) -> dict:
    """The protections that held for all the children of a submission (``Sandbox.applied`` of
    each): a result may only claim what every child had (a cgroup can fail to be created for one)."""
    if seen is None:
        return dict(applied)
    if not applied["cgroups"] and seen["cgroups"]:
        seen, applied = applied, seen
    weakest = {key: (seen[key] and applied[key]) if isinstance(seen[key], bool) else seen[key] for key in seen}
    if cpu_budget.WALL_CLOCK in (seen.get("time_budget"), applied.get("time_budget")):
        weakest["time_budget"] = cpu_budget.WALL_CLOCK   # some child's budgets were wall-clock time
    return weakest
