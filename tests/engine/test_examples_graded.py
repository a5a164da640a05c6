"""The bundled example submissions, graded end to end by ``python -m autograder grade-examples``.

Correct ones (``*_correct.py``, ``*_correct.ipynb``) get full marks; the
untouched stubs get 0 without a crash; each wrong one loses points only on the
function it declares it breaks, and names the declared mistake.
"""
from __future__ import annotations

import csv
import json

import pytest

from autograder import checks
from autograder.mistakes import catalogue
from engine_support import EXAMPLES, _defined, failures, full_marks, meta, per_function, run_cli

EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("*/*") if p.suffix in (".py", ".ipynb"))


@pytest.fixture(scope="session")
def graded_examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples")
    proc = run_cli("grade-examples", "--out", str(out), "--quiet", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    results = {}
    for path in EXAMPLE_FILES:
        file = out / path.parent.name / f"{path.stem}.json"
        results[path] = json.loads(file.read_text()) if file.is_file() else None
    return out, results


def _ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


def test_every_assignment_has_the_required_examples():
    for assignment in checks.ASSIGNMENTS:
        names = {p.name for p in EXAMPLES.glob(f"{assignment}/*")}
        assert any(n.endswith("_correct.py") for n in names), assignment
        assert any(n.endswith("_correct.ipynb") for n in names), assignment
        assert any("stubs" in n for n in names), assignment
        wrong = [n for n in names if not n.endswith(("_correct.py", "_correct.ipynb")) and "stubs" not in n]
        assert 2 <= len(wrong) <= 3, (assignment, wrong)


CORRECT = [p for p in EXAMPLE_FILES if p.stem.endswith("_correct")]
STUBS = [p for p in EXAMPLE_FILES if "stubs" in p.stem]
WRONG = [p for p in EXAMPLE_FILES if p not in CORRECT and p not in STUBS]


@pytest.mark.parametrize("path", CORRECT, ids=_ids(CORRECT))
def test_correct_example_gets_full_marks(graded_examples, path):
    result = graded_examples[1][path]
    assert result is not None, f"no result for {path}"
    assert result["status"] == "graded"
    assert full_marks(result), failures(result)
    assert result["max_score"] == pytest.approx(sum(t["max_points"] for t in result["tests"]))


@pytest.mark.parametrize("path", [p for p in CORRECT if p.suffix == ".ipynb"], ids=_ids(p for p in CORRECT if p.suffix == ".ipynb"))
def test_correct_notebook_has_magics_shell_lines_and_a_raising_cell(graded_examples, path):
    """The notebooks prove that IPython syntax and a failing cell do not spoil grading."""
    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(line.startswith("%matplotlib inline") for cell in code for line in cell.splitlines())
    assert any(line.lstrip().startswith("!") for cell in code for line in cell.splitlines())
    assert any(c["cell_type"] == "markdown" for c in nb["cells"])
    result = graded_examples[1][path]
    # the raising cell is reported in the summary with its line, and costs nothing
    assert "raised" in result["message"] and "line" in result["message"], result["message"]
    assert full_marks(result), failures(result)


@pytest.mark.parametrize("path", STUBS, ids=_ids(STUBS))
def test_stubs_get_zero_without_a_crash(graded_examples, path):
    result = graded_examples[1][path]
    assert result["status"] == "graded"
    assert result["score"] == 0
    assert result["max_score"] > 0
    assert {t["function"] for t in result["tests"]} == set(checks.functions(path.parent.name))
    for t in result["tests"]:
        assert t["points"] == 0 and t["status"] == "error"
        assert "NotImplementedError" in t["message"], t["message"]
        # the line of the stub's raise is given
        assert "line" in t["message"], t["message"]


@pytest.mark.parametrize("path", WRONG, ids=_ids(WRONG))
def test_wrong_example_loses_points_only_on_its_function(graded_examples, path):
    declared = meta(path)
    result = graded_examples[1][path]
    assert result["status"] == "graded"
    points = per_function(result)
    for function, (got, most) in points.items():
        if function == declared["breaks"]:
            assert got < most, f"{function} should lose points\n{failures(result)}"
        else:
            assert got == pytest.approx(most), f"{function} should keep its points\n{failures(result)}"
    if declared["mistake"]:
        text = next(m for m in catalogue.CATALOGUE if m.id == declared["mistake"]).text()
        assert text in {t["diagnosis"] for t in result["tests"]}, failures(result)


def test_examples_grades_csv_per_assignment(graded_examples):
    out, results = graded_examples
    for assignment in checks.ASSIGNMENTS:
        rows = list(csv.DictReader((out / assignment / "grades.csv").open()))
        students = {p.stem for p in EXAMPLE_FILES if p.parent.name == assignment}
        assert {r["student"] for r in rows} == students


@pytest.mark.parametrize("path", [p for p in WRONG if p.suffix == ".py"],
                         ids=_ids(p for p in WRONG if p.suffix == ".py"))
def test_a_wrong_example_is_the_correct_one_with_one_function_changed(path):
    """The examples stay whole files, because `make` grades them as a reader would hand them in
    (`grade-examples` reads each file as it is; a one-function file would lose every other
    function's points). So that they cannot drift from the one correct solution the bank builds
    on, every function but the broken one is alice_correct.py's, character for character."""
    base = dict(_defined((path.parent / "alice_correct.py").read_text()))
    mine = dict(_defined(path.read_text()))
    assert set(mine) == set(base)
    assert [name for name in base if mine[name] != base[name]] == [meta(path)["breaks"]]
