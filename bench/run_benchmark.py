"""Throughput of this grader against ``nbgrader autograde`` on the same submissions.

    python bench/run_benchmark.py --n 20

Makes a throw-away nbgrader course for the ``optimizers`` assignment whose
source notebook has one hidden test cell per graded function (asserting, for
the same kinds of inputs, against outputs computed here by the reference
implementation), releases it with ``nbgrader generate_assignment``, and puts N
notebook submissions in ``submitted/``: about half correct, the rest with a
known mistake each, and one with an endless loop in ``adam``. Then, in one run:

* ``nbgrader autograde optimizers`` (as shipped: one kernel per notebook, one
  notebook after another; ``Execute.timeout`` per cell);
* ``python -m autograder grade optimizers submitted/* --workers W`` (the
  bubblewrap sandbox on; ``--timeout`` per test; the same timeout as nbgrader).

Each is timed end to end as a command, start-up included. The script prints
seconds per submission for each and the ratio, and checks that both graders
agree on which submissions are fully correct.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.references import optimizers as reference  # noqa: E402

RULES = ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")
SCHEDULES = {  # function -> (kwargs, step argument, steps)
    "step_decay": ({"lr0": 0.1}, "epoch", list(range(0, 121))),
    "cosine_decay": ({"lr0": 0.1, "T": 100}, "t", list(range(0, 101))),
    "linear_decay": ({"lr0": 0.1, "T": 50}, "t", list(range(0, 51))),
    "inverse_sqrt_decay": ({"lr0": 0.1}, "t", list(range(1, 201))),
    "linear_warmup": ({"lr": 0.1, "warmup_steps": 10}, "t", list(range(0, 30))),
}
POINTS = {**{r: 10 for r in RULES}, **{s: 4 for s in SCHEDULES}}
CUSTOM = {
    "sgd": {"learning_rate": 0.05},
    "sgd_momentum": {"learning_rate": 0.02, "momentum": 0.8},
    "nesterov_momentum": {"learning_rate": 0.02, "momentum": 0.8},
    "adagrad": {"learning_rate": 0.1, "epsilon": 1e-7},
    "rmsprop": {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-7},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7},
}

# Run inside the student's kernel by each hidden test cell (so nbgrader does the
# same kind of work as the grader's probes: a training-like loop per case).
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


def _solution_source() -> str:
    text = (REPO / "autograder" / "references" / "optimizers.py").read_text()
    return text.replace("from __future__ import annotations\n", "")


# Known mistakes, as edits of the correct source (each changes exactly one function).
MISTAKES = [
    ('return w - config["learning_rate"] * dw, config', 'return w + config["learning_rate"] * dw, config'),
    ("m_hat = config[\"m\"] / (1 - b1**t)", "m_hat = config[\"m\"]"),
    ("return lr0 * drop ** (epoch // every)", "return lr0 * drop ** (epoch / every)"),
    ("config[\"velocity\"] = v\n", "pass\n"),
    ("return lr0 / math.sqrt(t)", "return lr0 / t"),
]
LOOP = ('def adam(w, dw, config=None):\n', 'def adam(w, dw, config=None):\n    while True:\n        pass\n')


def student_sources(n: int) -> dict[str, tuple[str, str]]:
    """student -> (kind, source). Even: correct; odd: a mistake; one in the middle
    (neither first nor last, where it would favour or handicap a parallel
    grader): an endless loop."""
    correct = _solution_source()
    students = {}
    for i in range(n):
        name = f"student{i:03d}"
        if i == n // 2:
            students[name] = ("endless loop in adam", correct.replace(*LOOP))
        elif i % 2 == 0:
            students[name] = ("correct", correct)
        else:
            old, new = MISTAKES[(i // 2) % len(MISTAKES)]
            assert old in correct, old
            students[name] = (f"mistake {(i // 2) % len(MISTAKES)}", correct.replace(old, new, 1))
    return students


def _cell(source, cell_type="code", **nbgrader):
    cell = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def make_course(root: Path, n: int, timeout: float) -> dict[str, str]:
    (root / "source" / "optimizers").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(textwrap.dedent(f"""\
        c = get_config()
        c.CourseDirectory.root = {str(root)!r}
        c.CourseDirectory.course_id = "bench"
        c.Execute.timeout = {int(timeout)}
        c.ExecutePreprocessor.timeout = {int(timeout)}
        """))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    solution = ("import math\nimport numpy as np\n\n### BEGIN SOLUTION\n" + _solution_source()
                + "\n### END SOLUTION\n")
    nb.cells = [_cell("# Optimizers\nImplement the update rules and schedules below.", "markdown"),
                _cell(solution, solution=True, grade=False, locked=False, grade_id="implementation")]
    for function, points in POINTS.items():
        nb.cells.append(_cell(hidden_test(function), solution=False, grade=True, locked=True,
                              grade_id=f"test_{function}", points=points))
    nbformat.write(nb, root / "source" / "optimizers" / "optimizers.ipynb")
    _run(["nbgrader", "generate_assignment", "optimizers", "--force"], root)

    released = nbformat.read(root / "release" / "optimizers" / "optimizers.ipynb", as_version=4)
    kinds = {}
    for student, (kind, source) in student_sources(n).items():
        nb = nbformat.from_dict(json.loads(json.dumps(released)))
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "implementation":
                cell.source = "import math\nimport numpy as np\n\n" + source
        folder = root / "submitted" / student / "optimizers"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "optimizers.ipynb")
        kinds[student] = kind
    return kinds


def _run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(cwd / ".jupyter-config"), PYTHONWARNINGS="ignore")
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def nbgrader_scores(root: Path) -> dict[str, float]:
    _run(["nbgrader", "export", "--to", str(root / "nbgrader-grades.csv")], root)
    with open(root / "nbgrader-grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="number of submissions (default 20)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds per test (this grader) and per cell (nbgrader); default 10")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="this grader's workers (default: cores)")
    parser.add_argument("--keep", type=Path, help="build the course here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.n < 3:
        parser.error("--n must be at least 3")
    if shutil.which("nbgrader") is None:
        sys.exit("nbgrader is not installed in this environment")

    root = args.keep or Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    if args.keep and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        print(f"course in {root}: {args.n} notebook submissions, timeout {args.timeout:g} s, "
              f"{os.cpu_count()} cores", flush=True)
        kinds = make_course(root, args.n, args.timeout)

        start = time.perf_counter()
        _run(["nbgrader", "autograde", "optimizers", "--force"], root)
        nbgrader_seconds = time.perf_counter() - start
        theirs = nbgrader_scores(root)

        out = root / "autograder-results"
        submissions = sorted(str(p) for p in (root / "submitted").glob("*/optimizers"))
        start = time.perf_counter()
        _run([sys.executable, "-m", "autograder", "grade", "optimizers", *submissions, "--out", str(out),
                     "--timeout", str(args.timeout), "--workers", str(args.workers), "--isolation", "auto",
                     "--force", "--quiet"], REPO)
        ours_seconds = time.perf_counter() - start
        results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
        isolation = sorted({r["isolation"] for r in results.values()})

        print(f"\n{'student':12s} {'kind':22s} {'nbgrader':>9s} {'autograder':>11s}")
        disagreements = []
        for student, kind in kinds.items():
            mine = results[student]["score"]
            print(f"{student:12s} {kind:22s} {theirs.get(student, float('nan')):9.1f} {mine:11.1f}")
            full_theirs = theirs.get(student) == sum(POINTS.values())
            full_mine = mine == results[student]["max_score"]
            if full_theirs != full_mine or full_mine != (kind == "correct"):
                disagreements.append(student)
        per_theirs, per_ours = nbgrader_seconds / args.n, ours_seconds / args.n
        print(f"\nnbgrader autograde : {nbgrader_seconds:7.1f} s in all, {per_theirs:6.3f} s per submission "
              f"(one notebook at a time, a kernel each)")
        print(f"autograder grade   : {ours_seconds:7.1f} s in all, {per_ours:6.3f} s per submission "
              f"({args.workers} workers, isolation {', '.join(isolation)})")
        print(f"ratio              : {per_theirs / per_ours:.1f}x nbgrader's throughput")
        if disagreements:
            print(f"WARNING: the graders disagree on which submissions are fully correct: {disagreements}")
            return 1
        print("both graders agree on which submissions are fully correct")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
