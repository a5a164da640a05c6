"""A notebook's experiment cell cannot cost the graded functions their points.

Each notebook is the correct example notebook with a cell changed or added, graded
in the bubblewrap sandbox: a cell that hangs is stopped after its time box and the
cells after it still run, a cell that calls ``os._exit`` is stopped instead of the
process, and a cell that raises is recorded as before. A ``.py`` file with the same
hanging top level still fails to load as one unit (only notebooks are cut into cells).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from autograder import checks, grading
from autograder.sandbox.supervisor import limits
from sandbox_corpus import FAST_TIMEOUT, full_isolation

REPO = Path(__file__).resolve().parents[2]
CORRECT = REPO / "examples" / "submissions" / "optimizers" / "bob_correct.ipynb"


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def _notebook_with(tmp_path: Path, name: str, change_adagrad: str | None, experiment: str) -> tuple[Path, int]:
    """The correct notebook, with ``change_adagrad`` put at the top of adagrad's body and
    ``experiment`` appended as a new cell right after adagrad's cell, so later cells
    (scheduling functions) still have to run; returns the path and the experiment's cell number."""
    nb = json.loads(CORRECT.read_text())
    cells = nb["cells"]
    index = next(i for i, c in enumerate(cells) if "def adagrad(" in "".join(c["source"]))
    if change_adagrad is not None:
        source = "".join(cells[index]["source"])
        header, _, body = source.partition("\n")
        assert header.startswith("def adagrad("), header
        cells[index] = copy.deepcopy(cells[index])
        cells[index]["source"] = f"{header}\n    {change_adagrad}\n{body}".splitlines(keepends=True)
    cells.insert(index + 1, _code_cell(experiment))
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb))
    return path, index + 2   # cells are numbered from 1


def _grade(path: Path) -> dict:
    options = grading.Options(timeout=FAST_TIMEOUT, isolation=full_isolation(), budgets=False)
    return grading.grade("optimizers", path, options)[1]


def _statuses(result: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for test in result["tests"]:
        found.setdefault(test["function"], set()).add(test["status"])
    return found


def _full_score() -> float:
    return round(sum(checks.points("optimizers").values()), 6)


def test_the_correct_notebook_gets_full_points():
    result = _grade(CORRECT)
    assert result["status"] == "graded"
    assert result["score"] == pytest.approx(_full_score())


def test_a_hanging_experiment_costs_only_the_hanging_function(tmp_path):
    path, cell = _notebook_with(tmp_path, "hang", "while True: pass",
                                "w, config = adagrad(np.ones(3), np.ones(3))")
    result = _grade(path)
    assert result["status"] == "graded", result["message"]
    assert result["score"] == pytest.approx(_full_score() - checks.points("optimizers")["adagrad"])
    statuses = _statuses(result)
    assert statuses.pop("adagrad") == {"timeout"}
    assert all(s == {"passed"} for s in statuses.values()), statuses
    # The time box is limits.cell_timeout, stretched by the machine's load (cell_restarts.SessionLoad).
    stopped = re.search(rf"cell {cell} did not finish within ([\d.]+) s and was stopped", result["message"])
    assert stopped and float(stopped.group(1)) >= round(limits.cell_timeout(FAST_TIMEOUT), 2), result["message"]
    assert "the cells after it still ran" in result["message"]


@pytest.mark.parametrize("exit_call", ["os._exit(3)", "sys.exit(3)", "os.abort()"])
def test_an_experiment_that_exits_costs_only_the_exiting_function(tmp_path, exit_call):
    path, cell = _notebook_with(tmp_path, "exits", f"import os, sys; {exit_call}",
                                "w, config = adagrad(np.ones(3), np.ones(3))")
    result = _grade(path)
    assert result["status"] == "graded", result["message"]
    # adagrad exits the process during its graded tests, as any function would.
    assert result["score"] == pytest.approx(_full_score() - checks.points("optimizers")["adagrad"])
    statuses = _statuses(result)
    assert statuses.pop("adagrad") <= {"error", "failed"}
    assert all(s == {"passed"} for s in statuses.values()), statuses
    assert f"cell {cell} called" in result["message"]


def test_a_crashing_experiment_keeps_every_point(tmp_path):
    path, cell = _notebook_with(tmp_path, "crash", None, "raise RuntimeError('experiment went wrong')")
    result = _grade(path)
    assert result["status"] == "graded"
    assert result["score"] == pytest.approx(_full_score())
    assert "experiment went wrong" in result["message"]
    assert f"cell {cell}" in result["message"]


def test_a_python_file_still_loads_as_one_unit(tmp_path):
    # The same hang at a .py file's top level: no cells to stop, so loading fails as before.
    text = (REPO / "autograder" / "references" / "optimizers.py").read_text()
    path = tmp_path / "hang.py"
    path.write_text(text + "\n\nwhile True:\n    pass\n")
    result = _grade(path)
    assert result["score"] == 0
    assert "did not finish loading" in result["message"]
