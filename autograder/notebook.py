"""The graded checks inside a notebook kernel, for nbgrader's hidden test cells.

    ### BEGIN HIDDEN TESTS
    from autograder.notebook import hidden_test
    hidden_test("optimizers", "sgd", globals())
    ### END HIDDEN TESTS

``hidden_test`` runs exactly the cases ``autograder grade`` runs for that
function, judges them with the same judges, prints a short table and returns
the points earned. nbgrader takes a test cell's numeric output as partial
credit, so plain ``nbgrader autograde`` and ``autograder grade`` give the same
score. This path runs in the student's own kernel, without the sandbox: use
``autograder grade`` (see the README) when submissions cannot be trusted.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np

from autograder import checks
from autograder.sandbox.inside import compare, probes


def run_function_cases(assignment: str, function: str, namespace: dict) -> list[dict]:
    """Run and judge every case of ``function`` in this process; one dict per case."""
    cases = [c for c in checks.suite(assignment) if c.function == function]
    if not cases:
        raise KeyError(f"{assignment} has no graded function {function!r}")

    def get(name):
        fn = namespace.get(name)
        if fn is None or not callable(fn):
            raise probes.ProbeError(f"function `{name}` is not defined")
        return fn

    results = []
    for case in cases:
        result = {"name": case.name, "points": 0.0, "max_points": case.points, "passed": False,
                  "message": "", "diagnosis": None}
        try:
            # Student code may print or warn; nbgrader would read anything on
            # stderr as a failure, so keep both out of the cell's output.
            with warnings.catch_warnings(), np.errstate(all="ignore"), \
                    contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                outputs = compare.observe(case.probe, get, case.inputs, replica=case.replica)
                verdict = case.judge(case, outputs)
        except Exception as exc:  # noqa: BLE001 - any student failure is a failed case
            text = str(exc) if isinstance(exc, probes.ProbeError) else f"{type(exc).__name__}: {exc}"
            result["message"] = f"{case.setting}: {text}"
            results.append(result)
            continue
        result.update(passed=verdict.passed, points=case.points if verdict.passed else 0.0,
                      message=verdict.message, diagnosis=verdict.diagnosis)
        results.append(result)
    return results


def hidden_test(assignment: str, function: str, namespace: dict) -> float:
    """Grade one function in the current kernel; print a table; return the points earned."""
    results = run_function_cases(assignment, function, namespace)
    print(format_table(function, results))
    if all(r["passed"] for r in results):
        # Exactly the cell's points, so nbgrader does not read rounding as partial credit.
        return float(round(sum(r["max_points"] for r in results), 6))
    return round(sum(r["points"] for r in results), 6)


def format_table(function: str, results: list[dict]) -> str:
    earned = sum(r["points"] for r in results)
    total = sum(r["max_points"] for r in results)
    lines = [f"{function}: {earned:g} / {total:g} points"]
    for r in results:
        mark = "PASS" if r["passed"] else "FAIL"
        lines.append(f"  {mark}  {r['name']}")
        if not r["passed"]:
            lines.append(f"        {r['message'][:400]}")
            if r["diagnosis"]:
                lines.append(f"        likely mistake: {r['diagnosis']}")
    return "\n".join(lines)
