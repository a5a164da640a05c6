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


@dataclasses.dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    output_bytes: int = DEFAULT_OUTPUT_BYTES
    processes: int = DEFAULT_PROCESSES
    cpu_cores: float | None = DEFAULT_CPU_CORES   # None: no CPU quota
