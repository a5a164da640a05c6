"""Temporary nbgrader courses built from the real source notebooks, and student submissions for them."""
from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPO_COURSE = ROOT / "assignments"

# One wrong function per assignment: a catalogued mistake written the way a student would.
WRONG = {
    "optimizers": ("adam", "Adam without bias correction", '''def adam(w, dw, config=None):
    if config is None:
        config = {}
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, default)
    t = config.get("t", 0) + 1
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    config.update(t=t, m=m, v=v)
    # no bias correction: m and v are used as they are
    return w - config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"]), config
'''),
    "gradient_check": ("eval_numerical_gradient", "forward instead of centred differences",
                       '''def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad
'''),
    "regularization": ("l1_regularization", "L1 gradient taken as W", '''def l1_regularization(W, reg):
    return reg * np.sum(np.abs(W)), reg * W
'''),
    "initialization": ("kaiming_normal", "missing the factor 2 for ReLU", '''def kaiming_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
'''),
}


def new_course(path: Path, assignments) -> Path:
    """A course folder with the repository's nbgrader_config.py and source notebooks (nothing generated)."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_COURSE / "nbgrader_config.py", path / "nbgrader_config.py")
    for name in assignments:
        (path / "source" / name).mkdir(parents=True)
        shutil.copy(REPO_COURSE / "source" / name / f"{name}.ipynb", path / "source" / name / f"{name}.ipynb")
    return path


def copy_course(course: Path, path: Path) -> Path:
    """A copy of a course (its config puts the root wherever the copy is)."""
    shutil.copytree(course, path)
    return path


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def solution_cells(course: Path, assignment: str) -> dict[str, str]:
    """grade_id -> source of every autograded answer cell of the instructor's notebook."""
    nb = read_notebook(course / "source" / assignment / f"{assignment}.ipynb")
    return {c["metadata"]["nbgrader"]["grade_id"]: _source(c) for c in nb["cells"]
            if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")}


def submit(course: Path, student: str, assignment: str, *, solved: bool, replace: dict[str, str] | None = None) -> Path:
    """Put the released folder in submitted/<student>/<assignment>/, as nbgrader collect would;
    ``solved`` fills every stub with the instructor's solution, ``replace`` puts other code in some cells."""
    folder = course / "submitted" / student / assignment
    shutil.copytree(course / "release" / assignment, folder)
    nb = copy.deepcopy(read_notebook(folder / f"{assignment}.ipynb"))
    fill = dict(solution_cells(course, assignment)) if solved else {}
    fill.update(replace or {})
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in fill:
            cell["source"] = fill[grade_id]
    (folder / f"{assignment}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return folder


def nbgrader_cli(course: Path, *args, timeout=600) -> subprocess.CompletedProcess:
    """The real `nbgrader` command line, run from the course folder as an instructor would."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)


def exported_scores(course: Path) -> dict[tuple[str, str], dict]:
    """`nbgrader export` to CSV, read back: (assignment, student) -> row."""
    done = nbgrader_cli(course, "export", "--to", "grades.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    with open(course / "grades.csv", newline="") as handle:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(handle)}
