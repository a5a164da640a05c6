"""A class of notebook submissions for the ``optimizers`` assignment, and nbgrader's view of it.

``make_class`` writes a throw-away nbgrader course: a source notebook whose
hidden test cells assert, one cell per graded function, against outputs
computed here with the reference implementation; ``nbgrader
generate_assignment``; and N submissions in ``submitted/<student>/optimizers/``:

* about 2 % stuck (an endless loop in one function; at least one);
* about 40 % with a mistake, drawn in turn from the wrong-answer bank
  (``tests/engine/wrong/optimizers/``), the example submissions with a mistake
  (``examples/submissions/optimizers/``, the untouched stubs included) and a
  few edits of the reference;
* the rest correct, drawn in turn from the reference and the correct examples.

Notebooks in the bank keep their own cells (magics, plots, a cell that
raises); a ``.py`` source becomes the solution cell.

``run_nbgrader`` times ``nbgrader autograde`` on a course folder and reads
per-student, per-function scores from its gradebook and per-student times from
its log.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from autograder import checks  # noqa: E402
from autograder.references import optimizers as reference  # noqa: E402

ASSIGNMENT = "optimizers"
BANK = REPO / "tests" / "engine" / "wrong" / ASSIGNMENT
EXAMPLES = REPO / "examples" / "submissions" / ASSIGNMENT
STUCK_FRACTION = 0.02
MISTAKE_FRACTION = 0.40

SCHEDULES = {  # function -> (kwargs, step argument, steps)
    "step_decay": ({"lr0": 0.1}, "epoch", list(range(0, 121))),
    "cosine_decay": ({"lr0": 0.1, "T": 100}, "t", list(range(0, 101))),
    "linear_decay": ({"lr0": 0.1, "T": 50}, "t", list(range(0, 51))),
    "inverse_sqrt_decay": ({"lr0": 0.1}, "t", list(range(1, 201))),
    "linear_warmup": ({"lr": 0.1, "warmup_steps": 10}, "t", list(range(0, 30))),
}
# The graded functions and their points are the grader's own (one source of truth);
# every function that is not a schedule above is an update rule w, dw, config -> w, config.
POINTS = checks.points(ASSIGNMENT)
RULES = tuple(f for f in checks.functions(ASSIGNMENT) if f not in SCHEDULES)
if not set(SCHEDULES) <= set(POINTS):
    raise ValueError(f"bench/classroom.py tests schedules the grader does not grade: {set(SCHEDULES) - set(POINTS)}")
CUSTOM = {
    "sgd": {"learning_rate": 0.05},
    "sgd_momentum": {"learning_rate": 0.02, "momentum": 0.8},
    "nesterov_momentum": {"learning_rate": 0.02, "momentum": 0.8},
    "adagrad": {"learning_rate": 0.1, "epsilon": 1e-7},
    "rmsprop": {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-7},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7},
    "adamw": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7, "weight_decay": 0.05},
}
if set(CUSTOM) != set(RULES):
    raise ValueError(f"bench/classroom.py needs a custom configuration for each update rule: {sorted(RULES)}")

# Run inside the student's kernel by each hidden test cell, so that nbgrader
# does the same kind of work as the grader's probes: a training-like loop per case.
TRAJECTORY = '''
def _trajectory(rule, seed, shape, steps, config, dtype):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape).astype(dtype)
    curvature = rng.uniform(0.5, 4.0, size=shape)
    noise = rng.standard_normal((steps,) + tuple(shape))
    rows = []
    for t in range(steps):
        dw = (curvature * w + noise[t]).astype(w.dtype, copy=False)
        w, config = rule(w.copy(), dw.copy(), config)
        rows.append(np.array(w, dtype=np.float64))
    return np.stack(rows)
'''


def _trajectory(rule, seed, shape, steps, config, dtype):
    namespace = {"np": np}
    exec(TRAJECTORY, namespace)
    return namespace["_trajectory"](rule, seed, shape, steps, config, dtype)


def rule_cases(rule: str) -> list[tuple]:
    """(seed, shape, steps, config, dtype, rtol) of each hidden check of an update rule."""
    return [(11, (5,), 30, None, "float64", 1e-6),
            (12, (3, 4), 50, CUSTOM[rule], "float64", 1e-6),
            (13, (4, 3), 25, CUSTOM[rule], "float64", 1e-6),
            (14, (6,), 20, CUSTOM[rule], "float32", 2e-3)]


def hidden_test(function: str) -> str:
    """The source of the hidden test cell for ``function``, with the reference's outputs inlined."""
    if function in RULES:
        checks = []
        for seed, shape, steps, config, dtype, rtol in rule_cases(function):
            expected = _trajectory(getattr(reference, function), seed, shape, steps,
                                   None if config is None else dict(config), dtype)
            checks.append(f"_w = _trajectory({function}, {seed}, {shape!r}, {steps}, "
                          f"{None if config is None else dict(config)!r}, np.{dtype})\n"
                          f"assert np.allclose(_w[-1], np.array({expected[-1].tolist()!r}), rtol={rtol}, atol=1e-9)\n"
                          f"assert np.allclose(_w.reshape({steps}, -1).sum(axis=1), "
                          f"np.array({expected.reshape(steps, -1).sum(axis=1).tolist()!r}), rtol={rtol}, atol=1e-8)\n")
        body = "import numpy as np\n" + TRAJECTORY + "\n" + "".join(checks)
    else:
        kwargs, step, steps = SCHEDULES[function]
        expected = [getattr(reference, function)(**kwargs, **{step: t}) for t in steps]
        body = ("import numpy as np\n"
                f"_got = np.array([{function}(**{kwargs!r}, {step}=t) for t in {steps!r}], dtype=float)\n"
                f"assert np.allclose(_got, np.array({expected!r}), rtol=1e-6, atol=1e-12)\n")
    return f"### BEGIN HIDDEN TESTS\n{body}### END HIDDEN TESTS\n"


# ------------------------------------------------------------------ the class --

@dataclass
class Source:
    """What one student hands in: the code cells of their notebook, and what they are."""

    kind: str                  # "correct", "mistake" or "stuck"
    label: str                 # where it comes from / what is wrong, for the tables
    cells: list[str]
    broken: tuple[str, ...] = ()   # functions that are wrong ("" for the stubs: all of them)


def _reference_source() -> str:
    text = (REPO / "autograder" / "references" / f"{ASSIGNMENT}.py").read_text()
    return "import math\nimport numpy as np\n\n" + text.replace("from __future__ import annotations\n", "")


def _code_cells(path: Path) -> list[str]:
    if path.suffix == ".py":
        return [path.read_text()]
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "code"]


def _declared_breaks(path: Path) -> tuple[str, ...]:
    text = "\n".join(_code_cells(path)) if path.suffix == ".py" else path.read_text()
    found = re.search(r"breaks: (\w+)", text)
    return (found.group(1),) if found else ()


# Edits of the reference, each breaking exactly one function.
REFERENCE_EDITS = [
    ("sgd", 'return w - config["learning_rate"] * dw, config', 'return w + config["learning_rate"] * dw, config'),
    ("adam", 'm_hat = config["m"] / (1 - b1**t)', 'm_hat = config["m"]'),
    ("step_decay", "return lr0 * drop ** (epoch // every)", "return lr0 * drop ** (epoch / every)"),
    ("cosine_decay", "math.cos(math.pi * t / T)", "math.cos(math.pi * t / (T + 1))"),
]
# Endless loops, each in one function (the first line of its definition gains a loop).
STUCK_IN = ("adam", "cosine_decay", "rmsprop")


def _defines_all(cells: list[str]) -> bool:
    text = "\n".join(cells)
    return all(re.search(rf"^def {function}\(", text, re.M) for function in POINTS)


def correct_pool() -> list[Source]:
    pool = [Source("correct", "reference solution", [_reference_source()])]
    for path in sorted(EXAMPLES.iterdir()):
        # An example written before a function was added to the assignment is no longer a
        # correct submission: it would lose that function's points in both graders.
        if path.stem.endswith("_correct") and _defines_all(_code_cells(path)):
            pool.append(Source("correct", f"examples/{path.name}", _code_cells(path)))
    return pool


def mistake_pool() -> list[Source]:
    pool = []
    for folder, prefix in ((BANK, "wrong/"), (EXAMPLES, "examples/")):
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".py", ".ipynb") or path.stem.endswith("_correct"):
                continue
            breaks = _declared_breaks(path)
            if not breaks and "stubs" not in path.stem:
                raise ValueError(f"{path} declares no broken function")
            pool.append(Source("mistake", prefix + path.name, _code_cells(path), breaks or tuple(POINTS)))
    correct = _reference_source()
    for function, old, new in REFERENCE_EDITS:
        if old not in correct:
            raise ValueError(f"the reference changed: {old!r} is not in it")
        pool.append(Source("mistake", f"reference with {function} broken", [correct.replace(old, new, 1)],
                           (function,)))
    return pool


def stuck_source(function: str) -> Source:
    correct = _reference_source()
    header = re.search(rf"^def {function}\(.*\):\n", correct, re.M)
    if header is None:
        raise ValueError(f"no definition of {function} in the reference")
    looped = correct[:header.end()] + "    while True:\n        pass\n" + correct[header.end():]
    return Source("stuck", f"endless loop in {function}", [looped], (function,))


def class_mix(n: int, seed: int = 13) -> dict[str, Source]:
    """student -> Source for a class of ``n``: ``round(2 %)`` stuck (at least one),
    ``round(40 %)`` with a mistake, the rest correct; shuffled with a fixed seed,
    except that no stuck submission is first or last (where it would favour or
    handicap a parallel grader)."""
    if n < 3:
        raise ValueError("a class needs at least 3 students")
    n_stuck = max(1, round(STUCK_FRACTION * n))
    n_mistakes = round(MISTAKE_FRACTION * n)
    correct, mistakes = correct_pool(), mistake_pool()
    others = ([mistakes[i % len(mistakes)] for i in range(n_mistakes)]
              + [correct[i % len(correct)] for i in range(n - n_stuck - n_mistakes)])
    random.Random(seed).shuffle(others)
    # Stuck ones evenly spread through the middle of the class.
    stuck_at = {round((k + 1) * n / (n_stuck + 1)) for k in range(n_stuck)}
    sources, rest = [], iter(others)
    for i in range(n):
        if i in stuck_at:
            sources.append(stuck_source(STUCK_IN[len([s for s in sources if s.kind == "stuck"]) % len(STUCK_IN)]))
        else:
            sources.append(next(rest))
    return {f"student{i:03d}": source for i, source in enumerate(sources)}


def stratified_subset(students: dict[str, Source], size: int) -> list[str]:
    """``size`` students in the class's own proportions of stuck, mistaken and correct
    (at least one stuck), spread evenly through each group."""
    groups: dict[str, list[str]] = {}
    for name, source in students.items():
        groups.setdefault(source.kind, []).append(name)
    n = len(students)
    want = {kind: max(1 if kind == "stuck" else 0, round(len(names) * size / n)) for kind, names in groups.items()}
    chosen = []
    for kind, names in groups.items():
        step = len(names) / max(1, want[kind])
        chosen += [names[int(k * step)] for k in range(min(want[kind], len(names)))]
    return sorted(chosen)


# ---------------------------------------------------------------- the course --

def _new_cell(source: str, cell_type: str = "code", **nbgrader) -> dict:
    import nbformat

    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def _write_notebook(cells: list[dict], path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = cells
    nbformat.write(nb, path)


def nbgrader_command(*args: str) -> list[str]:
    """nbgrader run by the benchmark's own interpreter: the virtual environment's
    ``bin`` need not be on PATH."""
    return [sys.executable, "-m", "nbgrader", *args]


def run_checked(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env or bench_environment(cwd), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def bench_environment(cwd: Path) -> dict:
    """The environment of every command the benchmark runs. The interpreter's own
    ``bin`` folder (a virtual environment's, not resolved through its symlink) goes
    first on PATH: nbgrader runs ``alembic`` and its kernels by name, and a fresh
    set-up does not put ``.venv/bin`` on PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    return dict(os.environ, PATH=path, JUPYTER_CONFIG_DIR=str(cwd / ".jupyter-config"), PYTHONWARNINGS="ignore",
                PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def make_course(root: Path, timeout: float) -> None:
    """The nbgrader course with the source notebook, released (no submissions yet)."""
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(textwrap.dedent(f"""\
        c = get_config()
        c.CourseDirectory.root = {str(root)!r}
        c.CourseDirectory.course_id = "bench"
        c.Execute.timeout = {int(timeout)}
        c.ExecutePreprocessor.timeout = {int(timeout)}
        # One timestamped line per notebook, for per-student times.
        c.Application.log_format = "%(created).3f %(levelname)s %(message)s"
        """))
    solution = "import math\nimport numpy as np\n\n### BEGIN SOLUTION\n" + _reference_source() + "\n### END SOLUTION\n"
    cells = [_new_cell("# Optimizers\nImplement the update rules and schedules below.", "markdown"),
             _new_cell(solution, solution=True, grade=False, locked=False, grade_id="implementation")]
    for function, points in POINTS.items():
        cells.append(_new_cell(hidden_test(function), solution=False, grade=True, locked=True,
                               grade_id=f"test_{function}", points=points))
    _write_notebook(cells, root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    run_checked(nbgrader_command("generate_assignment", ASSIGNMENT, "--force"), root)


def submit(root: Path, students: dict[str, Source]) -> None:
    """Write each student's notebook into ``submitted/``: the released notebook with
    the solution cell replaced by the student's first code cell and any further
    cells of theirs right after it."""
    released = json.loads((root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    for student, source in students.items():
        nb = copy.deepcopy(released)
        cells = []
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "implementation":
                cell["source"] = source.cells[0]
                cells.append(cell)
                for k, extra in enumerate(source.cells[1:]):
                    added = dict(_new_cell(extra))
                    added["id"] = f"student-cell-{k}"
                    cells.append(added)
            else:
                cells.append(cell)
        nb["cells"] = cells
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb, indent=1))


def copy_course(root: Path, dest: Path, students: list[str]) -> None:
    """A second course folder with the same released assignment and gradebook, and only ``students``."""
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", "results-*"))
    text = (dest / "nbgrader_config.py").read_text().replace(repr(str(root)), repr(str(dest)))
    (dest / "nbgrader_config.py").write_text(text)
    for student in students:
        shutil.copytree(root / "submitted" / student, dest / "submitted" / student)


# ------------------------------------------------------------------ nbgrader --

@dataclass
class NbgraderRun:
    seconds: float                                   # the whole command, start-up included
    scores: dict[str, dict[str, float]]              # student -> function -> points
    per_student: dict[str, float] = field(default_factory=dict)   # seconds from the log
    startup: float = 0.0                              # command start to its first notebook


_LOG_LINE = re.compile(r"^(\d+\.\d{3}) \w+ (.*)$")


def _per_student_times(log: str, start_epoch: float, end_epoch: float) -> tuple[dict[str, float], float]:
    """Seconds spent on each student, from the timestamps of the line nbgrader
    logs when it starts on a student ("Creating/updating student with ID ...")
    to the next such line (or the command's end)."""
    marks = []
    for line in log.splitlines():
        found = _LOG_LINE.match(line)
        if not found:
            continue
        student = re.search(r"Creating/updating student with ID '([^']+)'", found.group(2))
        if student and (not marks or marks[-1][1] != student.group(1)):
            marks.append((float(found.group(1)), student.group(1)))
    if not marks:
        raise RuntimeError("nbgrader's log names no student; its log format changed: update bench/classroom.py")
    times = {}
    for (at, student), (after, _) in zip(marks, marks[1:] + [(end_epoch, None)], strict=True):
        times[student] = after - at
    startup = marks[0][0] - start_epoch if marks else 0.0
    return times, startup


def run_nbgrader(root: Path) -> NbgraderRun:
    """``nbgrader autograde`` on every submission in ``root``, timed, with its scores."""
    start_epoch, start = time.time(), time.perf_counter()
    done = run_checked(nbgrader_command("autograde", ASSIGNMENT, "--force"), root)
    seconds = time.perf_counter() - start
    per_student, startup = _per_student_times(done.stderr + done.stdout, start_epoch, time.time())
    return NbgraderRun(seconds, nbgrader_scores(root), per_student, startup)


def nbgrader_scores(root: Path) -> dict[str, dict[str, float]]:
    """student -> function -> points, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in sorted(p.name for p in (root / "submitted").iterdir()):
            notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            scores[student] = {g.name.removeprefix("test_"): float(g.score) for g in notebook.grades
                               if g.name.startswith("test_")}
    return scores
