"""The limits one sandboxed child runs under. Each default is written here once;
the command lines, the grading options and the tests read them from here."""

from __future__ import annotations

import dataclasses

DEFAULT_TIMEOUT_S = 30.0          # per test, and for loading the submission
DEFAULT_MEMORY_MB = 2048          # the whole submission: every process and its scratch files
DEFAULT_OUTPUT_BYTES = 64 << 20   # the scratch tmpfs (the largest file a submission can write)
DEFAULT_PROCESSES = 64


@dataclasses.dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    output_bytes: int = DEFAULT_OUTPUT_BYTES
    processes: int = DEFAULT_PROCESSES
