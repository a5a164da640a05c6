"""Grading one submission: load it, run every case in the sandbox, judge the
plain outputs against the references, and build the result record.

The result follows the JSON contract:
  {"assignment", "student", "submission", "score", "max_score", "status", "message",
   "isolation", "tests": [{"name", "function", "points", "max_points", "status", "message", "diagnosis"}]}
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from autograder import checks
from autograder.sandbox.supervisor import launcher, limits as sandbox_limits
from autograder.sandbox.supervisor.isolation import Isolation
from autograder import submission as submission_files


@dataclasses.dataclass
class Options:
    timeout: float = sandbox_limits.DEFAULT_TIMEOUT_S
    memory_mb: int = sandbox_limits.DEFAULT_MEMORY_MB
    isolation: Isolation | None = None


def grade(assignment: str, path: Path, options: Options | None = None) -> tuple[str, dict]:
    """Grade one submission. Returns (result file stem, result record). Never raises for bad submissions."""
    options = options or Options()
    cases = checks.suite(assignment)
    max_score = round(sum(c.points for c in cases), 6)
    try:
        sub = submission_files.load(Path(path), assignment)
    except submission_files.SubmissionError as exc:
        name = submission_files.student_of(Path(path), assignment)
        return name, _unreadable(assignment, name, str(path), cases, max_score, str(exc))

    planned = [launcher.PlannedCase(c.function, c.probe, c.inputs) for c in cases]
    limits = launcher.Limits(timeout=options.timeout, memory_mb=options.memory_mb)
    session = launcher.run_cases(sub.cells, planned, limits, options.isolation, module_name=sub.module_name)

    tests = [_judge(case, outcome, session.cell_errors) for case, outcome in zip(cases, session.outcomes)]
    score = round(sum(t["points"] for t in tests), 6)
    if session.load_problem:
        status = "timeout" if all(t["status"] == "timeout" for t in tests) else "error"
        message = session.load_problem
    else:
        status = "graded"
        message = _summary(score, max_score, tests, session.cell_errors)
    return sub.name, {
        "assignment": assignment, "student": sub.student, "submission": str(sub.path),
        "score": score, "max_score": max_score, "status": status, "message": message,
        "isolation": session.isolation, "isolation_detail": session.isolation_detail, "tests": tests,
    }


def _judge(case, outcome, cell_errors) -> dict:
    test = {"name": case.name, "function": case.function, "points": 0.0, "max_points": case.points,
            "status": "error", "message": "", "diagnosis": None}
    if outcome.status == "timeout":
        test.update(status="timeout", message=f"{case.setting}: {outcome.message}")
        return test
    if outcome.status == "error":
        message = outcome.message
        if "is not defined in the submission" in message and cell_errors:
            message += "; " + _cell_errors_text(cell_errors, limit=2)
        test.update(message=f"{case.setting}: {message}")
        return test
    try:
        verdict = case.judge(case, outcome.outputs)
    except Exception as exc:  # the judge met an output shape it did not foresee: the student's, not ours
        test.update(status="failed", message=f"{case.setting}: the output could not be checked "
                                             f"({type(exc).__name__}: {exc})")
        return test
    test.update(status="passed" if verdict.passed else "failed",
                points=case.points if verdict.passed else 0.0,
                message=verdict.message if not verdict.passed else "passed",
                diagnosis=verdict.diagnosis)
    return test


def _cell_errors_text(cell_errors, limit=3) -> str:
    parts = []
    for e in cell_errors[:limit]:
        where = e.get("where") or {}
        loc = f" at line {where['line']} of {where.get('file')}" if where.get("line") else ""
        parts.append(f"{e.get('type')}{loc}: {str(e.get('message'))[:160]}")
    more = f" (and {len(cell_errors) - limit} more)" if len(cell_errors) > limit else ""
    return "while loading, " + "; ".join(parts) + more


def _summary(score, max_score, tests, cell_errors) -> str:
    passed = sum(t["status"] == "passed" for t in tests)
    text = f"{passed} of {len(tests)} tests passed, {score:g} of {max_score:g} points"
    if cell_errors:
        text += f"; {len(cell_errors)} cell(s) raised {_cell_errors_text(cell_errors)}"
    return text


def _unreadable(assignment, name, path, cases, max_score, reason) -> dict:
    tests = [{"name": c.name, "function": c.function, "points": 0.0, "max_points": c.points, "status": "error",
              "message": f"not run: {reason}", "diagnosis": None} for c in cases]
    return {"assignment": assignment, "student": name, "submission": path, "score": 0.0,
            "max_score": max_score, "status": "error", "message": reason, "isolation": "none", "tests": tests}
