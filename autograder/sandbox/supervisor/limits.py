"""The limits one sandboxed child runs under. Each default is written here once;
the command lines, the grading options and the tests read them from here."""

from __future__ import annotations

import dataclasses

DEFAULT_TIMEOUT_S = 30.0          # per test, and for loading the submission
DEFAULT_MEMORY_MB = 2048          # the whole submission: every process and its scratch files
DEFAULT_OUTPUT_BYTES = 64 << 20   # the scratch tmpfs (the largest file a submission can write)
DEFAULT_PROCESSES = 64
# The whole submission, every process of it in any session (a cgroup CPU quota).
# One core: the child is single-threaded (BLAS is pinned to one thread), so a
# correct submission never needs more, and a submission that starts many busy
# processes takes at most one core from the submissions graded beside it.
DEFAULT_CPU_CORES = 1.0
# Loading (starting Python, importing NumPy, converting a notebook, running its cells)
# gets the per-test timeout, but never less than this.
MIN_LOAD_TIMEOUT_S = 10.0
# One notebook cell at load time: a third of the load time, at most this. An experiment
# that runs longer is stopped and the next cell runs, so three hung cells still leave
# time for the rest of the notebook, and a graded function never depends on an experiment.
MAX_CELL_SECONDS = 5.0
# A cell that defeats its time box (swallows the alarm, resets the timer) or ends its own
# process (SIGKILL, a segfault, the memory limit) is skipped by loading again without it:
# at most this many times per submission (each skip is one more load of the notebook).
MAX_CELL_RESTARTS = 4
# How long past its time box the supervisor waits for the child to move on from a cell
# before it counts the cell as stuck (the child's own alarm normally stops it first).
CELL_GRACE_S = 2.0
# Time inside a notebook cell is bounded by the cell's box, not charged to the load time; one
# load of a notebook takes at most this many load times (stretched by the machine's load, as
# the cells' boxes are), and no load is restarted without a cell once the loads took that long.
NOTEBOOK_LOAD_FACTOR = 3


def load_timeout(timeout: float) -> float:
    """Seconds the child may take to load a submission, for a per-test ``timeout``."""
    return max(timeout, MIN_LOAD_TIMEOUT_S)


def cell_timeout(timeout: float) -> float:
    """Seconds one notebook cell may run while the submission loads, for a per-test ``timeout``."""
    return min(load_timeout(timeout) / 3, MAX_CELL_SECONDS)


@dataclasses.dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    output_bytes: int = DEFAULT_OUTPUT_BYTES
    processes: int = DEFAULT_PROCESSES
    cpu_cores: float | None = DEFAULT_CPU_CORES   # None: no CPU quota
