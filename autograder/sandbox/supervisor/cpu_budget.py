"""Enforcing a test's time budget in CPU time, with a wall-clock backstop.

A budget (``autograder/budgets.py``) is what a test may cost. Measured in wall
time, it shrinks as the machine gets busier: at load 15 on 2 cores a sandboxed
child gets a seventh of a core, and a wall-clock second buys it 140 ms of work.
Measured in the CPU time of the child's cgroup (every process of the
submission, whatever session it is in), it is what the submission itself
consumed, whatever else runs.

``CaseDeadline`` is what the launcher waits on for one case: it expires when
the cgroup has used ``budget_s`` CPU seconds since the case started, or when
``budgets.wall_backstop`` wall seconds have passed (a child that sleeps or
blocks uses no CPU), whichever comes first. The cgroup is read only when the
budget could have run out: with a quota of ``c`` cores, CPU time grows at most
``c`` seconds per wall second, so after reading ``u`` seconds used there is no
need to read again for ``(budget - u) / c`` seconds.

Without cgroups that account CPU time, ``policy_for`` gives wall-clock budgets
whose floor is scaled by the machine's load (``budgets.policy_under_load``), as
before CPU budgets, and ``CaseDeadline`` waits that long. A child whose own
cgroup could not be created where the others have one gets its CPU budget as
wall time multiplied by the load per core. ``Sandbox.applied["time_budget"]``
says which clock a result's budgets used.
A budget at ``--timeout`` (``--no-budgets``, or an uncalibrated case) is always
the plain wall-clock ``--timeout``.
"""

from __future__ import annotations

import dataclasses
import os
import time

from autograder import budgets

CPU_TIME = "cpu time"
WALL_CLOCK = "wall clock"
# Never wait less than this between two reads of the cgroup: the accounting
# advances in scheduler ticks, and a budget overrun by a few ms is harmless.
MIN_POLL_S = 0.01
_now = time.monotonic   # the wall clock (a name of its own so that tests can drive it)


def clock_of(cgroup) -> str:
    """Which clock budgets use for a child with this cgroup (None: no cgroup)."""
    return CPU_TIME if cgroup is not None and cgroup.cpu_seconds() is not None else WALL_CLOCK


def measures_cpu(isolation) -> bool:
    """Whether children started with ``isolation`` get a cgroup that accounts CPU time."""
    groups = getattr(isolation, "cgroups", None)
    if groups is None:
        return False
    if groups.version == 2:
        return True   # cpu.stat's usage_usec is in every v2 cgroup, with or without the cpu controller
    return "cpuacct" in groups.dirs or ("cpu" in groups.dirs and (groups.dirs["cpu"] / "cpuacct.usage").exists())


def policy_for(isolation, policy: budgets.Policy | None = None) -> budgets.Policy:
    """The budget policy for children started with ``isolation``: CPU seconds where
    the cgroup accounts them, else wall seconds with the floor scaled by the machine's load now."""
    policy = policy or budgets.Policy()
    if measures_cpu(isolation):
        return dataclasses.replace(policy, cpu_time=True)
    return budgets.policy_under_load(_load_average(), os.cpu_count() or 1, policy)


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def remaining(deadline) -> float:
    """Seconds left before ``deadline`` (a ``time.monotonic()`` value or a ``CaseDeadline``); <= 0 when past."""
    if isinstance(deadline, CaseDeadline):
        return deadline.remaining()
    return deadline - _now()


class CaseDeadline:
    """How long the launcher may wait for one case of a child in ``sandbox``.

    ``budget_s``: the case's budget (CPU seconds where the child's cgroup accounts
    them; None: ``timeout``); ``timeout``: ``--timeout``, the wall-clock ceiling of everything."""

    def __init__(self, sandbox, budget_s: float | None, timeout: float):
        self.cgroup = getattr(sandbox, "cgroup", None)
        self.timeout = float(timeout)
        self.budget_s = min(float(budget_s or timeout), self.timeout)
        applied = getattr(sandbox, "applied", None) or {}
        self.cpu = self.budget_s < self.timeout and applied.get("time_budget") == CPU_TIME
        # The fastest the cgroup's CPU time can grow per wall second: its quota, else every core.
        machine = float(os.cpu_count() or 1)
        quota = applied.get("cpu_cores") if applied.get("cpu_limit") else None
        self.cores = min(machine, float(quota)) if isinstance(quota, (int, float)) and quota > 0 else machine
        # The grader planned CPU seconds, but this child has no CPU accounting (its
        # cgroup could not be created): its budget becomes wall time, scaled for the load.
        self.stretch = 1.0
        if not self.cpu and self.budget_s < self.timeout and measures_cpu(getattr(sandbox, "isolation", None)):
            self.stretch = budgets.contention(_load_average(), os.cpu_count() or 1)
        self.stopped_by: str | None = None   # "cpu" or "wall" once expired
        self.cpu_used = 0.0
        self.restart()

    @property
    def wall_limit(self) -> float:
        """Wall-clock seconds this case may take from its (re)start."""
        if self.cpu:
            return budgets.wall_backstop(self.budget_s, self.timeout)
        return min(self.timeout, self.budget_s * self.stretch)

    def restart(self) -> "CaseDeadline":
        """Start counting again from now (the launcher waits twice per case: for its
        'start', then for its result)."""
        self.started = _now()
        self.cpu_start = self.cgroup.cpu_seconds() if self.cpu else None
        if self.cpu and self.cpu_start is None:   # the accounting went away: fall back to the wall clock
            self.cpu, self.stretch = False, budgets.contention(_load_average(), os.cpu_count() or 1)
        self.next_read = self.started + (self.budget_s / self.cores if self.cpu else 0.0)
        self.stopped_by, self.cpu_used = None, 0.0
        return self

    def remaining(self) -> float:
        """Seconds to wait before asking again (<= 0: the case has run out of time)."""
        now = _now()
        wall_left = self.started + self.wall_limit - now
        if wall_left <= 0:
            self.stopped_by = "wall"
            self._note_cpu()
            return 0.0
        if not self.cpu:
            return wall_left
        if now < self.next_read:
            return min(wall_left, self.next_read - now)
        used = self._note_cpu()
        if used is None:
            return min(wall_left, MIN_POLL_S)
        left = self.budget_s - used
        if left <= 0:
            self.stopped_by = "cpu"
            return 0.0
        self.next_read = now + max(MIN_POLL_S, left / self.cores)
        return min(wall_left, self.next_read - now)

    def _note_cpu(self) -> float | None:
        if self.cpu_start is None:
            return None
        now = self.cgroup.cpu_seconds()
        if now is None:
            return None
        self.cpu_used = max(0.0, now - self.cpu_start)
        return self.cpu_used

    def stop_message(self, case) -> str:
        """The test's message once this deadline expired; ``case.stop_message`` (a
        launcher ``PlannedCase``) is the grader's own text for a stop by the budget
        (``budgets.stop_message``), None for a plain ``--timeout``."""
        text = (getattr(case, "stop_message", None)
                or f"did not return within {self.timeout:g} s; the process was killed")
        if not self.cpu and self.stretch > 1 and self.wall_limit < self.timeout:
            return text + (f" (measured in wall-clock time, as this submission had no CPU accounting, and "
                           f"stretched {self.stretch:.2g} times for the machine's load: {self.wall_limit:.3g} s)")
        if not self.cpu or self.stopped_by == "cpu":
            return text
        # The wall-clock backstop of a CPU budget.
        limit = (f"the time limit of {self.timeout:g} s (--timeout)" if self.wall_limit >= self.timeout
                 else f"{self.wall_limit:.3g} s of wall-clock time ({budgets.DEFAULT_WALL_BACKSTOP_MULTIPLE:g} "
                      f"times its CPU time budget of {self.budget_s:.3g} s)")
        return (f"did not return within {limit}, having used {self.cpu_used:.2g} s of CPU time (sleeping or "
                f"waiting, or the machine too busy to run it); the process was killed")
