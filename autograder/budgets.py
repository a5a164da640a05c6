"""Time budgets per graded case, calibrated from the reference implementation's own time.

A case's budget is how long the sandboxed child may take to return that case's
result before it is stopped. ``--timeout`` stays the hard ceiling; under it, a
case gets

    budget = min(timeout, max(floor, multiple x reference time, per_item x items))

* ``multiple x reference time``: slow but correct code (a Python loop where the
  reference vectorises, repeated copies, float64 where float32 would do) costs a
  bounded multiple of the reference on small inputs;
* ``per_item x items``: on large inputs a loop over elements costs per element,
  not per call, so a case that feeds the function many numbers gets room for an
  element-wise loop whatever the reference's speed (``items`` counts the numbers
  in the case's inputs and the reference's outputs, see ``count_items``);
* ``floor``: the child's own overheads (wire transfer, a garbage collection, a
  scheduler hiccup on a loaded machine) must never decide a grade; an endless
  loop then costs about the floor, not the whole ``--timeout``.

The reference is timed on the same machine, in the grader, several times per
case; the median is used, so one preempted run does not inflate a budget and one
lucky run does not shrink it. Without usable timings a case falls back to the
ceiling, as before calibration existed.

Where the child has a cgroup that accounts CPU time, a budget is CPU seconds
(``Policy.cpu_time``): what the child's processes used, read from the cgroup,
so other work on the machine cannot eat a correct submission's budget; a
wall-clock backstop of ``DEFAULT_WALL_BACKSTOP_MULTIPLE`` budgets (at most
``--timeout``) stops a child that sleeps or blocks without using CPU
(``sandbox/supervisor/cpu_budget.py`` enforces both). Without such a cgroup a
budget is wall-clock seconds, with the floor scaled by the machine's load
(``policy_under_load``) so that a starved correct submission is not cut off.

This module is pure: timings in, budgets and messages out. Measuring the
reference and enforcing the budget belong to the grader and the launcher.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable, Mapping

import numpy as np

# Defaults, written once. A grader that exposes them as options imports these.
DEFAULT_MULTIPLE = 20.0        # x the reference's median time on the case
DEFAULT_FLOOR_S = 1.0          # no budget below this (what an endless loop costs)
DEFAULT_PER_ITEM_S = 20e-6     # seconds per number the case moves: room for a Python loop over elements
# A CPU-time budget's wall-clock backstop, in budgets: generous, because on a loaded
# machine a child gets a fraction of a core (a tenth at load 20 on 2 cores), and
# only a child that sleeps or blocks, using no CPU, ever meets it.
DEFAULT_WALL_BACKSTOP_MULTIPLE = 10.0

# What stopped a case, as the result reports it.
BOUND_FLOOR = "floor"
BOUND_REFERENCE = "reference"
BOUND_ITEMS = "items"
BOUND_TIMEOUT = "timeout"


@dataclasses.dataclass(frozen=True)
class Policy:
    """How generous budgets are. ``multiple`` >= 1, ``floor_s`` > 0, ``per_item_s`` >= 0;
    ``cpu_time``: budgets are CPU seconds of the child's cgroup (else wall-clock seconds)."""

    multiple: float = DEFAULT_MULTIPLE
    floor_s: float = DEFAULT_FLOOR_S
    per_item_s: float = DEFAULT_PER_ITEM_S
    cpu_time: bool = False

    def __post_init__(self):
        for name, value, least in (("multiple", self.multiple, 1.0), ("floor_s", self.floor_s, 0.0),
                                   ("per_item_s", self.per_item_s, 0.0)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < least:
                raise ValueError(f"budget policy: {name} must be a finite number >= {least:g}, got {value!r}")
        if self.floor_s == 0:
            raise ValueError("budget policy: floor_s must be positive")


@dataclasses.dataclass(frozen=True)
class Budget:
    """The time one case may take, and which term set it.

    ``bound``: "floor", "reference", "items" or "timeout" (the ceiling, also used
    when the case could not be calibrated); ``reference_s``: the reference's
    median time on the case, or None."""

    seconds: float
    bound: str
    reference_s: float | None = None
    items: int = 0

    @property
    def is_ceiling(self) -> bool:
        """True when ``--timeout`` itself is the limit (a stop is then a plain timeout)."""
        return self.bound == BOUND_TIMEOUT


def usable_timings(samples: Iterable[float] | None) -> list[float]:
    """The samples that are real durations (finite, non-negative numbers)."""
    good = []
    for s in samples or ():
        if isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s) and s >= 0:
            good.append(float(s))
    return good


def budget_for(samples: Iterable[float] | None, timeout: float, policy: Policy = Policy(), items: int = 0) -> Budget:
    """The budget of one case from the reference's timings on it (seconds, any number of runs)."""
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    items = max(0, int(items))
    good = usable_timings(samples)
    if not good:
        return Budget(float(timeout), BOUND_TIMEOUT, None, items)
    reference = statistics.median(good)
    terms = {BOUND_FLOOR: policy.floor_s, BOUND_REFERENCE: policy.multiple * reference,
             BOUND_ITEMS: policy.per_item_s * items}
    # On a tie the earlier term names the bound: the floor first, as the least surprising.
    bound = max(terms, key=lambda k: terms[k])
    seconds = terms[bound]
    if seconds >= timeout:
        return Budget(float(timeout), BOUND_TIMEOUT, reference, items)
    return Budget(seconds, bound, reference, items)


def calibrate(timings: Mapping[str, Iterable[float]], timeout: float, policy: Policy = Policy(),
              items: Mapping[str, int] | None = None) -> dict[str, Budget]:
    """Case name -> Budget, from case name -> the reference's timings in seconds.

    ``items``: case name -> how many numbers the case moves (``count_items``);
    cases missing from ``timings`` are not in the result (the caller gives them
    the ceiling)."""
    items = items or {}
    return {name: budget_for(samples, timeout, policy, items.get(name, 0)) for name, samples in timings.items()}


def count_items(value, max_depth: int = 64, max_nodes: int = 1_000_000) -> int:
    """How many numbers a plain value holds: array elements and numbers, nested in
    lists, tuples and dicts (walking at most ``max_depth`` levels and ``max_nodes`` values)."""
    total, stack, visited = 0, [(value, 0)], 0
    while stack and visited < max_nodes:
        item, depth = stack.pop()
        visited += 1
        if isinstance(item, np.ndarray):
            total += int(item.size)
        elif isinstance(item, (bool, int, float, complex, np.number)):
            total += 1
        elif depth < max_depth and isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif depth < max_depth and isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
    return total


def contention(load_average: float, cores: int) -> float:
    """How many times slower than alone a busy process runs on this machine: the 1-minute
    load average per core, at least 1 (wall-clock budgets are divided among the runnable
    processes; a test's floor is multiplied by this, so a loaded machine never cuts off
    correct code that an idle one would pass). Bad inputs give 1."""
    if not (isinstance(load_average, (int, float)) and math.isfinite(load_average) and load_average > 0):
        return 1.0
    if not (isinstance(cores, int) and cores > 0):
        return 1.0
    return max(1.0, float(load_average) / cores)


def policy_under_load(load_average: float, cores: int, policy: Policy = Policy()) -> Policy:
    """``policy`` with its floor scaled by ``contention``: never below the policy's own floor."""
    return dataclasses.replace(policy, floor_s=policy.floor_s * contention(load_average, cores))


def wall_backstop(budget_s: float, timeout: float, multiple: float | None = None) -> float:
    """Wall-clock seconds after which a case with a CPU-time budget of ``budget_s`` is
    stopped whatever CPU it used: ``multiple`` (default ``DEFAULT_WALL_BACKSTOP_MULTIPLE``)
    budgets, at most ``timeout``."""
    multiple = DEFAULT_WALL_BACKSTOP_MULTIPLE if multiple is None else multiple
    return min(float(timeout), multiple * float(budget_s))


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.3g} s"


def stop_message(budget: Budget, timeout: float, policy: Policy = Policy()) -> str:
    """What a result says about a case that did not return in time: which limit
    stopped it, and how that limit was set."""
    if budget.is_ceiling:
        text = f"did not return within the time limit of {timeout:g} s (--timeout)"
        if budget.reference_s is not None:
            text += f"; the reference takes {_duration(budget.reference_s)} on this test"
        return text + "; the process was killed"
    floor = (f"the least any test gets, {_duration(policy.floor_s)}" if policy.cpu_time
             else f"the least any test gets on this machine at its load, {_duration(policy.floor_s)}")
    why = {BOUND_FLOOR: floor,
           BOUND_REFERENCE: f"{policy.multiple:g} times the reference's {_duration(budget.reference_s or 0.0)}",
           BOUND_ITEMS: f"{_duration(policy.per_item_s)} for each of the {budget.items} numbers the test moves"}
    kind = "CPU time" if policy.cpu_time else "time"
    text = (f"did not return within this test's {kind} budget of {_duration(budget.seconds)} "
            f"({why[budget.bound]}")
    if budget.bound != BOUND_REFERENCE:
        text += f"; the reference takes {_duration(budget.reference_s or 0.0)}"
    return text + f"; --timeout {timeout:g} s is the ceiling); the process was killed"
