"""Judges of single checks, on wrong answers a check exists to catch or must describe well.

Each test builds the outputs of a (wrong or alternative) implementation with
``run_probe_locally`` and asks the case's judge, as the grader does.
"""
from __future__ import annotations

import functools

import numpy as np

from autograder import checks
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import variants
from autograder.references import gradient_check as ref_gradient_check
from autograder.references import initialization as ref_initialization
from autograder.references import regularization as ref_regularization


def _verdicts(assignment, reference, function, implementation, name_contains=""):
    functions = reference_functions(reference)
    functions[function] = implementation
    out = []
    for case in checks.suite(assignment):
        if case.function == function and name_contains in case.name:
            with np.errstate(all="ignore"):
                out.append((case, case.judge(case, run_probe_locally(case, functions))))
    assert out, f"no case of {function} matching {name_contains!r}"
    return out


def test_expectation_check_rejects_non_inverted_dropout():
    """'Preserves the expectation' must catch the mistake it exists for.

    x is drawn with random signs, so mean(x) is about 0 and mean(out - x) stays
    inside the bound whatever the scale of the kept units: out = x·mask (no 1/p)
    gives mean(out - x) = -(1-p)·mean(x) ≈ 0.
    """
    [(case, verdict)] = _verdicts("regularization", ref_regularization, "dropout_forward",
                                  functools.partial(variants.dropout_forward, not_inverted=True),
                                  "preserves the expectation")
    assert not verdict.passed, verdict.message


def test_l1_gradient_is_checked_where_w_is_zero():
    """reg·W/|W| is reg·sign(W) except at W == 0, where it is NaN."""
    def l1_nan_at_zero(W, reg):
        return float(reg * np.sum(np.abs(W))), reg * W / np.abs(W)
    results = _verdicts("regularization", ref_regularization, "l1_regularization", l1_nan_at_zero)
    failed = [v for _, v in results if not v.passed]
    assert failed and "NaN" in failed[0].message


def test_numerical_gradient_on_a_truly_strided_x():
    """Writing through x.reshape(-1) works only when reshape returns a view; some test's x must not allow it."""
    def through_reshape(f, x, h=1e-5):
        flat = x.reshape(-1)
        grad = np.zeros(x.size)
        for i in range(x.size):
            old = flat[i]
            flat[i] = old + h
            fp = f(x)
            flat[i] = old - h
            fm = f(x)
            flat[i] = old
            grad[i] = (fp - fm) / (2 * h)
        return grad.reshape(x.shape)
    results = _verdicts("gradient_check", ref_gradient_check, "eval_numerical_gradient", through_reshape)
    assert [c.name for c, v in results if not v.passed] == ["eval_numerical_gradient: non-contiguous x"]


def test_sparse_check_returning_zeros_is_not_blamed_on_the_seed():
    """All-zero errors are wrong values; the message must not say the seed was ignored."""
    results = _verdicts("gradient_check", ref_gradient_check, "grad_check_sparse",
                        lambda f, x, analytic_grad, num_checks=10, h=1e-5, seed=0: np.zeros(num_checks))
    for case, verdict in results:
        assert not verdict.passed
        assert "seed" not in verdict.message.split(case.setting, 1)[-1], verdict.message


def test_rel_error_in_the_inputs_float32_precision_passes():
    """rel_error of float32 arrays computed in float32 (no cast) is correct to float32 precision,
    about 1e-7 relative; only the float32 case can tell, and it should not cost the point."""
    def in_input_precision(x, y):
        return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
    results = _verdicts("gradient_check", ref_gradient_check, "rel_error", in_input_precision)
    assert all(v.passed for _, v in results), [v.message for _, v in results if not v.passed]


def test_orthogonal_transposed_is_named():
    def wide_not_transposed(fan_in, fan_out, rng):
        q, r = np.linalg.qr(rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out))))
        return q * np.sign(np.diag(r))
    results = _verdicts("initialization", ref_initialization, "orthogonal", wide_not_transposed)
    failed = [v for _, v in results if not v.passed]
    assert failed and all("transposed" in (v.diagnosis or "") for v in failed)


def test_initializer_statistics_catch_a_constant_fan():
    """Variance right for one shape only (a constant instead of the fans) must fail."""
    def fixed_scale(fan_in, fan_out, rng):
        return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / 256)
    results = _verdicts("initialization", ref_initialization, "kaiming_normal", fixed_scale, "distribution")
    assert not all(v.passed for _, v in results)
