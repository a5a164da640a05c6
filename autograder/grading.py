"""Grading one submission: read it, run every case in the sandbox, judge the
plain outputs against the references as they arrive, and build the ``Result``
(``autograder/results.py`` holds the record and its JSON contract).

Nothing a submission does may escape as an exception: whatever goes wrong on
the grader's side while grading one submission becomes that submission's
``"status": "error"`` result, so a batch always finishes.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from autograder import budgets as time_budgets
from autograder import checks, reference_cache, replicas
from autograder import submission as submission_files
from autograder.mistakes import catalogue
from autograder.results import Result, TestResult
from autograder.sandbox.inside import judging, probes
from autograder.sandbox.supervisor import cpu_budget, detect, launcher, limits as sandbox_limits
from autograder.sandbox.supervisor.isolation import Isolation


@dataclasses.dataclass
class Options:
    timeout: float = sandbox_limits.DEFAULT_TIMEOUT_S
    memory_mb: int = sandbox_limits.DEFAULT_MEMORY_MB
    isolation: Isolation | None = None
    # Per-test time budgets calibrated from the reference (autograder/budgets.py), capped
    # by ``timeout``; False gives every test the whole ``timeout``, as before budgets.
    budgets: bool = True


def grade(assignment: str, path: Path, options: Options | None = None) -> tuple[str, dict]:
    """Grade one submission. Returns (result file stem, result record as JSON). Never raises for bad submissions."""
    name, result = grade_submission(assignment, path, options)
    return name, result.to_json()


def grade_submission(assignment: str, path: Path, options: Options | None = None) -> tuple[str, Result]:
    """Grade one submission. Returns (result file stem, typed result). Never raises for bad submissions."""
    options = options or Options()
    cases = checks.suite(assignment)
    try:
        return _grade(assignment, Path(path), options, cases)
    except Exception as exc:  # noqa: BLE001 - the grader's own failure on this one submission
        name = _safe_student(path, assignment)
        return name, unreadable(assignment, name, path, cases,
                                f"the grader could not grade this submission ({type(exc).__name__}: {exc})")


def _safe_student(path, assignment: str) -> str:
    try:
        return submission_files.student_of(Path(path), assignment)
    except Exception:  # noqa: BLE001 - a name that cannot even be read
        return "unnamed"


def _grade(assignment: str, path: Path, options: Options, cases) -> tuple[str, Result]:
    try:
        sub = submission_files.load(path, assignment)
    except submission_files.SubmissionError as exc:
        name = _safe_student(path, assignment)
        return name, unreadable(assignment, name, path, cases, str(exc))

    policy = budget_policy(options.isolation)
    planned = [launcher.PlannedCase(c.function, c.probe, c.inputs, budget_s=budget.seconds,
                                    stop_message=time_budgets.stop_message(budget, options.timeout, policy))
               for c, budget in zip(cases, case_budgets(assignment, options, policy), strict=True)]
    limits = launcher.Limits(timeout=options.timeout, memory_mb=options.memory_mb)
    source = launcher.SourceFile(sub.kind, sub.filename, sub.data)
    del sub.data   # the child has its own copy; do not hold every submission's bytes in a batch
    judged: list[TestResult | None] = [None] * len(cases)

    def judge_now(index, outcome):
        # Judged as it arrives, so only one case's arrays are held at a time.
        if outcome.status == "ok":
            judged[index] = _judge(cases[index], outcome, [])

    # A case's second part (Case.replica) runs in a sandbox of its own; replicas.py schedules it.
    session = replicas.run_cases(source, planned, [c.replica for c in cases], limits, options.isolation,
                                 module_name=sub.module_name, on_outcome=judge_now)
    # Errors and timeouts carry no outputs: they are described now that the load's cell errors are known.
    tests = [test if outcome.status == "ok" else _judge(case, outcome, session.cell_errors)
             for case, outcome, test in zip(cases, session.outcomes, judged, strict=True)]
    score = round(sum(t.points for t in tests), 6)
    max_score = round(sum(c.points for c in cases), 6)
    if session.load_problem:
        status = "timeout" if all(t.status == "timeout" for t in tests) else "error"
        message = session.load_problem
    else:
        status = "graded"
        message = _summary(score, max_score, tests, session.cell_errors, session.cell_error_count)
    return sub.name, Result(assignment=assignment, student=sub.student, submission=str(sub.path), score=score,
                            max_score=max_score, status=status, message=message, isolation=session.isolation,
                            tests=tests, isolation_detail=session.isolation_detail)


# ------------------------------------------------------------ time budgets --

CALIBRATION_RUNS = 3   # the median of three: one preempted run neither inflates nor shrinks a budget
_calibration_lock = threading.Lock()
_calibrations: dict[str, list[tuple[list[float], int]]] = {}


def reference_timings(assignment: str) -> list[tuple[list[float], int]]:
    """Per case of ``checks.suite(assignment)``, in order: the reference's seconds on
    it (``CALIBRATION_RUNS`` runs; empty when the reference raised) and how many numbers
    the case moves (``budgets.count_items`` of its inputs and the reference's outputs).

    Measured once per grader process and assignment, in the grader (trusted code only),
    before the first submission's sandbox starts; the batch's threads share it. Kept on
    disk with the judges' reference outputs between runs (``reference_cache``)."""
    with _calibration_lock:
        if assignment not in _calibrations:
            _calibrations[assignment] = reference_cache.prepare(assignment, _time_reference)
        return _calibrations[assignment]


def _time_reference(assignment: str) -> list[tuple[list[float], int]]:
    module = importlib.import_module(f"autograder.references.{assignment}")
    functions = {name: getattr(module, name) for name in dir(module)
                 if not name.startswith("_") and callable(getattr(module, name))}
    measured = []
    for case in checks.suite(assignment):
        samples, items = [], 0
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(CALIBRATION_RUNS):
                    # CPU time, as the child's budget is counted (and untouched by other work on the machine).
                    start = time.thread_time()
                    outputs = probes.PROBES[case.probe](functions.__getitem__, case.inputs)
                    samples.append(time.thread_time() - start)
            items = time_budgets.count_items(case.inputs) + time_budgets.count_items(outputs)
        except Exception:  # noqa: BLE001 - no usable timing: this case keeps --timeout
            samples = []
        measured.append((samples, items))
    return measured


def budget_policy(isolation: Isolation | None = None) -> time_budgets.Policy:
    """The budget policy now (``cpu_budget.policy_for``): CPU seconds where each child's
    cgroup accounts them; else wall seconds with the floor scaled by the machine's current
    load (read per submission: the load of a batch changes while it runs)."""
    return cpu_budget.policy_for(isolation or detect.detect_isolation())


def case_budgets(assignment: str, options: Options,
                 policy: time_budgets.Policy | None = None) -> list[time_budgets.Budget]:
    """Each case's time budget (``budgets.budget_for``, capped by ``options.timeout``)."""
    cases = checks.suite(assignment)
    if not options.budgets:
        return [time_budgets.budget_for(None, options.timeout) for _ in cases]
    policy = policy or budget_policy(options.isolation)
    return [time_budgets.budget_for(samples, options.timeout, policy, items=items)
            for samples, items in reference_timings(assignment)]


@functools.lru_cache(maxsize=None)
def _mistake_ids() -> dict[tuple[str, str], str]:
    return {(m.function, m.text()): m.id for m in catalogue.CATALOGUE}


def mistake_id_of(function: str, verdict) -> str | None:
    """The id of the mistake a verdict names: a catalogued mistake of ``function``, or a generic
    diagnosis or gradient-check evaluation pattern (``judging.UNCATALOGUED``); None otherwise."""
    explicit = getattr(verdict, "mistake_id", None)
    if explicit:
        known = {m.id for m in catalogue.mistakes_for(function)} | set(judging.UNCATALOGUED)
        return explicit if explicit in known else None
    return _mistake_ids().get((function, verdict.diagnosis)) if verdict.diagnosis else None


def _judge(case, outcome, cell_errors) -> TestResult:
    def result(status, message, points=0.0, diagnosis=None, mistake_id=None):
        return TestResult(name=case.name, function=case.function, points=points, max_points=case.points,
                          status=status, message=message, diagnosis=diagnosis, mistake_id=mistake_id)

    if outcome.status == "timeout":
        return result("timeout", f"{case.setting}: {outcome.message}")
    if outcome.status == "error":
        message = outcome.message
        if "is not defined in the submission" in message and cell_errors:
            message += "; " + _cell_errors_text(cell_errors, len(cell_errors), limit=2)
        return result("error", f"{case.setting}: {message}")
    try:
        verdict = case.judge(case, outcome.outputs)
    except Exception as exc:  # the judge met an output shape it did not foresee: the student's, not ours
        return result("failed", f"{case.setting}: the output could not be checked ({type(exc).__name__}: {exc})")
    if verdict.passed:
        return result("passed", "passed", points=case.points, diagnosis=verdict.diagnosis)
    return result("failed", verdict.message, diagnosis=verdict.diagnosis,
                  mistake_id=mistake_id_of(case.function, verdict))


def _cell_errors_text(cell_errors, count, limit=3) -> str:
    parts = []
    for e in cell_errors[:limit]:
        where = e.get("where") or {}
        loc = f" at line {where['line']} of {where.get('file')}" if where.get("line") else ""
        parts.append(f"{e.get('type')}{loc}: {str(e.get('message'))[:160]}")
    more = f" (and {count - limit} more)" if count > limit else ""
    return "while loading, " + "; ".join(parts) + more


def _summary(score, max_score, tests, cell_errors, cell_error_count) -> str:
    passed = sum(t.status == "passed" for t in tests)
    text = f"{passed} of {len(tests)} tests passed, {score:g} of {max_score:g} points"
    count = max(cell_error_count, len(cell_errors))
    if count:
        text += f"; {count} cell(s) raised {_cell_errors_text(cell_errors, count)}"
    return text


def unreadable(assignment, name, path, cases, reason) -> Result:
    """The result of a submission that could not be graded at all: every test an error saying why."""
    tests = [TestResult(name=c.name, function=c.function, points=0.0, max_points=c.points, status="error",
                        message=f"not run: {reason}") for c in cases]
    return Result(assignment=assignment, student=name, submission=str(path), score=0.0,
                  max_score=round(sum(c.points for c in cases), 6), status="error", message=reason,
                  isolation="none", tests=tests)
