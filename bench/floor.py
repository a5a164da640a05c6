"""The floor under one sandboxed submission, and where this grader's time per submission goes.

``measure`` starts the grader's own sandbox (its ``Sandbox``: the command line, environment
and cgroup built by ``autograder.sandbox.supervisor.isolation``) around ever
larger programs, one after another, and times each from spawn to exit:

* ``/bin/true``                    the cost of bwrap itself (namespaces, mounts) and the cgroup;
* ``python -I -S -c pass``         plus starting Python;
* ``... import numpy``             plus NumPy: **the floor**, the least any sandboxed
                                   NumPy grader can pay per submission;
* ``... import the child modules`` plus what the child imports before reading its plan.

It also grades submissions with ``autograder.grading.grade``, one
after another, with timestamps taken around the grader's own steps (by wrapping
its functions for the duration of the measurement; nothing in ``autograder`` is
changed), and splits each submission's wall time into: reading the notebook,
encoding the plan, spawning the sandbox, the child's start-up until it has run
the student's cells, the graded cases, stopping the sandbox, and judging.

``command_startup`` times the grading command's own start-up and its heaviest imports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from autograder import grading  # noqa: E402
from autograder.sandbox.supervisor import environment, launcher  # noqa: E402
from autograder.sandbox.supervisor import isolation as sandbox_isolation  # noqa: E402
from autograder.sandbox.supervisor.limits import Limits  # noqa: E402

# What the child would otherwise run, grown step by step. Each starts as the
# child's bootstrap does (drop privileges when root, the explicit import path).
_PRELUDE = environment.DROP_PRIVILEGES + "import sys; sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)\n"
FLOOR_PROGRAMS = {
    "bwrap + /bin/true": None,
    "bwrap + python": "pass\n",
    "bwrap + python + numpy (floor)": _PRELUDE + "import numpy\n",
    "bwrap + python + numpy + child modules": _PRELUDE + "import numpy\nimport autograder.sandbox.inside.child\n"
                                              "import autograder.sandbox.inside.probes\n",
}
FLOOR = "bwrap + python + numpy (floor)"


def sandbox_isolation_full() -> sandbox_isolation.Isolation:
    """The grader's sandbox; the benchmark refuses to measure without it."""
    return sandbox_isolation.detect_isolation("bwrap")


def floor_command(isolation: sandbox_isolation.Isolation, program: str | None, scratch: str,
                  limits: Limits, seccomp_fd: int | None) -> tuple[list[str], dict]:
    """The grader's own child command line with its Python program replaced by
    ``program`` (or, for None, the whole ``python ...`` by ``/bin/true``)."""
    command, env = sandbox_isolation.Isolation.command(isolation, scratch, limits, seccomp_fd)
    if environment.CHILD_BOOTSTRAP not in command:
        raise RuntimeError("the grader's child command no longer ends in CHILD_BOOTSTRAP; update bench/floor.py")
    at = command.index(environment.CHILD_BOOTSTRAP)
    if program is None:
        python_at = at - command[at::-1].index(environment.interpreter())
        return command[:python_at] + ["/bin/true"], env
    return command[:at] + [program] + command[at + 1:], env


class _FloorIsolation(sandbox_isolation.Isolation):
    """The grader's isolation, starting ``program`` instead of the child: the same
    ``Sandbox`` (scratch folder, cgroup and its limits, session, kill) as a real child gets."""

    def __init__(self, isolation: sandbox_isolation.Isolation, program: str | None):
        super().__init__(**{f.name: getattr(isolation, f.name) for f in dataclasses.fields(isolation)})
        self.program = program

    def command(self, scratch, limits, seccomp_fd):
        return floor_command(self, self.program, scratch, limits, seccomp_fd)


def _time_one(isolation, program, limits) -> float:
    """Seconds from asking for a sandbox to its program's exit (stopping it is not counted)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        sandbox = _FloorIsolation(isolation, program).start(limits, stdin=subprocess.DEVNULL,
                                                            stdout=subprocess.DEVNULL, stderr=errors)
        try:
            code = sandbox.proc.wait(timeout=120)
            seconds = time.perf_counter() - start
        finally:
            sandbox.kill()
        if code != 0:
            errors.seek(0)
            raise RuntimeError(f"the floor program failed ({code}): {errors.read().decode(errors='replace')[-2000:]}")
    return seconds


@dataclasses.dataclass
class Timing:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)


def floor_round(samples: dict[str, list[float]]) -> None:
    """Start each floor program once, appending its seconds to ``samples[name]``."""
    isolation, limits = sandbox_isolation_full(), Limits()
    for name, program in FLOOR_PROGRAMS.items():
        samples.setdefault(name, []).append(_time_one(isolation, program, limits))


# ------------------------------------------------------------------ breakdown --

STEPS = ("read the notebook", "encode the plan", "spawn the sandbox (cgroup, Popen)",
         "child start-up and student cells, until 'loaded'", "the graded cases (student code, probes, wire)",
         "stop the sandbox (kill, reap, clean up)", "judge and build the result")


@contextlib.contextmanager
def _wrapped(owner, name: str, before=None, after=None):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if before:
            before()
        value = original(*args, **kwargs)
        if after:
            after(value)
        return value

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def measure(paths: list[Path], assignment: str, timeout: float
            ) -> tuple[dict[str, Timing], list[dict[str, float]], list[float]]:
    """Grade each submission (one after another, sandbox on), each right after a
    round of the floor programs, so that load from elsewhere hits both alike.

    Returns the floor programs' timings; for each submission its seconds per
    step of ``STEPS``; and the total seconds of each ``grading.grade`` call."""
    floor_samples: dict[str, list[float]] = {}
    options = grading.Options(timeout=timeout, isolation=sandbox_isolation_full())
    marks: list[tuple[str, float]] = []

    def mark(label):
        return lambda *_: marks.append((label, time.perf_counter()))

    def on_message(value):
        header = value[0] if isinstance(value, tuple) else {}
        marks.append((f"message:{header.get('type')}", time.perf_counter()))

    breakdowns, totals = [], []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_wrapped(grading.submission_files, "load", mark("load>"), mark("load<")))
        stack.enter_context(_wrapped(launcher, "_plan_bytes", mark("plan>"), mark("plan<")))
        stack.enter_context(_wrapped(sandbox_isolation.Isolation, "start", mark("spawn>"), mark("spawn<")))
        stack.enter_context(_wrapped(launcher._Child, "read_message", None, on_message))
        stack.enter_context(_wrapped(launcher._Child, "kill", mark("kill>"), mark("kill<")))
        stack.enter_context(_wrapped(grading.launcher, "run_cases", None, mark("run_cases<")))
        grading.grade(assignment, paths[0], options)   # warm-up: imports, caches, the page cache
        floor_round({})
        for path in paths:
            floor_round(floor_samples)
            marks.clear()
            start = time.perf_counter()
            grading.grade(assignment, path, options)
            end = time.perf_counter()
            at = {}
            for label, t in marks:
                at.setdefault(label, t)              # first occurrence
                at[label + "#last"] = t              # last occurrence
            if at.get("spawn>") != at.get("spawn>#last"):
                raise RuntimeError(f"{path} needed more than one child: not a submission for the breakdown")
            steps = [at["load<"] - at["load>"], at["plan<"] - at["plan>"], at["spawn<"] - at["spawn>"],
                     at["message:loaded"] - at["spawn<"], at["message:result#last"] - at["message:loaded"],
                     at["kill<"] - at["kill>"], end - at["run_cases<"]]
            accounted = sum(steps)
            row = dict(zip(STEPS, steps, strict=True))
            row["other (between the steps)"] = (end - start) - accounted
            breakdowns.append(row)
            totals.append(end - start)
    return {name: Timing(t) for name, t in floor_samples.items()}, breakdowns, totals


# ------------------------------------------------------------------- start-up --

# Imports worth naming in the start-up report (cumulative seconds, where imported at all).
WATCHED_IMPORTS = ("autograder.cli", "numpy", "autograder.grading", "autograder.checks", "autograder.references",
                   "IPython.core.inputtransformer2", "tqdm", "concurrent.futures", "nbformat")


def command_startup(notebook: Path, assignment: str) -> dict:
    """The grading command's start-up: ``--version`` (imports only) and the heaviest
    imports of a real one-notebook run (``python -X importtime``), in seconds."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    timings = {}
    for label, code in (("python -c pass", ["-c", "pass"]),
                        ("python -m autograder --version", ["-m", "autograder", "--version"]),
                        ("python -c 'import nbformat'", ["-c", "import nbformat"])):
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, *code], env=env, capture_output=True, check=True, cwd=REPO)
            samples.append(time.perf_counter() - start)
        timings[label] = statistics.median(samples)
    with tempfile.TemporaryDirectory(prefix="autograder-startup-") as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "autograder", "grade", assignment,
                               str(notebook), "--out", out, "--workers", "1", "--isolation", "bwrap",
                               "--force", "--quiet"], env=env, capture_output=True, text=True, cwd=REPO)
        timings["one notebook, whole command (-X importtime on)"] = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"grading one notebook failed: {done.stderr[-2000:]}")
        result = json.loads(next(Path(out).glob("*.json")).read_text())
    cumulative = {}
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            depth = len(found.group(2)) // 2
            cumulative.setdefault(found.group(3), (int(found.group(1)) / 1e6, depth))
    timings["imports, all top-level"] = sum(t for t, depth in cumulative.values() if depth == 0)
    timings["imports"] = {name: cumulative[name][0] for name in WATCHED_IMPORTS if name in cumulative}
    timings["nbformat imported"] = "nbformat" in cumulative
    timings["score"] = result["score"]
    return timings
