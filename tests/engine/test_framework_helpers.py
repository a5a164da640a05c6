"""Unit tests of the comparison helpers in ``autograder/checks/framework.py`` and the
bounds in ``autograder/checks/statistics.py``: each must reject wrong answers, and
say what was received, what was expected, where, and how it was measured."""
from __future__ import annotations

import functools

import math
import types

import numpy as np
import pytest
import scipy.stats as st

from autograder import checks
from autograder.checks import framework as fw
from autograder.sandbox.inside import compare
from autograder.checks import statistics
from autograder.mistakes import catalogue, variants
from autograder.references import optimizers as ref_optimizers
from autograder.sandbox.inside import wire

TOL = fw.Tolerance(rtol=1e-6, atol=1e-12)


def received(value):
    """A value as the grader receives it from the sandbox."""
    arrays: list = []
    tree = wire.encode_value(value, arrays)
    return wire.decode_value(tree, arrays)


# ------------------------------------------------------------------ relative_errors --

def test_relative_errors_is_the_course_formula():
    r = np.array([1.0, 0.0, 0.0, 1e-12, -2.0])
    e = np.array([1.1, 0.0, 3.0, 0.0, 2.0])
    np.testing.assert_allclose(fw.relative_errors(r, e), [0.1 / 2.1, 0.0, 1.0, 1e-4, 1.0])


def test_max_relative_error_rejects_shape_mismatch_empty_and_nan():
    assert fw.max_relative_error(np.ones(3), np.ones(4)) == math.inf
    assert fw.max_relative_error(np.ones(0), np.ones(0)) == 0.0  # two equal empty arrays
    assert fw.max_relative_error(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == math.inf
    assert fw.max_relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert fw.max_relative_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(0.2)


# ------------------------------------------------------------------------- as_array --

@pytest.mark.parametrize("value,fragment", [
    (None, "is None; expected a numpy array"),
    ([1.0, 2.0], "wrap it with np.array"),
    ((1.0, 2.0), "wrap it with np.array"),
    ("1.0", "str '1.0'"),
    (np.array([True, False]), "dtype bool"),
    (np.array(["a", "b"]), "numpy.ndarray of dtype <U1"),
    (np.array([object()]), "dtype object"),
    ({"a": 1}, "dict"),
    (3.5, "float 3.5; expected a numpy array"),
])
def test_as_array_rejects_what_is_not_a_numeric_array(value, fragment):
    array, problem = fw.as_array(received(value), "the output")
    assert array is None
    assert problem.startswith("the output") and fragment in problem, problem


def test_as_array_missing_output():
    array, problem = fw.as_array(None, "dW")
    assert array is None and problem == "dW is missing from the output"


def test_as_array_accepts_numbers_arrays_and_scalars_when_allowed():
    for value in (np.arange(3), np.arange(3, dtype=np.float32), np.arange(3, dtype=np.int8)):
        array, problem = fw.as_array(received(value), "x")
        assert problem == "" and array.dtype == np.float64
        np.testing.assert_array_equal(array, [0, 1, 2])
    for value in (2, 2.5, np.float64(2.5), np.float32(2.5)):
        array, problem = fw.as_array(received(value), "loss", allow_scalar=True)
        assert problem == "" and array.shape == () and float(array) == float(value)
    array, problem = fw.as_array(received(True), "loss", allow_scalar=True)
    assert array is None and "bool" in problem


# ---------------------------------------------------------------------- compare_array --

def test_compare_array_accepts_equal_and_within_tolerance():
    e = np.array([[1.0, -2.0], [0.0, 1e6]])
    assert fw.compare_array(e.copy(), e, TOL, "w") is None
    assert fw.compare_array(e * (1 + 5e-7), e, TOL, "w") is None
    assert fw.compare_array(np.array([5e-13]), np.array([0.0]), TOL, "w") is None


def test_compare_array_rejects_a_small_difference_beyond_tolerance_and_says_everything():
    e = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, 6.0]])
    r = e.copy()
    r[1, 2] = 6.0 * (1 + 1e-5)
    r[0, 1] = -2.0 * (1 + 2e-6)
    message = fw.compare_array(r, e, TOL, "the weights")
    assert message is not None
    assert message.startswith("the weights differs from the expected value in 2 of 6 entries")
    assert "the first differing entry is at index (0, 1)" in message
    assert "received 6.00006, expected 6 at index (1, 2)" in message        # the worst one
    assert "relative error 5.00e-06" in message and "|r-e|/max(1e-8, |r|+|e|)" in message
    assert TOL.describe() in message


def test_compare_array_rejects_wrong_shape_even_when_broadcastable():
    message = fw.compare_array(np.ones((3, 1)), np.ones((3,)), TOL, "dW")
    assert message == "dW has shape (3, 1); expected shape (3,)"
    assert fw.compare_array(np.ones(()), np.ones((1,)), TOL, "loss") is not None


def test_compare_array_rejects_nan_and_wrong_infinities():
    e = np.array([1.0, 2.0, 3.0])
    message = fw.compare_array(np.array([1.0, np.nan, 3.0]), e, TOL, "w")
    assert "contains NaN at 1 of 3 entries" in message and "index [1]" in message and "2 was expected" in message
    assert fw.compare_array(np.array([1.0, np.inf, 3.0]), e, TOL, "w") is not None
    assert fw.compare_array(np.array([np.inf]), np.array([np.inf]), TOL, "w") is None


def test_compare_array_rejects_anything_but_the_same_infinity():
    """With e = inf the tolerance atol + rtol·|e| is inf too, so the test |r - e| <= tol
    alone would accept every received value; a finite value or the other infinity must fail."""
    assert fw.compare_array(np.array([-np.inf]), np.array([np.inf]), TOL, "w") is not None
    assert fw.compare_array(np.array([5.0]), np.array([np.inf]), TOL, "w") is not None
    assert fw.compare_array(np.array([0.0, 1.0]), np.array([-np.inf, 1.0]), TOL, "w") is not None
    assert fw.compare_array(np.array([np.nan]), np.array([np.nan]), TOL, "w") is None
    # a NaN where the expected value is NaN does not hide another difference
    assert fw.compare_array(np.array([np.nan, 1.0]), np.array([np.nan, 2.0]), TOL, "w") is not None


def test_compare_array_on_scalars_gives_no_index():
    message = fw.compare_array(np.asarray(0.5), np.asarray(0.25), TOL, "the loss")
    assert message is not None and "index" not in message
    assert "received 0.5, expected 0.25" in message


def test_compare_array_zero_tolerance_rejects_any_change():
    strict = fw.Tolerance(rtol=0.0, atol=0.0)
    x = np.array([1.0, 2.0])
    assert fw.compare_array(x.copy(), x, strict, "x") is None
    assert fw.compare_array(np.nextafter(x, 3), x, strict, "x") is not None


# ------------------------------------------------------------------- _pick, first_difference --

def test_pick_follows_tuple_paths_and_rejects_bad_ones():
    outputs = received({"return": (np.ones(2), 3.0), "weights": np.zeros(2)}).value
    assert compare.pick(outputs, "weights").kind == "array"
    assert compare.pick(outputs, "return.1").value == 3.0
    assert compare.pick(outputs, "return.2") is None
    assert compare.pick(outputs, "return.x") is None
    assert compare.pick(outputs, "weights.0") is None
    assert compare.pick(outputs, "missing") is None


def test_first_difference_checks_every_output_in_order():
    spec = [fw.Output("loss", "the loss", scalar=True).spec(), fw.Output("dW", "dW").spec()]
    expected = {"loss": np.asarray(1.5), "dW": np.ones(3)}

    def first(outputs):
        return compare.first_difference(received(outputs).value, expected, spec, TOL.rtol, TOL.atol, {})[0]
    assert first({"loss": 1.5, "dW": np.ones(3)}) is None
    assert first({"loss": 1.5, "dW": np.ones(3) * 2}).startswith("dW")
    assert first({"loss": 2.5, "dW": np.ones(3) * 2}).startswith("the loss")
    assert "missing" in first({"loss": 1.5})
    assert "list" in first({"loss": 1.5, "dW": [1.0, 1.0, 1.0]})


# ------------------------------------------------------------------------ matches_reference --

def _sgd_case():
    return next(c for c in checks.suite("optimizers") if c.name == "sgd: custom config, large weights")


def _outputs_of(case, **overrides):
    functions = fw.reference_functions(ref_optimizers)
    functions.update(overrides)
    return fw.run_probe_locally(case, functions)


def test_matches_reference_passes_the_reference_and_fails_and_names_a_variant():
    case = _sgd_case()
    assert case.judge(case, _outputs_of(case)).passed
    ascent = next(m for m in catalogue.CATALOGUE if m.id == "sgd-ascent")
    verdict = case.judge(case, _outputs_of(case, sgd=functools.partial(variants.sgd, **ascent.knobs)))
    assert not verdict.passed
    assert verdict.diagnosis == ascent.text()
    assert verdict.message.startswith(case.setting)
    assert "expected value is the reference implementation's output on the same input" in verdict.message


def test_matches_reference_names_nothing_for_an_uncatalogued_mistake():
    case = _sgd_case()
    half = lambda w, dw, config=None: ref_optimizers.sgd(w, dw / 2, config)
    verdict = case.judge(case, _outputs_of(case, sgd=half))
    assert not verdict.passed and verdict.diagnosis is None


def test_matches_reference_survives_a_variant_that_raises(monkeypatch):
    case = _sgd_case()

    def broken_variant(*args, **kwargs):
        raise ZeroDivisionError("variant blew up")
    monkeypatch.setattr(variants, "sgd", broken_variant)
    half = lambda w, dw, config=None: ref_optimizers.sgd(w, dw / 2, config)
    verdict = case.judge(case, _outputs_of(case, sgd=half))
    assert not verdict.passed and verdict.diagnosis is None


def test_variant_functions_and_reference_functions():
    module = types.SimpleNamespace(public=lambda: 1, _private=lambda: 2, constant=3)
    assert set(fw.reference_functions(module)) == {"public"}
    for assignment in checks.ASSIGNMENTS:
        module = __import__(f"autograder.references.{assignment}", fromlist=["x"])
        functions = fw.reference_functions(module)
        assert set(checks.functions(assignment)) <= set(functions)
        for function in checks.functions(assignment):
            for mistake, wrong in fw.variant_functions(functions, function):
                assert wrong[function].keywords == mistake.knobs
                assert all(wrong[f] is functions[f] for f in functions if f != function)


def test_split_points_shares_each_functions_points_equally():
    judge = lambda case, outputs: fw.Verdict(True)
    cases = [fw.Case(f"f{i}", "f", "call", {}, judge) for i in range(3)] + [fw.Case("g", "g", "call", {}, judge)]
    fw.split_points(cases, {"f": 10.0, "g": 4.0})
    assert [c.points for c in cases[:3]] == [pytest.approx(10 / 3)] * 3
    assert cases[3].points == 4.0


def test_run_probe_locally_decodes_like_the_sandbox():
    """Outputs cross the wire format: plain ndarrays (never subclasses), typed scalars, opaque objects."""
    case = fw.Case("probe", "f", "call", {"function": "f", "args": [np.arange(3.0)]}, judge=None)
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True
    outputs = fw.run_probe_locally(case, {"f": lambda x: (np.ma.masked_array(x), x.view(Sneaky), object(), 2)})
    items = outputs["return"].value
    assert [i.kind for i in items] == ["array", "array", "opaque", "int"]
    assert type(items[0].value) is np.ndarray and type(items[1].value) is np.ndarray
    assert outputs["args_after"].value[0].kind == "array"


def test_run_probe_locally_gives_the_function_copies():
    """A function that scribbles on its input must not change the case's inputs."""
    x = np.arange(4.0)
    case = fw.Case("probe", "f", "call", {"function": "f", "args": [x]}, judge=None)

    def scribble(a):
        a[:] = -1
        return a
    fw.run_probe_locally(case, {"f": scribble})
    np.testing.assert_array_equal(x, np.arange(4.0))


# ------------------------------------------------------------------------- statistics --

def test_normal_quantile_has_the_stated_tail():
    assert 2 * st.norm.sf(statistics.Z) <= statistics.DELTA * 1.01
    assert statistics.LOG_TERM == pytest.approx(math.log(2 / statistics.DELTA))
    assert statistics.normal_mean_halfwidth(100, 2.0) == pytest.approx(statistics.Z * 0.2)


@pytest.mark.parametrize("n", [1000, 131_072, 400_000])
def test_chi_square_bounds_are_conservative(n):
    lo, hi = statistics.chi_square_relative_bounds(n)
    assert st.chi2.cdf(lo * n, n) + st.chi2.sf(hi * n, n) <= statistics.DELTA
    if n == 131_072:
        assert abs(lo - 0.9759) < 1e-4 and abs(hi - 1.0244) < 1e-4   # as documented


@pytest.mark.parametrize("n,p", [(1000, 0.5), (50_000, 0.3), (200_000, 0.8)])
def test_hoeffding_halfwidth_bounds_the_exact_binomial_tail(n, p):
    t = statistics.hoeffding_halfwidth(n, 1.0)
    k_lo, k_hi = math.ceil(n * (p - t)), math.floor(n * (p + t))
    tail = st.binom.cdf(k_lo - 1, n, p) + st.binom.sf(k_hi, n, p)
    assert tail <= statistics.DELTA


def test_a_copy_of_a_case_with_other_inputs_is_judged_afresh():
    """Judges keep what they computed on the case itself, so dataclasses.replace (another seed,
    other inputs) cannot reuse a stale entry."""
    import dataclasses

    case = _sgd_case()
    first = case.judge.entry(case)
    inputs = dict(case.inputs, w0=case.inputs["w0"] + 1.0)
    moved = dataclasses.replace(case, inputs=inputs)
    assert moved.memo == {}
    assert not np.array_equal(case.judge.entry(moved)["expected"]["weights"], first["expected"]["weights"])
    assert case.judge.entry(case) is first
