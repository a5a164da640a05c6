"""The student release: self-check files, then ``nbgrader generate_assignment``, then a leak scan.

The self-check (``selfcheck.py`` + ``selfcheck_data.npz``) is written into
``source/<assignment>/`` (ignored by git) so that nbgrader treats it like any
other file of the assignment: it copies it into ``release/<assignment>/`` and,
when autograding, into ``autograded/<student>/<assignment>/``, where the
self-check cells of the notebook import it.
"""

from __future__ import annotations

import time
from pathlib import Path

import json
import re

from autograder import checks
from autograder.course import leakscan, nbgrader_run, selfcheck_build
from autograder.course.nbgrader_run import CourseError


# ------------------------------------------------- the graded cells of a source notebook --
# Each graded function has three cells: its solution cell (nbgrader grade_id = the
# function's name), right after it a self-check cell, and later a hidden-test cell whose
# points are the grader's. The two generated ones are written here once; the notebook must hold them verbatim.

def check_cell_source(function: str) -> str:
    return f'from selfcheck import check\ncheck("{function}", {function})'


def hidden_test_body(assignment: str, function: str) -> str:
    return ("### BEGIN HIDDEN TESTS\nfrom autograder.notebook import hidden_test\n"
            f'hidden_test("{assignment}", "{function}", globals())\n### END HIDDEN TESTS')


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_problems(assignment: str, notebook: dict) -> list[str]:
    """Where the notebook's graded cells disagree with the grader (empty: they agree).

    Checks, per graded function: the solution cell defines it; the next code cell is
    exactly its self-check call; one hidden-test cell follows (later) with the generated
    body, nbgrader points equal to the grader's and the same number in its "(N points)"
    line. Also: no other hidden-test cells, and no stored outputs.
    """
    problems = []
    cells = notebook.get("cells", [])
    code = [c for c in cells if c.get("cell_type") == "code"]
    meta = lambda c: c.get("metadata", {}).get("nbgrader", {})
    points = checks.points(assignment)
    for function, want in points.items():
        at = [i for i, c in enumerate(code) if meta(c).get("grade_id") == function]
        if len(at) != 1:
            problems.append(f"{function}: {len(at)} solution cells with grade_id {function!r}; expected 1")
            continue
        i = at[0]
        if not meta(code[i]).get("solution") or f"def {function}(" not in _source(code[i]):
            problems.append(f"{function}: its solution cell does not define {function}")
        if i + 1 >= len(code) or _source(code[i + 1]).strip() != check_cell_source(function):
            problems.append(f"{function}: the cell after its solution is not {check_cell_source(function)!r}")
        tests = [j for j, c in enumerate(code) if meta(c).get("grade_id") == f"test_{function}"]
        if len(tests) != 1 or tests[0] <= i or not meta(code[tests[0]]).get("grade"):
            problems.append(f"{function}: expected one graded hidden-test cell test_{function} after its solution")
            continue
        test = code[tests[0]]
        got = meta(test).get("points")
        if got is None or abs(float(got) - want) > 1e-9:
            problems.append(f"{function}: the notebook gives {got} points, the grader {want:g}")
        text = _source(test)
        said = re.search(r"\(([\d.]+) points?\)", text.splitlines()[0] if text else "")
        if not said or abs(float(said.group(1)) - want) > 1e-9:
            problems.append(f"{function}: the hidden-test cell's first line does not say ({want:g} points)")
        if hidden_test_body(assignment, function) not in text:
            problems.append(f"{function}: the hidden-test cell does not run hidden_test({assignment!r}, {function!r})")
    known = {f"test_{f}" for f in points}
    for c in code:
        grade_id = meta(c).get("grade_id", "")
        if grade_id.startswith("test_") and grade_id not in known:
            problems.append(f"hidden-test cell {grade_id!r} tests no graded function of {assignment}")
        if c.get("outputs") or c.get("execution_count") is not None:
            problems.append(f"a code cell ({grade_id or _source(c)[:40]!r}) was committed with outputs")
    return problems


def notebook_problems(root: Path, assignment: str) -> list[str]:
    path = Path(root) / "source" / assignment / f"{assignment}.ipynb"
    return [f"{path.name}: {p}" for p in cell_problems(assignment, json.loads(path.read_text(encoding="utf-8")))]


def release(root: Path, assignments: list[str] | None = None, log=print) -> dict[str, float]:
    """Build the release of ``assignments`` (default: all four) in ``root/release/``.

    Returns seconds spent per step. Raises CourseError when nbgrader fails or
    the release scan finds a solution.
    """
    from nbgrader.converters import GenerateAssignment

    root = Path(root).resolve()
    nbgrader_run.config_path(root)
    assignments = list(assignments or checks.ASSIGNMENTS)
    times = {}
    for name in assignments:
        folder = root / "source" / name
        if not (folder / f"{name}.ipynb").is_file():
            raise CourseError(f"{folder / (name + '.ipynb')} does not exist")
        problems = notebook_problems(root, name)
        if problems:
            raise CourseError("the notebook's graded cells disagree with the grader:\n  " + "\n  ".join(problems))
        start = time.perf_counter()
        shipped = selfcheck_build.build(name, folder)
        times[f"selfcheck {name}"] = time.perf_counter() - start
        log(f"{name}: self-check with {sum(len(v) for v in shipped.values())} cases "
            f"for {len(shipped)} functions")

        start = time.perf_counter()
        nbgrader_run.run(GenerateAssignment, root, name, force=True, create_assignment=True)
        times[f"generate_assignment {name}"] = time.perf_counter() - start
        log(f"{name}: released to {root / 'release' / name}/")

    start = time.perf_counter()
    problems = []
    for name in assignments:
        problems += leakscan.scan_assignment(root / "release" / name, name)
    times["scan"] = time.perf_counter() - start
    if problems:
        raise CourseError("the release gives away solutions; do not distribute it:\n  " + "\n  ".join(problems))
    log("scanned every file of the release: no graded function has a body beyond its stub")
    return times
