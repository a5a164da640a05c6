"""`make grade-class` and plain `nbgrader autograde` give the same score per notebook.

Fifteen submissions of the optimizers assignment, each built from the released notebook (the
solution filled in, as in ``course_support.submit``): honest ones, ones with mistakes, ones
whose experiment cell hangs, raises, calls ``sys.exit`` or ``os._exit``, SIGKILLs its own
process or swallows the time-out in a loop, and ones whose graded function raises, hangs
(called by the experiment too) or ends the process. Copies of one released course get the
same submissions; one is graded by the code path of `make grade-class` (``python -m autograder
grade-class``, its default options: the sandbox, then the scores into nbgrader's gradebook),
the other (split in two courses, run side by side) by the real ``nbgrader autograde`` command
line (the notebook executed in a Jupyter kernel, the hidden tests in it), with its per-cell
timeout set low so the test is quick. The gradebooks are then compared per notebook and per
test cell. The fast suite runs thirteen of them; the two that cost plain nbgrader the most time
are in the full (slow) run only.

Where the two differ by design, the test asserts the difference (``NBGRADER_GIVES_NO_GRADE``).
A Jupyter kernel is one process that nbclient never restarts: when a cell ends it
(``os._exit``, SIGKILL; in an experiment or inside a graded function that a hidden test calls),
nbclient stops with "Kernel died", and when a cell swallows the interrupt nbclient sends at the
time-out, it stops with "Timeout waiting for IOPub output". Either way ``nbgrader autograde``
records no grade for that notebook (every test cell's score stays unset, 0 in an export),
removes its autograded copy, and exits non-zero. The sandboxed grader loads the notebook again
without that cell (``autograder/sandbox/supervisor/cell_restarts.py``) or runs the crashing
function in a fresh process, so only what the cell itself is worth is lost: nothing for an
experiment, the function's own points for a graded function.

The kept experiment is the released notebook's Adam bias-correction experiment; the other
experiments (plots and the digits classifier, about 10 s of kernel time per notebook) are left
out of every submission, as a student may delete cells, so that the kernels fit in the fast
suite. Every bad experiment sits in that cell, after the hidden tests, where the real
experiments are: nbgrader runs cells in order in one kernel, so a cell that swallows its
interrupt before a hidden test would cost that test too, which the sandbox does not.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder import checks
from autograder.cli import main
from autograder.course import nbgrader_run
from course_support import WRONG, copy_course, nbgrader_cli, read_notebook, solution_cells

ASSIGNMENT = "optimizers"
# Plain nbgrader's per-cell limit in seconds (the course's own is 120): well above the slowest
# honest cell of these notebooks (matplotlib's import: 1.5-2 s at a load of 4, over 3 s at 12;
# the first hidden test, which imports the grader's checks), low enough that the hanging cells
# cost little (the fast subset has one).
NBGRADER_CELL_TIMEOUT = 10
EXPERIMENT_MARKER = "corrected_m"   # the Adam bias-correction experiment, the one kept

SWALLOW_ALARM = """import time
while True:
    try:
        time.sleep(60)
    except BaseException:
        pass
"""

# student -> (what is changed in which cell, how), as (kind, text):
#   ("experiment", code) puts ``code`` at the top of the kept experiment cell;
#   ("function", (name, source)) replaces that graded function's cell;
#   ("stub", None) submits the release untouched.
VARIANTS: dict[str, list[tuple[str, object]]] = {
    "honest": [],
    "untouched_release": [("stub", None)],
    "wrong_adam": [("function", (WRONG[ASSIGNMENT][0], WRONG[ASSIGNMENT][2]))],
    "wrong_step_decay": [("function", ("step_decay", "def step_decay(lr0, epoch, drop=0.1, every=30):\n"
                                                     "    return lr0 * drop ** (epoch / every)\n"))],
    "momentum_hard_coded": [("function", ("sgd_momentum", "def sgd_momentum(w, dw, config=None):\n"
                                                          "    config = config if config is not None else {}\n"
                                                          "    config.setdefault('learning_rate', 1e-2)\n"
                                                          "    v = 0.9 * config.get('velocity', np.zeros_like(w))"
                                                          " - config['learning_rate'] * dw\n"
                                                          "    config['velocity'] = v\n"
                                                          "    return w + v, config\n"))],
    "warmup_one_step_late": [("function", ("linear_warmup", "def linear_warmup(lr, t, warmup_steps):\n"
                                                           "    return float(lr * min(1.0, t / warmup_steps))\n"))],
    "experiment_hangs": [("experiment", "while True:\n    pass\n")],
    "experiment_raises": [("experiment", "raise RuntimeError('my experiment went wrong')\n")],
    "experiment_sys_exit": [("experiment", "import sys\nsys.exit(3)\n")],
    "experiment_swallows_alarm": [("experiment", SWALLOW_ALARM)],
    "experiment_os_exit": [("experiment", "import os\nos._exit(3)\n")],
    "experiment_sigkill": [("experiment", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")],
    "adagrad_raises": [("function", ("adagrad", "def adagrad(w, dw, config=None):\n"   # None has no 'cache'
                                                "    cache = config['cache'] + dw ** 2\n"
                                                "    return w - dw / np.sqrt(cache), config\n"))],
    "adagrad_hangs_and_experiment_calls_it": [
        ("function", ("adagrad", "def adagrad(w, dw, config=None):\n    while True:\n        pass\n")),
        ("experiment", "w, _ = adagrad(np.ones(3), np.ones(3))\n")],
    "adagrad_os_exit": [("function", ("adagrad", "def adagrad(w, dw, config=None):\n"
                                                 "    import os\n    os._exit(3)\n"))],
}
# Where plain nbgrader gives no grade at all, by design (see the docstring): its kernel died,
# or a cell ignored the interrupt and nbclient gave up on the notebook.
NBGRADER_GIVES_NO_GRADE = {"experiment_os_exit", "experiment_sigkill", "experiment_swallows_alarm", "adagrad_os_exit"}
# Left out of the fast suite: under nbgrader each costs several per-cell timeouts (a swallowed
# interrupt about 25 s, a hanging graded function three timeouts: its self-check, its hidden
# test and the experiment); the sandbox's handling of both is in tests/sandbox/test_cell_restarts.py.
SLOW_ONLY = {"experiment_swallows_alarm", "adagrad_hangs_and_experiment_calls_it"}


@pytest.fixture(scope="session", autouse=True)
def nbgrader_installed():
    # Before the released course is made: without nbgrader this skips, which strict mode (CI) fails.
    if importlib.util.find_spec("nbgrader") is None:
        pytest.skip("nbgrader is not installed")


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def build_submission(course: Path, student: str, changes) -> None:
    """submitted/<student>/optimizers/ from the release, solved (unless a stub), with ``changes``."""
    import shutil

    folder = course / "submitted" / student / ASSIGNMENT
    shutil.copytree(course / "release" / ASSIGNMENT, folder)
    path = folder / f"{ASSIGNMENT}.ipynb"
    nb = copy.deepcopy(read_notebook(path))
    stub = any(kind == "stub" for kind, _ in changes)
    fill = {} if stub else dict(solution_cells(course, ASSIGNMENT))
    fill.update(dict(value for kind, value in changes if kind == "function"))
    last_test = max(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade")
                    and c["cell_type"] == "code")
    kept = []
    for index, cell in enumerate(nb["cells"]):
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in fill:
            cell["source"] = fill[grade_id]
        experiment = cell["cell_type"] == "code" and index > last_test and not cell["metadata"].get("nbgrader")
        if experiment and EXPERIMENT_MARKER not in _source(cell):
            continue
        if experiment:
            prefix = "".join(code for kind, code in changes if kind == "experiment")
            cell["source"] = prefix + _source(cell)
        kept.append(cell)
    assert sum(EXPERIMENT_MARKER in _source(c) for c in kept) == 1
    nb["cells"] = kept
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_the_variants_are_built_as_described(released_course, tmp_path):
    # Each bad experiment really sits in the kept experiment cell, after every hidden test.
    course = copy_course(released_course, tmp_path / "course")
    build_submission(course, "experiment_hangs", VARIANTS["experiment_hangs"])
    nb = read_notebook(course / "submitted" / "experiment_hangs" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    experiment = next(i for i, c in enumerate(code) if EXPERIMENT_MARKER in _source(c))
    assert _source(code[experiment]).startswith("while True:\n    pass\n")
    assert experiment == len(code) - 1
    # The test cells (their hidden tests are put back by nbgrader autograde) all come before it.
    tests = [i for i, c in enumerate(code) if c["metadata"].get("nbgrader", {}).get("grade")]
    assert len(tests) == len(checks.functions(ASSIGNMENT)) and max(tests) < experiment


def gradebook_scores(course: Path, students) -> dict[str, dict | None]:
    """student -> {function: score of its test cell, "total": their sum}, or None when the
    gradebook has no grade for the notebook (nbgrader leaves every test cell's score unset
    when autograding it failed; an export shows those as 0)."""
    from autograder.course.gradebook_import import function_of

    found = {}
    with nbgrader_run.gradebook(course) as gb:
        for student in students:
            notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            grades = {function_of("", g.name, ASSIGNMENT): g for g in notebook.grades}
            grades.pop(None, None)
            assert sorted(grades) == sorted(checks.functions(ASSIGNMENT)), sorted(grades)
            if all(g.auto_score is None for g in grades.values()):
                found[student] = None
                continue
            scores = {function: g.score for function, g in grades.items()}
            found[student] = {**scores, "total": round(sum(scores.values()), 6)}
    return found


def run_nbgrader(course: Path, outcome: dict) -> None:
    start = time.perf_counter()
    outcome["done"] = nbgrader_cli(course, "autograde", ASSIGNMENT, f"--Execute.timeout={NBGRADER_CELL_TIMEOUT}",
                                   timeout=900)
    outcome["seconds"] = time.perf_counter() - start


@pytest.mark.parametrize("subset", ["fast", pytest.param("full", marks=pytest.mark.slow)])
def test_grade_class_and_plain_nbgrader_agree(released_course, tmp_path, subset):
    students = [s for s in VARIANTS if subset == "full" or s not in SLOW_ONLY]
    # At least ten notebooks on which the two must agree, besides those where they differ by design.
    assert len(set(students) - NBGRADER_GIVES_NO_GRADE) >= 10
    ours_course = copy_course(released_course, tmp_path / "grade_class")
    for student in students:
        build_submission(ours_course, student, VARIANTS[student])
    # nbgrader autograde runs one kernel at a time: two copies of the course, each with half of the
    # notebooks, keep both cores busy once grade-class is done (its own run uses two workers).
    halves = [students[::2], students[1::2]]
    theirs_courses = []
    for k, half in enumerate(halves):
        theirs_courses.append(copy_course(released_course, tmp_path / f"nbgrader_{k}"))
        for student in half:
            build_submission(theirs_courses[-1], student, VARIANTS[student])

    # All at once: nbgrader in processes of its own, grade-class here, with the options `make grade-class` uses.
    plain: list[dict] = [{} for _ in halves]
    workers = [threading.Thread(target=run_nbgrader, args=(course, outcome))
               for course, outcome in zip(theirs_courses, plain, strict=True)]
    for worker in workers:
        worker.start()
    start = time.perf_counter()
    status = main(["grade-class", ASSIGNMENT, "--course", str(ours_course), "--quiet"])
    ours_seconds = time.perf_counter() - start
    for worker in workers:
        worker.join()
    assert status == 0
    ours = gradebook_scores(ours_course, students)
    theirs = {**gradebook_scores(theirs_courses[0], halves[0]), **gradebook_scores(theirs_courses[1], halves[1])}
    log = "\n".join(outcome["done"].stderr for outcome in plain)
    results = {s: json.loads((ours_course / "results" / ASSIGNMENT / f"{s}.json").read_text()) for s in students}

    rows = [f"{'notebook':40s} {'grade-class':>11s} {'nbgrader autograde':>19s}"]
    for student in students:
        theirs_total = "no grade" if theirs[student] is None else f"{theirs[student]['total']:g}"
        rows.append(f"{student:40s} {ours[student]['total']:11g} {theirs_total:>19s}")
    print("\n" + "\n".join(rows))
    nbgrader_seconds = " and ".join(f"{outcome['seconds']:.1f} s" for outcome in plain)
    print(f"grade-class: {ours_seconds:.1f} s; nbgrader autograde (two halves): {nbgrader_seconds} (side by side)")

    points = checks.points(ASSIGNMENT)
    full = round(sum(points.values()), 6)
    expected = {"honest": full, "untouched_release": 0.0,
                "adagrad_hangs_and_experiment_calls_it": full - points["adagrad"],
                "adagrad_os_exit": full - points["adagrad"],
                **{s: full for s in students if s.startswith("experiment_")}}
    for student in students:
        # The JSON result and the gradebook of grade-class agree (gradebook_import.verify checks it too).
        assert ours[student]["total"] == pytest.approx(results[student]["score"]), student
        if student in expected:
            assert ours[student]["total"] == pytest.approx(expected[student]), (student, results[student]["message"])
        if student in NBGRADER_GIVES_NO_GRADE:
            assert theirs[student] is None, f"nbgrader graded {student}: {theirs[student]}"
        else:
            assert theirs[student] == pytest.approx(ours[student]), (student, log[-3000:])
    for student in ("wrong_adam", "wrong_step_decay", "momentum_hard_coded", "warmup_one_step_late", "adagrad_raises"):
        assert 0 < ours[student]["total"] < full, student

    # nbgrader says it gave up on those notebooks, and on no other.
    for outcome, half in zip(plain, halves, strict=True):
        assert (outcome["done"].returncode != 0) == bool(NBGRADER_GIVES_NO_GRADE & set(half))
    failed = {s for s in students if f"error processing assignment '{ASSIGNMENT}' for student '{s}'" in log}
    assert failed == NBGRADER_GIVES_NO_GRADE & set(students)
    # The sandbox says what it did with each bad cell.
    messages = {s: results[s]["message"] for s in students}
    assert "ended its process and was skipped; the cells after it still ran" in messages["experiment_sigkill"]
    if "experiment_swallows_alarm" in students:
        assert re.search(r"did not finish within [\d.]+ s and was skipped; the cells after it still ran",
                         messages["experiment_swallows_alarm"]), messages["experiment_swallows_alarm"]
    assert re.search(r"cell \d+ did not finish within [\d.]+ s and was stopped", messages["experiment_hangs"])
    assert "my experiment went wrong" in messages["experiment_raises"]


if __name__ == "__main__":  # pragma: no cover - a manual run prints the table
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-s", __file__]))
