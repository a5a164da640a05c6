"""Calibrated time budgets in the real grader: slow-but-correct submissions graded
in the bubblewrap sandbox with budgets on earn full marks, and an endless loop is
stopped by its budget (about a second), not by ``--timeout``.

The sandbox is required: without bubblewrap ``detect_isolation("bwrap")`` raises,
and the test fails rather than skips.
"""
from __future__ import annotations

import inspect
import time
from pathlib import Path

import pytest

from autograder import budgets, checks, grading
from autograder.sandbox.supervisor import isolation
from slow_but_correct import STYLES

REFERENCES = Path(grading.__file__).resolve().parent / "references"
TIMEOUT = 10.0


@pytest.fixture(scope="module")
def sandbox():
    return isolation.detect_isolation("bwrap")


def _submission(folder: Path, assignment: str, replaced: dict[str, str]) -> Path:
    """The reference solution of ``assignment`` with each function in ``replaced`` redefined
    by the given source (a later ``def`` wins), as a student's ``.py`` file."""
    text = (REFERENCES / f"{assignment}.py").read_text()
    text += "\n\nimport copy\nimport math\nimport time\n\nimport numpy as np\n\n"
    text += "\n\n".join(replaced.values())
    path = folder / "submitted" / "student" / assignment / f"{assignment}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _styles(assignment: str) -> dict[str, str]:
    return {function: inspect.getsource(style) for (a, function), style in STYLES.items() if a == assignment}


@pytest.mark.parametrize("assignment", [
    "optimizers",
    # The element-loop dropout loops over 200 000 elements for seconds per case.
    pytest.param("regularization", marks=pytest.mark.slow),
])
def test_slow_but_correct_submissions_get_full_marks_with_budgets_on(tmp_path, sandbox, assignment):
    styles = _styles(assignment)
    assert styles
    path = _submission(tmp_path, assignment, styles)
    options = grading.Options(timeout=TIMEOUT, isolation=sandbox)
    cases = checks.suite(assignment)
    calibrated = grading.case_budgets(assignment, options)
    # The budgets are really on for these functions: no case of them is left at --timeout
    # unless its reference is itself that slow.
    assert any(not b.is_ceiling for c, b in zip(cases, calibrated, strict=True) if c.function in styles)
    _, result = grading.grade_submission(assignment, path, options)
    slow_tests = [t for t in result.tests if t.function in styles]
    assert len(slow_tests) == sum(c.function in styles for c in cases)
    assert all(t.status == "passed" for t in result.tests), [
        (t.name, t.status, t.message[:300]) for t in result.tests if t.status != "passed"]
    assert result.score == result.max_score


def _looping(function: str) -> str:
    signature = inspect.signature(STYLES[("optimizers", function)])
    return f"def {function}{signature}:\n    while True:\n        pass\n"


def test_an_endless_loop_costs_its_budget_not_the_timeout(tmp_path, sandbox):
    """With --timeout 60 s, a loop in rmsprop is stopped after its budget (the floor:
    1 s of the child's CPU time, whatever the load; the reference takes about a
    millisecond), and the message says so."""
    timeout = 60.0
    path = _submission(tmp_path, "optimizers", {"rmsprop": _looping("rmsprop")})
    options = grading.Options(timeout=timeout, isolation=sandbox)
    policy = grading.budget_policy(sandbox)
    assert policy.cpu_time and policy.floor_s == budgets.DEFAULT_FLOOR_S, "this sandbox should budget CPU time"
    start = time.monotonic()
    _, result = grading.grade_submission("optimizers", path, options)
    took = time.monotonic() - start
    stuck = [t for t in result.tests if t.function == "rmsprop"]
    assert stuck and all(t.status == "timeout" and t.points == 0 for t in stuck)
    assert "within this test's CPU time budget of 1 s" in stuck[0].message, stuck[0].message
    assert "the least any test gets" in stuck[0].message and "--timeout 60 s is the ceiling" in stuck[0].message
    assert result.isolation_detail["time_budget"] == "cpu time"
    assert all(t.status == "passed" for t in result.tests if t.function != "rmsprop")
    # One budget for the stuck function (its other cases are skipped), plus a second
    # sandbox for the functions after it: far below the 60 s the timeout alone would cost.
    assert took < timeout / 2, took


def test_without_budgets_the_timeout_stops_the_loop_and_says_so(tmp_path, sandbox):
    path = _submission(tmp_path, "optimizers", {"rmsprop": _looping("rmsprop")})
    options = grading.Options(timeout=2.0, isolation=sandbox, budgets=False)
    assert all(b.is_ceiling and b.seconds == 2.0 for b in grading.case_budgets("optimizers", options))
    _, result = grading.grade_submission("optimizers", path, options)
    stuck = [t for t in result.tests if t.function == "rmsprop"]
    assert stuck[0].status == "timeout"
    assert "time limit of 2 s (--timeout)" in stuck[0].message and "budget" not in stuck[0].message


def test_budgets_never_fall_below_the_floor_nor_exceed_the_timeout():
    for assignment in checks.ASSIGNMENTS:
        for budget in grading.case_budgets(assignment, grading.Options(timeout=TIMEOUT)):
            assert budgets.DEFAULT_FLOOR_S <= budget.seconds <= TIMEOUT
