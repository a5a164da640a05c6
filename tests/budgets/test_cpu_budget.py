"""Time budgets counted in the child's CPU time (``sandbox/supervisor/cpu_budget.py``),
with a wall-clock backstop.

The deadline's rules on a simulated clock and cgroup first; then in the real
bubblewrap sandbox with its cgroup, on a core that six busy processes share
with the child (the test pins itself, and so the child, to one CPU):
an endless loop is stopped at its CPU budget although the loaded core stretches
that budget to several wall seconds, work that needs less CPU than its budget
passes where a wall-clock budget of the same size would have cut it off, and a
sleeping child, which uses no CPU, is stopped by the wall-clock backstop.
Without a cgroup the budget is wall-clock time, and the result says so.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from autograder import budgets, grading
from autograder.sandbox.supervisor import cpu_budget, isolation, launcher

# ------------------------------------------------------------ on a simulated clock --


class _Cgroup:
    def __init__(self):
        self.used = 0.0
        self.reads = 0

    def cpu_seconds(self):
        self.reads += 1
        return self.used


class _Sandbox:
    def __init__(self, cgroup, clock=cpu_budget.CPU_TIME, cores=1.0, isolation=None):
        self.cgroup = cgroup
        self.isolation = isolation
        self.applied = {"time_budget": clock, "cpu_limit": cores is not None, "cpu_cores": cores}


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(cpu_budget, "_now", lambda: now[0])
    return now


def test_a_cpu_budget_expires_when_the_cgroup_has_used_it_not_when_the_wall_clock_has(clock):
    group = _Cgroup()
    deadline = cpu_budget.CaseDeadline(_Sandbox(group), 1.0, 30.0).restart()
    # Starved: 5 wall seconds pass and the child got 0.2 s of CPU. Not expired.
    clock[0] += 5.0
    group.used = 0.2
    assert deadline.remaining() > 0
    clock[0] += 3.0
    group.used = 1.05
    assert deadline.remaining() <= 0 and deadline.stopped_by == "cpu"
    planned = launcher.PlannedCase("f", "call", {}, budget_s=1.0, stop_message="BUDGET TEXT")
    assert deadline.stop_message(planned) == "BUDGET TEXT"


def test_the_cgroup_is_read_only_when_the_budget_could_have_run_out(clock):
    group = _Cgroup()
    deadline = cpu_budget.CaseDeadline(_Sandbox(group, cores=1.0), 2.0, 30.0).restart()
    reads = group.reads
    # With a quota of one core, 2 CPU seconds take at least 2 wall seconds: no read before then.
    assert deadline.remaining() == pytest.approx(2.0)
    clock[0] += 1.5
    assert deadline.remaining() == pytest.approx(0.5) and group.reads == reads
    clock[0] += 0.5
    group.used = 0.5
    assert deadline.remaining() == pytest.approx(1.5) and group.reads == reads + 1


def test_a_child_that_uses_no_cpu_is_stopped_by_the_wall_clock_backstop(clock):
    group = _Cgroup()
    deadline = cpu_budget.CaseDeadline(_Sandbox(group), 0.5, 30.0).restart()
    backstop = budgets.wall_backstop(0.5, 30.0)
    assert backstop == 0.5 * budgets.DEFAULT_WALL_BACKSTOP_MULTIPLE < 30.0
    clock[0] += backstop - 0.01
    group.used = 0.01
    assert deadline.remaining() > 0
    clock[0] += 0.02
    assert deadline.remaining() <= 0 and deadline.stopped_by == "wall"
    message = deadline.stop_message(launcher.PlannedCase("f", "call", {}, stop_message="BUDGET TEXT"))
    assert "wall-clock time" in message and "sleeping or waiting" in message and "BUDGET TEXT" not in message


def test_the_backstop_never_exceeds_the_timeout_and_then_says_timeout(clock):
    deadline = cpu_budget.CaseDeadline(_Sandbox(_Cgroup()), 5.0, 8.0).restart()
    assert deadline.wall_limit == 8.0
    clock[0] += 8.0
    assert deadline.remaining() <= 0
    assert "time limit of 8 s (--timeout)" in deadline.stop_message(None)


def test_a_budget_at_the_timeout_is_the_plain_wall_clock_timeout(clock):
    """--no-budgets and uncalibrated cases keep today's behaviour exactly."""
    group = _Cgroup()
    for budget in (None, 10.0, 50.0):
        deadline = cpu_budget.CaseDeadline(_Sandbox(group), budget, 10.0).restart()
        assert not deadline.cpu and deadline.wall_limit == 10.0
        group.used += 100.0   # CPU time is not what stops it
        assert deadline.remaining() == pytest.approx(10.0)
        assert deadline.stop_message(None) == "did not return within 10 s; the process was killed"


def test_without_cpu_accounting_the_budget_is_wall_clock_time(clock, monkeypatch):
    monkeypatch.setattr(cpu_budget, "_load_average", lambda: 0.0)
    deadline = cpu_budget.CaseDeadline(_Sandbox(None, clock=cpu_budget.WALL_CLOCK), 1.0, 30.0).restart()
    assert not deadline.cpu and deadline.wall_limit == 1.0
    clock[0] += 1.0
    assert deadline.remaining() <= 0


def test_a_child_whose_cgroup_failed_gets_its_cpu_budget_as_wall_time_stretched_for_the_load(clock, monkeypatch):
    """The grader planned CPU seconds (its isolation accounts them) but this child has
    no cgroup: the budget becomes wall time, multiplied by the load per core, and the
    message says so."""
    monkeypatch.setattr(cpu_budget, "_load_average", lambda: 8.0)
    monkeypatch.setattr(cpu_budget, "measures_cpu", lambda iso: True)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    deadline = cpu_budget.CaseDeadline(_Sandbox(None, clock=cpu_budget.WALL_CLOCK), 1.0, 30.0).restart()
    assert deadline.wall_limit == pytest.approx(4.0)
    clock[0] += 4.0
    assert deadline.remaining() <= 0
    assert "stretched 4 times for the machine's load" in deadline.stop_message(None)


def test_float_deadlines_still_work_for_the_load_phase(clock):
    assert cpu_budget.remaining(clock[0] + 3.0) == pytest.approx(3.0)


def test_messages_name_the_clock():
    cpu = budgets.stop_message(budgets.budget_for([0.002], 10.0), 10.0, budgets.Policy(cpu_time=True))
    wall = budgets.stop_message(budgets.budget_for([0.002], 10.0), 10.0, budgets.Policy())
    assert "CPU time budget of 1 s" in cpu and "on this machine at its load" not in cpu
    assert "time budget of 1 s" in wall and "CPU" not in wall


# ------------------------------------------------------------------- in the sandbox --

WORK = """import time
def spin_forever():
    while True:
        pass
def burn(seconds):
    # CPU time of this process, not wall time: what the budget counts. Returns the wall time it took.
    started, wall = time.process_time(), time.monotonic()
    while time.process_time() - started < seconds:
        pass
    return time.monotonic() - wall
def sleep_forever():
    time.sleep(1000)
"""
# The child's cgroup weighs as much as one hog: it gets about a seventh of the core.
HOGS = 6


@pytest.fixture(scope="module")
def sandbox():
    iso = isolation.detect_isolation("bwrap")
    if not cpu_budget.measures_cpu(iso):
        pytest.skip("no cgroup that accounts CPU time here (strict mode fails instead)")
    return iso


@pytest.fixture
def loaded_core(monkeypatch):
    """This process, the children it starts and HOGS busy processes all on CPU 0. The
    wall-clock backstop is raised out of the way: on a machine already loaded by other
    work the child may get far less than a quarter of the core, and these tests are
    about the CPU budget (the backstop has its own test)."""
    monkeypatch.setattr(budgets, "DEFAULT_WALL_BACKSTOP_MULTIPLE", 200.0)
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    # Each in a session of its own: with autogroup scheduling, processes of one session share one weight.
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(HOGS)]
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)
        for hog in hogs:
            hog.kill()
            hog.wait()


def _run(iso, function, inputs, budget_s, timeout):
    policy = budgets.Policy(cpu_time=True)
    budget = budgets.Budget(budget_s, budgets.BOUND_FLOOR, 0.001)
    case = launcher.PlannedCase(function, "call", {"function": function, **inputs}, budget_s=budget_s,
                                stop_message=budgets.stop_message(budget, timeout, policy))
    started = time.monotonic()
    session = launcher.run_cases([{"source": WORK, "filename": "work.py"}], [case],
                                 launcher.Limits(timeout=timeout), iso)
    return session.outcomes[0], session.isolation_detail, time.monotonic() - started


def test_an_endless_loop_is_stopped_at_its_cpu_budget_on_a_loaded_core(sandbox, loaded_core):
    outcome, detail, took = _run(sandbox, "spin_forever", {}, budget_s=0.5, timeout=30.0)
    assert detail["time_budget"] == cpu_budget.CPU_TIME
    assert outcome.status == "timeout" and "CPU time budget of 500 ms" in outcome.message, outcome.message
    # A small share of the core: the 0.5 CPU seconds took more than 0.5 s of wall
    # time (a wall-clock budget of 0.5 s would have stopped it earlier), and less than the timeout.
    assert 0.5 * 2 < took < 30.0, took


def test_work_within_its_cpu_budget_passes_though_the_core_stretches_it_past_that_in_wall_time(sandbox, loaded_core):
    outcome, _, _ = _run(sandbox, "burn", {"args": [0.3]}, budget_s=0.6, timeout=30.0)
    assert outcome.status == "ok", outcome.message
    # Without this, the test would prove nothing: the work took longer than its budget in wall time.
    assert outcome.outputs["return"].value > 0.6, outcome.outputs["return"].value


def test_a_sleeping_child_is_stopped_by_the_wall_clock_backstop(sandbox):
    outcome, _, took = _run(sandbox, "sleep_forever", {}, budget_s=0.2, timeout=30.0)
    backstop = budgets.wall_backstop(0.2, 30.0)
    assert outcome.status == "timeout"
    assert f"{backstop:g} s of wall-clock time" in outcome.message and "sleeping or waiting" in outcome.message, outcome.message
    assert backstop <= took < 30.0 / 2, took


def test_without_a_cgroup_budgets_are_wall_clock_and_the_result_says_so(sandbox):
    plain = isolation.Isolation("full", bwrap=sandbox.bwrap, cgroups=None, reason="test", seccomp=sandbox.seccomp,
                                as_root=sandbox.as_root, disable_userns=sandbox.disable_userns)
    assert grading.budget_policy(plain).cpu_time is False
    assert grading.budget_policy(sandbox).cpu_time is True
    outcome, detail, took = _run(plain, "spin_forever", {}, budget_s=0.5, timeout=30.0)
    assert detail["time_budget"] == cpu_budget.WALL_CLOCK and detail["cgroups"] is False
    assert outcome.status == "timeout"
    assert took < 30.0 / 2
