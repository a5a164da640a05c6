"""One cgroup per sandboxed child: a process limit, a memory limit and a CPU
quota over every process of the submission, whatever session it moved to, and
a way to find and kill all of them.

Supports cgroup v1 (one hierarchy per controller, as in most containers run as
root) and v2 (where the grader's own cgroup lets it create children with the
controllers). ``pids`` and ``memory`` are required; ``cpu`` is used when the
hierarchy offers it, and ``Cgroup.cpu_limited`` says whether the quota was set.
``Cgroup.cpu_seconds()`` is the CPU time all of the child's processes have used
(``cpu.stat`` ``usage_usec`` in v2, ``cpuacct.usage`` in v1), or None where the
host does not account it.
``Cgroups.probe()`` returns None where no cgroup can be made.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from pathlib import Path

from autograder.sandbox.supervisor.processes import alive

CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
# v1 controllers a leaf uses when the host offers them: the CPU quota, and the CPU
# time accounting that per-test budgets are measured with (cpu_budget.py).
OPTIONAL_V1 = ("cpu", "cpuacct")


def _v1_mounts() -> dict[str, Path]:
    """controller -> mount point of its v1 hierarchy (``cpu`` is often mounted as ``cpu,cpuacct``)."""
    mounts = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return mounts
    for line in lines:
        fields = line.split()
        if " - " not in line:
            continue
        after = line.split(" - ", 1)[1].split()
        if len(after) < 3 or after[0] != "cgroup":
            continue
        for option in after[2].split(","):
            mounts.setdefault(option, Path(fields[4]))
    return mounts


class Cgroups:
    """The grader's parent cgroup(s), under which each child gets a leaf."""

    _counter = itertools.count()

    def __init__(self, version: int, dirs: dict[str, Path]):
        self.version = version
        self.dirs = dirs   # controller ("pids", "memory", "cpu", or "unified") -> parent folder we own
        self.cpu = False   # whether leaves can be given a CPU quota (set by the probe)

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
        root = CGROUP_ROOT
        if not (root / "cgroup.controllers").exists():
            return None
        own = root / cls._own_paths().get("unified", "/").lstrip("/")
        parent = own / f"autograder-{os.getpid()}"
        for wanted in ("+pids +memory +cpu", "+pids +memory"):
            try:
                (own / "cgroup.subtree_control").write_text(wanted)
                break
            except OSError:
                pass
        parent.mkdir(exist_ok=True)
        try:
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            parent.rmdir()
            return None
        groups = cls(2, {"unified": parent})
        try:
            (parent / "cgroup.subtree_control").write_text("+cpu")
            groups.cpu = True
        except OSError:
            pass
        return groups

    @classmethod
    def _v1(cls):
        own = cls._own_paths()
        mounts = _v1_mounts()
        dirs = {}
        for controller in ("pids", "memory", "cpu", "cpuacct"):
            base = mounts.get(controller, CGROUP_ROOT / controller)
            if controller not in own or not (base / "cgroup.procs").exists():
                if controller in OPTIONAL_V1:
                    continue
                return None
            if controller == "cpuacct" and "cpu" in dirs and mounts.get("cpu") == base:
                continue   # "cpu,cpuacct" mounted together: the cpu leaf holds cpuacct.usage too
            parent = base / own[controller].lstrip("/") / f"autograder-{os.getpid()}"
            try:
                parent.mkdir(exist_ok=True)
            except OSError:
                if controller in OPTIONAL_V1:
                    continue
                raise
            dirs[controller] = parent
        groups = cls(1, dirs)
        groups.cpu = "cpu" in dirs and (dirs["cpu"] / "cpu.cfs_quota_us").exists()
        if "cpu" in dirs and not groups.cpu:
            del dirs["cpu"]
        return groups

    def _self_test(self) -> bool:
        try:
            group = self.create(processes=8, memory_bytes=64 << 20, cpu_cores=1.0)
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

    def create(self, processes: int, memory_bytes: int, cpu_cores: float | None) -> "Cgroup":
        """A leaf with the limits set; ``cpu_cores`` None (or no cpu controller) leaves CPU unlimited."""
        name = f"sb-{next(self._counter)}"
        leaves = {}
        cpu_limited = False
        quota = int(CPU_PERIOD_US * cpu_cores) if cpu_cores else 0
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
                if self.cpu and quota:
                    (leaf / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
                    cpu_limited = True
            else:
                (leaves["pids"] / "pids.max").write_text(str(processes))
                (leaves["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
                swap = leaves["memory"] / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    try:
                        swap.write_text(str(memory_bytes))
                    except OSError:
                        pass
                if "cpu" in leaves and quota:
                    (leaves["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                    (leaves["cpu"] / "cpu.cfs_quota_us").write_text(str(quota))
                    cpu_limited = True
        except OSError:
            Cgroup(self.version, leaves).destroy()
            raise
        return Cgroup(self.version, leaves, cpu_limited)

    def remove_parents(self) -> None:
        for parent in self.dirs.values():
            try:
                parent.rmdir()
            except OSError:
                pass


class Cgroup:
    """One child's cgroup (one folder per hierarchy in v1)."""

    def __init__(self, version: int, leaves: dict[str, Path], cpu_limited: bool = False):
        self.version = version
        self.leaves = leaves
        self.cpu_limited = cpu_limited

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

    def throttled(self) -> bool:
        """Whether the CPU quota ever held the cgroup back (cpu.stat nr_throttled > 0)."""
        leaf = self.leaves.get("unified" if self.version == 2 else "cpu")
        if leaf is None:
            return False
        try:
            for line in (leaf / "cpu.stat").read_text().splitlines():
                if line.startswith("nr_throttled "):
                    return int(line.split()[1]) > 0
        except (OSError, ValueError):
            pass
        return False

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by every process that was ever in the cgroup, or None when not accounted."""
        try:
            if self.version == 2:
                for line in (self.leaves["unified"] / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
                return None
            for controller in ("cpuacct", "cpu"):   # "cpu,cpuacct" may be one hierarchy
                usage = self.leaves[controller] / "cpuacct.usage" if controller in self.leaves else None
                if usage is not None and usage.exists():
                    return int(usage.read_text()) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        return None

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
