"""The notebooks run top to bottom in a real Jupyter kernel: released (stubs) and with solutions.

A student's first *Restart & Run All* on the released notebook must reach the end: every
self-check cell runs and says "not implemented yet" for its function, and every experiment
that needs an unwritten function says so and skips instead of stopping the run. The
instructor's notebook, with the solutions, must run top to bottom too, every self-check
passing. The kernel is the test's own Python (jupyter_client starts the kernelspec's
``python`` as ``sys.executable``), with a time limit per cell.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import checks
from autograder.course import release
from course_support import ROOT, solution_cells

CELL_TIMEOUT = 120
NOT_IMPLEMENTED = "not implemented yet"
STUB_MARKER = "# YOUR CODE HERE"
# The solution notebooks take about 40 s together (2 shared cores): the fast suite runs the quickest.
FAST_SOLUTION = "gradient_check"


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
        elif output.get("output_type") == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)


def _execute(folder: Path, notebook: Path) -> nbformat.NotebookNode:
    """Run ``notebook`` in ``folder`` (where its selfcheck.py is) top to bottom; raises on a cell error."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}, allow_errors=False)
    client.execute()
    return nb


def _check_cells(nb, assignment: str) -> dict[str, object]:
    """function -> its self-check cell, found by the exact source the release check requires."""
    found = {}
    for cell in nb.cells:
        for function in checks.points(assignment):
            if cell.cell_type == "code" and _source(cell).strip() == release.check_cell_source(function):
                found[function] = cell
    return found


def _run_released(course: Path, assignment: str, tmp_path: Path):
    folder = tmp_path / assignment
    shutil.copytree(course / "release" / assignment, folder)
    return _execute(folder, folder / f"{assignment}.ipynb")


def _assert_stubs_run(nb, assignment: str):
    cells = _check_cells(nb, assignment)
    assert set(cells) == set(checks.points(assignment)), "a graded function has no self-check cell"
    for function, cell in cells.items():
        said = _text(cell)
        assert NOT_IMPLEMENTED in said and function in said, f"{function}'s self-check printed {said!r}"
        assert "PASS" not in said
    experiments = [c for c in nb.cells if c.cell_type == "code"
                   and any(line.strip() == "with experiment():" for line in _source(c).splitlines())]
    assert experiments, "no experiment cell: the test would prove nothing"
    for cell in experiments:  # with nothing written, every experiment has a stub to wait for
        assert "skipped: " in _text(cell), f"an experiment ran with stubs only: {_source(cell)[:80]!r}"
    skipped = [_text(c) for c in experiments if "skipped: implement" in _text(c)]
    assert skipped
    for said in skipped:
        assert "NotImplementedError" in said and "Traceback" not in said


def _run_solutions(course: Path, assignment: str, tmp_path: Path):
    # The instructor's notebook next to the self-check files the release built into source/.
    folder = tmp_path / f"{assignment}-solution"
    shutil.copytree(course / "source" / assignment, folder)
    return _execute(folder, folder / f"{assignment}.ipynb")


def _assert_solutions_pass(nb, assignment: str):
    cells = _check_cells(nb, assignment)
    assert set(cells) == set(checks.points(assignment))
    for function, cell in cells.items():
        said = _text(cell)
        assert said.startswith(f"Self-check of {function}:") and "FAIL" not in said and "PASS" in said, said
    everything = "".join(_text(c) for c in nb.cells if c.cell_type == "code")
    assert "skipped:" not in everything and NOT_IMPLEMENTED not in everything


@pytest.fixture
def student_kernel(monkeypatch):
    """A student's kernel: no `autograder` on the path (the release must not need it)."""
    monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture
def instructor_kernel(monkeypatch):
    """The kernel finds `autograder` (the hidden-test cells of the instructor's notebook) in this checkout."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


@pytest.mark.parametrize("assignment", checks.ASSIGNMENTS)
def test_the_released_notebook_runs_top_to_bottom_with_stubs(released_course, tmp_path, student_kernel, assignment):
    _assert_stubs_run(_run_released(released_course, assignment, tmp_path), assignment)


@pytest.mark.parametrize("assignment", [
    a if a == FAST_SOLUTION else pytest.param(a, marks=pytest.mark.slow) for a in checks.ASSIGNMENTS])
def test_the_solution_notebook_runs_top_to_bottom_and_passes_its_checks(released_course, tmp_path, instructor_kernel,
                                                                        assignment):
    _assert_solutions_pass(_run_solutions(released_course, assignment, tmp_path), assignment)


@pytest.mark.parametrize("assignment", checks.ASSIGNMENTS)
def test_stub_markers_and_the_experiment_helper_are_the_same_in_every_notebook(assignment):
    path = ROOT / "assignments" / "source" / assignment / f"{assignment}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = checks.ASSIGNMENTS[0]
    reference = json.loads((ROOT / "assignments" / "source" / first / f"{first}.ipynb").read_text(encoding="utf-8"))
    helper = [_source(c) for c in reference["cells"] if "def experiment():" in _source(c)]
    assert len(helper) == 1
    assert [_source(c) for c in nb["cells"] if "def experiment():" in _source(c)] == helper
    for cell in nb["cells"]:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and grading.get("solution"):
            lines = [line.strip() for line in _source(cell).splitlines()]
            begin = lines.index("### BEGIN SOLUTION")
            assert lines[begin - 1] == STUB_MARKER, f"{grading['grade_id']}: no {STUB_MARKER} above its solution"
            assert lines[-1] == "### END SOLUTION"


def _helper_namespace() -> dict:
    """The notebooks' `experiment` helper, defined from the cell's own source."""
    path = ROOT / "assignments" / "source" / checks.ASSIGNMENTS[0] / f"{checks.ASSIGNMENTS[0]}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace = {}
    exec(next(_source(c) for c in cells if "def experiment():" in _source(c)), namespace)  # noqa: S102 - our own cell
    return namespace


def test_the_helper_skips_only_a_missing_function_and_what_depends_on_it(capsys):
    namespace = _helper_namespace()
    experiment = namespace["experiment"]

    def sgd(w, dw, config=None):
        raise NotImplementedError()

    with pytest.raises(NameError):  # nothing was skipped yet: a real mistake shows as usual
        with experiment():
            raise NameError("name 'results' is not defined")
    ran_after = []
    with experiment():
        sgd(1, 2)
        ran_after.append(True)
    assert ran_after == []
    assert capsys.readouterr().out.startswith("skipped: implement sgd first (it still raises NotImplementedError)")
    with experiment():
        raise NameError("name 'paths' is not defined")
    said = capsys.readouterr().out
    assert said.startswith("skipped: name 'paths' is not defined") and "implement sgd first" in said
    for error in (ValueError("a real bug"), TypeError("another"), KeyboardInterrupt()):
        with pytest.raises(type(error)):
            with experiment():
                raise error
    with experiment():
        ran_after.append(True)
    assert ran_after == [True]


def test_halfway_through_the_experiments_that_can_run_do_and_the_others_name_what_is_missing(
        released_course, tmp_path, student_kernel):
    """A student who has written dropout but none of the penalties yet."""
    assignment, written = "regularization", {"dropout_forward", "dropout_backward"}
    folder = tmp_path / assignment
    shutil.copytree(released_course / "release" / assignment, folder)
    path = folder / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    solutions = solution_cells(released_course, assignment)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in written:
            cell.source = solutions[grade_id]
    nbformat.write(nb, path)
    nb = _execute(folder, path)

    for function, cell in _check_cells(nb, assignment).items():
        said = _text(cell)
        if function in written:
            assert said.startswith(f"Self-check of {function}:") and "FAIL" not in said, said
        else:
            assert f"{function}: {NOT_IMPLEMENTED}" in said, said
    outputs = [_text(c) for c in nb.cells if c.cell_type == "code"]
    assert any(o.startswith("fraction of zeros") for o in outputs), "the dropout experiment did not run"
    skipped = [o for o in outputs if o.startswith("skipped:")]
    assert len(skipped) == 2 and all("implement l2_regularization first" in o for o in skipped), skipped
