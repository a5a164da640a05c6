"""Finding and killing processes through Linux ``/proc``, and the grader's own
role as a subreaper: the last line of defence in reduced isolation without a
cgroup, where a submission may kill the subreaper that supervises it (same
user), so that its orphans come to the grader instead of init and are killed.

Every process a submission starts is in a session other than the grader's
(the child is started with a new session, and no process can join a session it
was not born in), so an orphan of the grader that is in a foreign session and
is not one of the children the grader launched belongs to some submission.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time

PR_SET_CHILD_SUBREAPER = 36

_launch_lock = threading.Lock()
_launched: set[int] = set()   # pids of the children started through ``launch`` and not yet reaped
_subreaper = False


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return None


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
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


def processes_in_namespace(namespace: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and pid_namespace(int(entry)) == namespace and alive(int(entry)):
            found.append(int(entry))
    return found


def seccomp_mode(pid: int) -> int | None:
    """The ``Seccomp:`` line of /proc/<pid>/status: 0 none, 1 strict, 2 filter."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("Seccomp:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def kill_quietly(pid: int, sig=signal.SIGKILL) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ------------------------------------------------------------ grader as subreaper --

def become_subreaper() -> bool:
    """Make the grader the reaper of its descendants' orphans (Linux 3.4+)."""
    global _subreaper
    if _subreaper:
        return True
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        _subreaper = False
    return _subreaper


def launch(command: list[str], **popen_options) -> subprocess.Popen:
    """``subprocess.Popen`` in a new session, registered so that ``sweep_orphans`` spares it."""
    with _launch_lock:
        proc = subprocess.Popen(command, start_new_session=True, **popen_options)
        _launched.add(proc.pid)
    return proc


def reaped(proc: subprocess.Popen) -> None:
    """``proc`` was waited for: from now on its pid may belong to someone else."""
    if proc.returncode is not None:
        with _launch_lock:
            _launched.discard(proc.pid)


def _orphans() -> list[int]:
    """Children of the grader in a foreign session that it did not launch. Spared
    for now: those still in the session of a launched child that has not been
    reaped (the session's id is that child's pid), such as the grading child of
    a submission that killed its reaper: its own ``Sandbox.kill`` takes them,
    so a sweep for one submission never cuts short another's grading."""
    me, mine = os.getpid(), os.getsid(0)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in _launched:
            continue
        fields = _stat_fields(int(entry))
        if (fields and len(fields) > 3 and int(fields[1]) == me and int(fields[3]) != mine
                and int(fields[3]) not in _launched):
            found.append(int(entry))
    return found


def sweep_orphans(deadline: float) -> list[int]:
    """Kill and reap every submission process that was orphaned to the grader
    (with its descendants); return the pids that would not go by ``deadline``."""
    if not _subreaper:
        return []
    while True:
        with _launch_lock:
            orphans = _orphans()
            for orphan in orphans:
                for pid in [orphan, *descendants(orphan)]:
                    kill_quietly(pid)
            for orphan in orphans:
                try:
                    os.waitpid(orphan, os.WNOHANG)
                except ChildProcessError:
                    pass
        if not orphans:
            return []
        if time.monotonic() > deadline:
            return [pid for pid in orphans if alive(pid)]
        time.sleep(0.005)
