"""A gradient check's f, end to end through the real sandbox (bubblewrap).

Submissions built on the correct gradient_check solution, each with one function that
misuses f: calls it with the wrong shape, catches the refusal and carries on, or forges
evaluation requests on the protocol and never reads the answers. Each loses exactly that
function's points with a message that says why; the grader finishes; the other functions
keep theirs.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder import checks, grading
from sandbox_corpus import full_isolation

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "examples" / "submissions" / "gradient_check" / "alice_correct.py"

WRONG_SHAPE = '''
def eval_numerical_gradient(f, x, h=1e-5):
    f(x.reshape(-1)[:3])
    grad = np.zeros(x.shape)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
    return grad
'''

SWALLOWS_THE_REFUSAL = '''
def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        total = count = 0.0
        for _ in range(60):
            try:
                x[ix] = old + h
                fxph = f(x)
                x[ix] = old - h
                fxmh = f(x)
            except BaseException:
                continue
            finally:
                x[ix] = old
            total += (fxph - fxmh) / (2 * h)
            count += 1
        grad[ix] = total / max(count, 1)
    return grad
'''

NEVER_READS_ANSWERS = '''
def eval_numerical_gradient_array(f, x, df, h=1e-5):
    import json, os, stat, struct
    point = np.ascontiguousarray(x, dtype=np.float64)
    header = json.dumps({"type": "evaluate", "call": 0, "arrays": [
        {"dtype": "float64", "shape": list(point.shape), "nbytes": point.nbytes}]}).encode()
    frame = struct.pack(">I", len(header)) + header + point.tobytes()
    pipes = [fd for fd in range(3, 64) if _is_fifo(fd)]
    for _ in range(5000):
        for fd in pipes:
            try:
                os.write(fd, frame)
            except OSError:
                pass
    return np.zeros(x.shape)


def _is_fifo(fd):
    import os, stat
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
'''


def _compose(new: str) -> str:
    source = BASE.read_text()
    tree = ast.parse(source)
    replaced = {n.name for n in ast.parse(new).body if isinstance(n, ast.FunctionDef)}
    lines = source.splitlines(keepends=True)
    for node in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in replaced),
                       key=lambda n: -n.lineno):
        del lines[node.lineno - 1:node.end_lineno]
    return "".join(lines) + "\n" + new


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    iso = full_isolation()
    folder = tmp_path_factory.mktemp("oracle") / "gradient_check"
    folder.mkdir()
    out = {}
    for name, code in (("wrong_shape", WRONG_SHAPE), ("swallows_the_refusal", SWALLOWS_THE_REFUSAL),
                       ("never_reads_answers", NEVER_READS_ANSWERS)):
        path = folder / f"{name}.py"
        path.write_text(_compose(code))
        out[name] = grading.grade("gradient_check", path, grading.Options(isolation=iso, timeout=10))[1]
    return out


def _points(result):
    totals = {}
    for t in result["tests"]:
        got, most = totals.get(t["function"], (0.0, 0.0))
        totals[t["function"]] = (got + t["points"], most + t["max_points"])
    return totals


def _only_loses(result, function):
    assert result["status"] == "graded" and result["isolation"] == "full", result["message"]
    for name, (got, most) in _points(result).items():
        assert (got < most) if name == function else got == pytest.approx(most), (name, result["tests"])
    return [t for t in result["tests"] if t["function"] == function]


def test_a_wrong_shaped_call_of_f_fails_that_function_with_the_reason(graded):
    tests = _only_loses(graded["wrong_shape"], "eval_numerical_gradient")
    assert all(t["status"] == "failed" for t in tests)
    assert all("f was called with an array of shape (3,)" in t["message"] for t in tests), tests


def test_a_submission_that_catches_the_refusal_still_fails_with_the_name(graded):
    tests = _only_loses(graded["swallows_the_refusal"], "eval_numerical_gradient")
    assert all(t["status"] == "failed" and t["mistake_id"] == "too-many-evaluations" for t in tests), tests


def test_forged_requests_never_read_cost_that_function_only(graded):
    tests = _only_loses(graded["never_reads_answers"], "eval_numerical_gradient_array")
    assert all(t["status"] in ("timeout", "error", "failed") for t in tests)
    assert set(checks.functions("gradient_check")) == set(_points(graded["never_reads_answers"]))
