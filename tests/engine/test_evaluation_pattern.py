"""Where a gradient check evaluated f (``sandbox/inside/patterns.py``), judged from the record.

Each wrong pattern is written out as a record of evaluation points, as the grader's side of
f keeps it, and judged by the graded case's own judge: centred differences at ±h pass
(with or without an extra f(x), with round-off left in x); one-sided differences, another
step, points off the axes, coordinates never evaluated, a repeated sparse coordinate, too
many evaluations and a wrong-shaped call fail, each with its name.
"""
from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from autograder import checks
from autograder.checks import gradient_check
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import catalogue
from autograder.references import gradient_check as reference
from autograder.sandbox.inside import compare, oracle, patterns

SUITE = {c.name: c for c in checks.suite("gradient_check")}
MATRIX = SUITE["eval_numerical_gradient: matrix, h = 1e-4"]      # h = 1e-4 given
SPARSE = SUITE["grad_check_sparse: vector of 40"]                 # 10 checks, h = 1e-5, three calls


def _received(case, points, calls=None, refused=""):
    """The reference's outputs on ``case`` with the record of evaluations replaced."""
    raw = {key: value for key, value in _reference_raw(case).items()}
    points = np.asarray(points, dtype=np.float64).reshape((-1,) + case.inputs["x"].shape)
    calls = np.zeros(len(points), dtype=np.int64) if calls is None else np.asarray(calls, dtype=np.int64)
    raw["evaluations"] = {"points": points, "calls": calls, "refused": refused}
    return compare.decode_outputs(*compare.encode_outputs(raw))


def _reference_raw(case):
    from autograder.sandbox.inside import probes
    functions = reference_functions(reference)
    return probes.PROBES[case.probe](lambda name: functions[name], case.inputs)


def _moved(x, index, step):
    z = np.array(x, dtype=np.float64, copy=True)
    z.flat[index] += step
    return z


def _centred(x, h, coordinates=None):
    coordinates = range(x.size) if coordinates is None else coordinates
    return [p for i in coordinates for p in (_moved(x, i, h), _moved(x, i, -h))]


def _named(verdict, mistake_id):
    return mistake_id in verdict.mistake_ids


X, H = MATRIX.inputs["x"], MATRIX.inputs["h"]


def test_the_reference_pattern_passes_and_the_record_is_its_own():
    outputs = run_probe_locally(MATRIX, reference_functions(reference))
    record = outputs["evaluations"].value["points"].value
    assert record.shape == (2 * X.size,) + X.shape
    assert MATRIX.judge(MATRIX, outputs).passed


def test_an_extra_evaluation_at_x_and_round_off_in_x_are_allowed():
    drifted = np.array(X, copy=True)
    drifted.flat[0] = np.nextafter(drifted.flat[0], np.inf)   # x[i] += h; x[i] -= h leaves an ulp behind
    points = [X] + _centred(X, H)[:2] + [p + (drifted - X) for p in _centred(X, H)[2:]]
    assert MATRIX.judge(MATRIX, _received(MATRIX, points)).passed


def test_forward_differences_are_named():
    points = [X] + [_moved(X, i, H) for i in range(X.size)]
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, points))
    assert not verdict.passed
    assert "forward differences: f was evaluated at x + h e_i but never at x − h e_i" in verdict.message
    assert verdict.diagnosis == catalogue.by_id("forward-difference").text()


def test_backward_differences_are_named_too():
    points = [X] + [_moved(X, i, -H) for i in range(X.size)]
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, points))
    assert not verdict.passed and "backward differences" in verdict.message
    assert _named(verdict, "forward-difference")


def test_another_step_is_named_with_both_values():
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, _centred(X, 1e-5)))
    assert not verdict.passed
    assert "used h = 1e-5 instead of the given 1e-4" in verdict.message
    assert verdict.diagnosis == catalogue.by_id("ignores-given-h").text()


def test_points_off_the_axes_are_named():
    points = _centred(X, H)
    points[3] = _moved(points[3], 5, H)   # two coordinates moved at once
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, points))
    assert not verdict.passed and "evaluated f at points that are not x ± h e_i" in verdict.message
    assert verdict.mistake_id == patterns.PATTERNS["stray"][0]
    mixed = _centred(X, H)
    mixed[0] = _moved(X, 0, 2 * H)
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, mixed))
    assert not verdict.passed and "steps other than h = 1e-4" in verdict.message


def test_never_evaluating_f_is_named_whatever_the_answer():
    verdict = MATRIX.judge(MATRIX, _received(MATRIX, np.zeros((0,) + X.shape)))
    assert not verdict.passed   # the reference's own gradient, but f was never asked: a closed form
    assert "f was never evaluated at x ± h e_i" in verdict.message
    assert verdict.mistake_id == patterns.PATTERNS["missing"][0]
    some = MATRIX.judge(MATRIX, _received(MATRIX, _centred(X, H, range(X.size - 2))))
    assert not some.passed and "for 2 of 12 coordinates" in some.message


def test_a_refused_record_fails_with_its_reason():
    too_many = MATRIX.judge(MATRIX, _received(MATRIX, _centred(X, H), refused=f"{oracle.TOO_MANY} 80 times"))
    assert not too_many.passed and too_many.diagnosis == catalogue.by_id("too-many-evaluations").text()
    wrong_shape = MATRIX.judge(MATRIX, _received(MATRIX, _centred(X, H), refused="f was called with an array of "
                                                                                   "shape (3,)"))
    assert not wrong_shape.passed and wrong_shape.mistake_id == patterns.PATTERNS["refused"][0]
    assert "shape (3,)" in wrong_shape.message


def test_an_unreadable_record_fails():
    outputs = dict(_received(MATRIX, _centred(X, H)))
    del outputs["evaluations"]
    verdict = MATRIX.judge(MATRIX, outputs)
    assert not verdict.passed and "record of where f was evaluated is missing" in verdict.message


SX, SH = SPARSE.inputs["x"], SPARSE.inputs["h"]


def _sparse_record(coordinates_per_call):
    points, calls = [], []
    for call, coordinates in enumerate(coordinates_per_call):
        for i in coordinates:
            points += [_moved(SX, i, SH), _moved(SX, i, -SH)]
            calls += [call, call]
    return points, calls


def test_a_sparse_check_may_draw_a_coordinate_twice_but_not_check_one_coordinate_only():
    usual = [3, 17, 3, 25, 8, 39, 0, 12, 30, 5]   # with replacement: 3 twice is what random draws do
    points, calls = _sparse_record([usual, usual, usual[::-1]])
    assert SPARSE.judge(SPARSE, _received(SPARSE, points, calls)).passed
    points, calls = _sparse_record([[7] * 10, [7] * 10, [9] * 10])
    verdict = SPARSE.judge(SPARSE, _received(SPARSE, points, calls))
    assert not verdict.passed and "repeated coordinate in call 1 of 3" in verdict.message
    assert verdict.diagnosis == catalogue.by_id("sparse-repeated-coordinate").text()
    points, calls = _sparse_record([usual, usual, [9] * 10])
    verdict = SPARSE.judge(SPARSE, _received(SPARSE, points, calls))
    assert not verdict.passed and "call 3 of 3" in verdict.message


def test_a_sparse_forward_difference_is_named():
    points = [_moved(SX, i, SH) for i in range(10)]
    verdict = SPARSE.judge(SPARSE, _received(SPARSE, points, [0] * 10))
    assert not verdict.passed and verdict.diagnosis == catalogue.by_id("sparse-forward-difference").text()


def _exact_fewest_distinct(size, draws, probability=Fraction(1, 10**8)):
    """By inclusion and exclusion, exactly: P(D = j) = C(N, j) sum_i (-1)^i C(j, i) ((j - i)/N)^k."""
    def p(j):
        return comb(size, j) * sum((-1) ** i * comb(j, i) * Fraction(j - i, size) ** draws for i in range(j + 1))
    total, fewest = Fraction(0), 0
    for j in range(1, draws + 1):
        total += p(j)
        if total > probability:
            break
        fewest = j
    return fewest + 1 if fewest else 1


@pytest.mark.parametrize("size, draws", [(40, 10), (72, 7), (60, 12), (2, 30), (5, 3), (1000, 2)])
def test_the_fewest_distinct_coordinates_follow_the_exact_occupancy_law(size, draws):
    assert gradient_check.fewest_distinct(size, draws) == _exact_fewest_distinct(size, draws)


# ------------------------------------------- the bank's gradient-check entries, in the self-check --

NEW_BANK = ("closure_cheat", "forward_difference", "sparse_repeated_coordinate", "array_no_copy_2015",
            "positional_h_ignored", "evaluation_spray")


@pytest.fixture(scope="module")
def selfcheck(tmp_path_factory):
    from autograder.course import selfcheck_build
    folder = tmp_path_factory.mktemp("selfcheck")
    selfcheck_build.build("gradient_check", folder)
    module = selfcheck_build.load_module(folder / "selfcheck.py")
    module.DATA_FILE = str(folder / "selfcheck_data.npz")
    return module


@pytest.mark.parametrize("name", NEW_BANK)
def test_the_self_check_names_the_bank_entry_and_passes_its_other_functions(selfcheck, name):
    from engine_support import WRONG, compose, meta

    path = WRONG / "gradient_check" / f"{name}.py"
    namespace = {"__name__": "bank"}
    exec(compile(compose(path), path.name, "exec"), namespace)
    declared = meta(path)
    for function in checks.functions("gradient_check"):
        status, (rows, _) = selfcheck.run_checks(function, namespace[function], namespace)
        assert status == "ok"
        if function != declared["breaks"]:
            assert all(row["passed"] for row in rows), (function, rows)
            continue
        named = [row for row in rows if not row["passed"] and declared["mistake"] in row["mistake_ids"]]
        assert named, rows
