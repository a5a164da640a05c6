"""Bad input of every kind ends in a result with a clear message, never a grader crash or hang.

Most cases are a correct example with one function broken; they must cost
that function's points and nothing else. Whole-file problems (syntax error,
empty file, not a notebook, an empty folder) cost everything but still give a
result.
"""
from __future__ import annotations

import dataclasses
import json
import re
import shutil

import pytest

from autograder import checks, grading
from engine_support import (EXAMPLES, failures, grade_all, line_of, per_function, replace_function, run_cli)
from test_result_contract import check_contract


@dataclasses.dataclass
class Bad:
    id: str
    assignment: str
    breaks: str | None            # the one function that must lose points (None: the whole file)
    new: str = ""                 # replacement source of ``breaks``
    expect: tuple = ()            # substrings of the failing tests' messages
    marker: str | None = None     # the message must give the line of the first line containing this
    text: str | None = None       # the whole file instead (for whole-file problems)
    suffix: str = ".py"
    status: str = "graded"
    everything: bool = True       # every test of ``breaks`` fails (else: at least one)
    also: tuple = ()              # functions that cannot be checked without ``breaks`` (they call it)
    harmless: bool = False        # the problem must cost nothing at all

    def source(self) -> str:
        if self.text is not None:
            return self.text
        base = (EXAMPLES / self.assignment / "alice_correct.py").read_text()
        return replace_function(base, self.breaks, self.new)


CASES = [
    # ---------------------------------------------------------------- return types
    Bad("list instead of array", "optimizers", "sgd", '''
def sgd(w, dw, config=None):
    config = config or {}
    return list(w - config.get("learning_rate", 1e-2) * dw), config
''', ("type list", "expected a numpy array")),
    Bad("bare array instead of a pair", "optimizers", "adam", '''
def adam(w, dw, config=None):
    return w - 1e-3 * dw
''', ("expected a pair (next_w, config)",)),
    Bad("None from a schedule", "optimizers", "step_decay", '''
def step_decay(lr0, epoch, drop=0.1, every=30):
    lr = lr0 * drop ** (epoch // every)
''', ("NoneType", "expected a number")),
    Bad("str from a schedule", "optimizers", "cosine_decay", '''
def cosine_decay(lr0, t, T):
    return f"{lr0 / 2 * (1 + np.cos(np.pi * t / T)):.6f}"
''', ("str", "expected a number")),
    Bad("str from rel_error", "gradient_check", "rel_error", '''
def rel_error(x, y):
    return "%.3e" % np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
''', ("str",)),
    Bad("list from eval_numerical_gradient", "gradient_check", "eval_numerical_gradient", '''
def eval_numerical_gradient(f, x, h=1e-5):
    grad = []
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad.append((fp - fm) / (2 * h))
    return grad
''', ("list", "np.array")),
    Bad("tuple from grad_check_sparse", "gradient_check", "grad_check_sparse", '''
def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    return tuple(np.zeros(num_checks))
''', ("tuple",)),
    Bad("dropout_forward returns only out", "regularization", "dropout_forward", '''
def dropout_forward(x, dropout_param):
    rng = np.random.default_rng(dropout_param.get("seed"))
    p = dropout_param["p"]
    if dropout_param["mode"] == "train":
        return x * (rng.random(x.shape) < p) / p
    return x
''', ("expected a pair (out, cache)",), also=("dropout_backward",)),
    Bad("dW as a list", "regularization", "l2_regularization", '''
def l2_regularization(W, reg):
    return reg * np.sum(W ** 2), (2 * reg * W).tolist()
''', ("dW is list", "np.array")),
    Bad("initializer returns a list", "initialization", "xavier_normal", '''
def xavier_normal(fan_in, fan_out, rng):
    W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))
    return list(W)  # a list of rows
''', ("list", "np.array")),
    Bad("initializer returns None", "initialization", "orthogonal", '''
def orthogonal(fan_in, fan_out, rng):
    q, _ = np.linalg.qr(rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out))))
''', ("None",)),
    # ---------------------------------------------------------------- shapes
    Bad("update flattens w", "optimizers", "rmsprop", '''
def rmsprop(w, dw, config=None):
    config = config or {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2
    config["cache"] = cache
    return (w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])).reshape(-1), config
''', ("shape",), everything=False),  # a 1-d w keeps its shape
    Bad("gradient flattened", "gradient_check", "eval_numerical_gradient_array", '''
def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros(x.size)
    for i, ix in enumerate(np.ndindex(x.shape)):
        old = x[ix]
        x[ix] = old + h
        pos = f(x).copy()
        x[ix] = old - h
        neg = f(x).copy()
        x[ix] = old
        grad[i] = np.sum((pos - neg) * df) / (2 * h)
    return grad
''', ("shape",)),
    Bad("initializer transposed", "initialization", "kaiming_normal", '''
def kaiming_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
''', ("shape",)),
    # ---------------------------------------------------------------- NaN and exceptions
    Bad("NaN weights", "optimizers", "adam", '''
def adam(w, dw, config=None):
    config = config or {}
    return w + np.nan, config
''', ("NaN",)),
    Bad("NaN loss", "regularization", "l1_regularization", '''
def l1_regularization(W, reg):
    return float("nan"), reg * np.sign(W)
''', ("NaN",)),
    Bad("exception inside a function", "optimizers", "nesterov_momentum", '''
def nesterov_momentum(w, dw, config=None):
    config = config or {}
    velocity = config["velocity"]  # KeyError on the first call
    return w, config
''', ("KeyError", "velocity"), marker='velocity = config["velocity"]'),
    Bad("exception in a statistical check", "initialization", "xavier_uniform", '''
def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out), dtype=np.float32)
''', ("TypeError",), marker="rng.uniform(-limit"),
    Bad("missing function", "regularization", "elastic_net", '''
def elastic_net_regularization(W, reg, beta):
    return reg * np.sum(beta * W * W + np.abs(W)), reg * (2 * beta * W + np.sign(W))
''', ("`elastic_net` is not defined",)),
    Bad("graded name bound to a number", "gradient_check", "rel_error", '''
def rel_error(x, y):
    return 0.0
rel_error = 1e-9
''', ("rel_error", "not a function")),
    Bad("os._exit inside a function", "optimizers", "adagrad", '''
def adagrad(w, dw, config=None):
    import os
    os._exit(3)
''', ("exited with code 3",)),
    Bad("memory bomb inside a function", "regularization", "dropout_backward", '''
def dropout_backward(dout, cache):
    hog = np.ones((1 << 40,), dtype=np.uint8)
    return dout * hog[0]
''', ("MemoryError",)),
    Bad("prints, writes to stderr and warns", "gradient_check", "grad_check_sparse", '''
def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    import sys, warnings
    print("x" * 100000)
    sys.stderr.write("y" * 100000)
    warnings.warn("careful")
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = np.unravel_index(rng.integers(x.size), x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        num, ana = (fxph - fxmh) / (2 * h), analytic_grad[ix]
        print("checking", ix, num, ana)
        errors.append(abs(num - ana) / max(1e-8, abs(num) + abs(ana)))
    return np.array(errors)
''', harmless=True),
    # ---------------------------------------------------------------- whole files
    Bad("syntax error", "optimizers", None, text=replace_function(
        (EXAMPLES / "optimizers" / "alice_correct.py").read_text(), "adagrad",
        "def adagrad(w, dw, config=None)\n    return w, config\n"),
        expect=("SyntaxError",), marker="def adagrad(w, dw, config=None)"),
    Bad("empty file", "initialization", None, text="", expect=("not defined",)),
    Bad("binary garbage", "gradient_check", None, text="\x00\xff\xfe garbage \x01" * 20, expect=()),
    Bad("sys.exit at top level after the definitions", "regularization", None, harmless=True, expect=("SystemExit",),
        text=(EXAMPLES / "regularization" / "alice_correct.py").read_text() + "\nimport sys\nsys.exit(0)\n"),
]


def _expected_line(bad: Bad) -> int | None:
    return line_of(bad.source(), bad.marker) if bad.marker else None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    items = []
    for i, bad in enumerate(CASES):
        path = folder / bad.assignment / f"case{i}{bad.suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(bad.source().encode("utf-8", errors="surrogateescape"))
        items.append((bad.assignment, path))
    results = grade_all(items, grading.Options(timeout=20, memory_mb=1024))
    return {bad.id: results[path] for bad, (_, path) in zip(CASES, items, strict=True)}


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_a_result_and_a_clear_message(graded, bad):
    result = graded[bad.id]
    check_contract(result, bad.assignment)
    assert result["status"] == bad.status, result["message"]
    points = per_function(result)
    if bad.harmless:
        assert result["score"] == pytest.approx(result["max_score"]), failures(result)
        for fragment in bad.expect:
            assert fragment in result["message"]
        return
    if bad.breaks is None:
        assert result["score"] == 0
        lost = [t for t in result["tests"]]
    else:
        for function, (got, most) in points.items():
            if function == bad.breaks:
                assert got == 0 if bad.everything else got < most, failures(result)
            elif function not in bad.also:
                assert got == pytest.approx(most), f"{function} lost points:\n{failures(result)}"
        lost = [t for t in result["tests"] if t["function"] == bad.breaks and t["status"] != "passed"]
    assert all(t["status"] != "passed" for t in lost)
    first = lost[0]["message"]
    for fragment in bad.expect:
        assert fragment in first or fragment in result["message"], f"{fragment!r} not in {first!r}"
    line = _expected_line(bad)
    if line is not None:
        assert f"line {line}" in first or f"line {line}" in result["message"], (line, first, result["message"])


# ------------------------------------------------------------------ via the command line --

def _loop_source() -> str:
    base = (EXAMPLES / "optimizers" / "alice_correct.py").read_text()
    return replace_function(base, "linear_decay", '''
def linear_decay(lr0, t, T):
    while t < T:  # t is never incremented
        pass
    return lr0 * (1 - t / T)
''')


def test_infinite_loop_costs_only_that_function(tmp_path):
    path = tmp_path / "looper.py"
    path.write_text(_loop_source())
    proc = run_cli("grade", "optimizers", str(path), "--out", str(tmp_path / "out"), "--timeout", "2", "--quiet",
                   timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "out" / "looper.json").read_text())
    check_contract(result, "optimizers")
    assert result["status"] == "graded"
    loop_tests = [t for t in result["tests"] if t["function"] == "linear_decay"]
    assert all(t["status"] == "timeout" and t["points"] == 0 for t in loop_tests)
    # Its calibrated budget (the floor: 1 s on an idle machine, more under load) or the 2 s --timeout.
    assert "did not return within" in loop_tests[0]["message"]
    assert "2 s" in loop_tests[0]["message"] and "killed" in loop_tests[0]["message"]
    # the functions graded after the killed child (a fresh one) still get their points
    for function, (got, most) in per_function(result).items():
        if function != "linear_decay":
            assert got == pytest.approx(most), function


def test_not_a_notebook_and_an_empty_folder_and_a_good_file_in_one_batch(tmp_path):
    (tmp_path / "mallory.ipynb").write_text("this is not JSON, let alone a notebook")
    (tmp_path / "empty_folder").mkdir()
    (tmp_path / "half.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code"}]}))
    good = tmp_path / "good.py"
    shutil.copy(EXAMPLES / "regularization" / "alice_correct.py", good)
    out = tmp_path / "out"
    proc = run_cli("grade", "regularization", str(tmp_path / "mallory.ipynb"), str(tmp_path / "empty_folder"),
                   str(tmp_path / "half.ipynb"), str(good), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    mallory = json.loads((out / "mallory.json").read_text())
    assert mallory["status"] == "error" and mallory["score"] == 0
    assert "not a valid notebook" in mallory["message"]
    empty = json.loads((out / "empty_folder.json").read_text())
    assert empty["status"] == "error" and "no .ipynb or .py file" in empty["message"]
    half = json.loads((out / "half.json").read_text())
    assert half["status"] in ("error", "graded") and half["score"] == 0
    assert json.loads((out / "good.json").read_text())["score"] == pytest.approx(
        sum(c.points for c in checks.suite("regularization")))
    for name in ("mallory", "empty_folder", "half", "good"):
        check_contract(json.loads((out / f"{name}.json").read_text()), "regularization")


def test_notebook_cell_with_a_syntax_error_costs_only_its_functions(tmp_path):
    nb = json.loads((EXAMPLES / "optimizers" / "bob_correct.ipynb").read_text())
    cells = nb["cells"]
    index = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and "def step_decay" in "".join(c["source"]))
    source = "".join(cells[index]["source"]).replace("def cosine_decay(lr0, t, T):", "def cosine_decay(lr0, t, T)")
    cells[index]["source"] = source
    path = tmp_path / "typo.ipynb"
    path.write_text(json.dumps(nb))
    proc = run_cli("grade", "optimizers", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0
    result = json.loads((tmp_path / "out" / "typo.json").read_text())
    schedules = {"step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay", "linear_warmup"}
    for function, (got, most) in per_function(result).items():
        assert (got == 0) if function in schedules else (got == pytest.approx(most)), function
    line = line_of(source, "def cosine_decay(lr0, t, T)")
    assert "SyntaxError" in result["message"] and f"line {line}" in result["message"]
    assert f"cell {index + 1}" in result["message"], result["message"]


def test_submission_cannot_import_the_answers(tmp_path):
    path = tmp_path / "cheat.py"
    path.write_text("from autograder.references.optimizers import *\n"
                    "from autograder.mistakes.variants import *\n")
    proc = run_cli("grade", "optimizers", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0
    result = json.loads((tmp_path / "out" / "cheat.json").read_text())
    assert result["score"] == 0, "a submission imported the reference implementations"
    assert "ModuleNotFoundError" in result["message"] or "ImportError" in result["message"]


def test_monkeypatching_numpy_in_the_submission_does_not_fool_the_grader(tmp_path):
    base = (EXAMPLES / "optimizers" / "alice_correct.py").read_text()
    patched = replace_function(base, "sgd", '''
def sgd(w, dw, config=None):
    np.allclose = lambda *a, **k: True
    np.array_equal = lambda *a, **k: True
    np.testing.assert_allclose = lambda *a, **k: None
    np.abs = lambda x: 0 * x
    return w, config or {}
''')
    path = tmp_path / "patcher.py"
    path.write_text(patched)
    proc = run_cli("grade", "optimizers", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0
    result = json.loads((tmp_path / "out" / "patcher.json").read_text())
    points = per_function(result)
    assert points["sgd"][0] == 0
    assert all(got == pytest.approx(most) for f, (got, most) in points.items() if f != "sgd")


@pytest.mark.slow
def test_infinite_loop_at_top_level_ends_in_a_timeout_result(tmp_path):
    path = tmp_path / "spinner.py"
    path.write_text("import numpy as np\nwhile True:\n    pass\n")
    proc = run_cli("grade", "gradient_check", str(path), "--out", str(tmp_path / "out"), "--timeout", "2",
                   "--quiet", timeout=120)
    assert proc.returncode == 0
    result = json.loads((tmp_path / "out" / "spinner.json").read_text())
    check_contract(result, "gradient_check")
    assert result["status"] == "timeout" and result["score"] == 0
    assert "did not finish loading" in result["message"]


# ------------------------------------------------------------------ notebook syntax --

def _notebook(tmp_path, name, cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _alice_cells(assignment):
    """alice_correct.py split into one cell per top-level statement group (imports, then each function)."""
    source = (EXAMPLES / assignment / "alice_correct.py").read_text()
    chunks = source.split("\n\n\ndef ")
    return [chunks[0]] + ["def " + c for c in chunks[1:]]


def test_cell_magic_time_keeps_the_cells_definitions(tmp_path):
    """In Jupyter, %%time (or %%capture) runs the cell's Python: its functions exist afterwards."""
    cells = _alice_cells("initialization")
    index = next(i for i, c in enumerate(cells) if c.startswith("def orthogonal"))
    cells[index] = "%%time\n" + cells[index] + "\nW = orthogonal(300, 100, np.random.default_rng(0))"
    index = next(i for i, c in enumerate(cells) if c.startswith("def xavier_normal"))
    cells[index] = "%%capture captured\n" + cells[index] + "\nprint(xavier_normal(3, 4, np.random.default_rng(0)))"
    _, result = grading.grade("initialization", _notebook(tmp_path, "timed", cells))
    assert result["score"] == pytest.approx(result["max_score"]), failures(result)


def test_a_continuation_line_starting_with_percent_is_python(tmp_path):
    """Only a line that starts a statement can be a magic; '% n' continuing an expression is the modulo operator."""
    cells = _alice_cells("optimizers")
    index = next(i for i, c in enumerate(cells) if c.startswith("def step_decay"))
    cells[index] = ('def step_decay(lr0, epoch, drop=0.1, every=30):\n'
                    '    label = ("epoch %d"\n'
                    '             % epoch)\n'
                    '    return lr0 * drop ** (epoch // every)\n')
    _, result = grading.grade("optimizers", _notebook(tmp_path, "modulo", cells))
    assert result["score"] == pytest.approx(result["max_score"]), failures(result)


def test_line_magics_and_shell_lines_in_any_indentation_are_harmless(tmp_path):
    cells = _alice_cells("regularization")
    cells.insert(1, "%load_ext autoreload\n%autoreload 2\nfiles = !ls\nhelp?\n!pip install nothing\n")
    index = next(i for i, c in enumerate(cells) if c.startswith("def l2_regularization"))
    cells[index] = cells[index].replace("    loss = ", "    %time _ = 1\n    !echo hi\n    loss = ", 1)
    _, result = grading.grade("regularization", _notebook(tmp_path, "magics", cells))
    assert result["score"] == pytest.approx(result["max_score"]), failures(result)
    assert result["status"] == "graded" and "raised" not in result["message"], result["message"]


def test_help_on_an_attribute_does_not_cost_the_cell(tmp_path):
    """`np.random.default_rng?` and `obj??` are IPython help, like `name?`."""
    cells = _alice_cells("regularization")
    index = next(i for i, c in enumerate(cells) if c.startswith("def l1_regularization"))
    cells[index] = "np.sign?\nnp.random.default_rng??\n" + cells[index]
    _, result = grading.grade("regularization", _notebook(tmp_path, "helpme", cells))
    assert result["score"] == pytest.approx(result["max_score"]), failures(result)


# ------------------------------------------------------------------ the grader's own failures --

def test_a_grader_failure_on_one_submission_costs_only_that_submission(tmp_path, monkeypatch):
    """An exception escaping grading for one submission becomes its error result; the rest
    are kept and grades.csv is written."""
    import csv
    import types

    from autograder import batch

    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text("x = 1\n")
    bad.write_text("x = 2\n")

    def grade(assignment, path, options=None):
        if path.name == "bad.py":
            raise RuntimeError("boom in the grader")
        return "good", grading.unreadable(assignment, "good", path, checks.suite(assignment), "fake").to_json()

    monkeypatch.setattr(grading, "grade", grade)
    options = grading.Options(isolation=types.SimpleNamespace(level="none"))
    results = batch.grade_batch("optimizers", [good, bad], tmp_path / "out", options, workers=2, quiet=True)
    assert sorted(r["student"] for r in results) == ["bad", "good"]
    bad_result = json.loads((tmp_path / "out" / "bad.json").read_text())
    check_contract(bad_result, "optimizers")
    assert bad_result["status"] == "error"
    assert "the grader could not grade this submission (RuntimeError: boom in the grader)" in bad_result["message"]
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert sorted(r["student"] for r in rows) == ["bad", "good"]


def test_sizes_and_kinds_of_file_are_checked_before_reading(tmp_path):
    import os

    from autograder import submission

    huge = tmp_path / "huge" / "optimizers.py"
    huge.parent.mkdir()
    with open(huge, "wb") as handle:
        handle.truncate(1 << 40)          # a terabyte, empty on disk: reading it would never end
    too_big = "is 1099511627776 bytes (1048576.0 MiB); submissions are limited to 20971520 bytes (20.0 MiB)"
    with pytest.raises(submission.SubmissionError, match=re.escape(too_big)):
        submission.load(huge.parent, "optimizers")

    fifo = tmp_path / "fifo" / "optimizers.py"
    fifo.parent.mkdir()
    os.mkfifo(fifo)                       # opening it for reading would block forever
    with pytest.raises(submission.SubmissionError, match="is not a regular file"):
        submission.load(fifo.parent, "optimizers")

    outside = tmp_path / "outside" / "optimizers.py"
    outside.parent.mkdir()
    os.symlink(EXAMPLES / "optimizers" / "alice_correct.py", outside)
    with pytest.raises(submission.SubmissionError, match="symbolic link to a file outside the submission's folder"):
        submission.load(outside.parent, "optimizers")
    with pytest.raises(submission.SubmissionError, match="outside the submission's folder"):
        submission.load(outside, "optimizers")   # the file itself: its folder is the submission's

    inside = tmp_path / "inside"
    (inside / "work").mkdir(parents=True)
    (inside / "work" / "mine.txt").write_text("x = 1\n")
    os.symlink("work/mine.txt", inside / "optimizers.py")
    loaded = submission.load(inside, "optimizers")
    assert loaded.data == b"x = 1\n" and loaded.kind == "python"


def test_two_paths_to_one_file_are_one_submission(tmp_path, monkeypatch):
    import os
    import types

    from autograder import batch

    graded = []

    def grade(assignment, path, options=None):
        graded.append(path)
        name = path.parent.name
        return name, grading.unreadable(assignment, name, path, checks.suite(assignment), "fake").to_json()

    monkeypatch.setattr(grading, "grade", grade)
    for student in ("ann", "ben"):
        (tmp_path / "submitted" / student / "optimizers").mkdir(parents=True)
    ann = tmp_path / "submitted" / "ann" / "optimizers" / "optimizers.py"
    ann.write_text("x = 1\n")
    os.link(ann, tmp_path / "submitted" / "ben" / "optimizers" / "optimizers.py")
    paths = [ann.parent, ann, tmp_path / "submitted" / "ben" / "optimizers"]
    options = grading.Options(isolation=types.SimpleNamespace(level="none"))
    results = batch.grade_batch("optimizers", paths, tmp_path / "out", options, workers=1, quiet=True)
    assert len(graded) == 1
    assert sorted(r["student"] for r in results) == ["ann", "ben"]
    ben = next(r for r in results if r["student"] == "ben")
    assert ben["status"] == "error" and "the same file as the submission of ann" in ben["message"]
