"""Graded checks for the ``regularization`` assignment.

Dropout is random, so its forward pass is checked by structure (every output
is 0 or x/p) and by statistics with the bounds of ``checks.statistics`` (keep
rates, runs tests along the units, keep rates per unit and agreement across many
seeds: the mask must be independent across units and seeds); its
backward pass against a numerical gradient of the student's own forward pass
at a fixed seed. The penalties are deterministic and compared with the
reference, and their gradients also against a numerical gradient.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import statistics
from autograder.checks.framework import (Case, Output, Statistical, Tolerance, binary, bounded, exact,
                                         matches_reference, near, split_points)
from autograder.references import regularization as reference

FUNCTIONS = ("dropout_forward", "dropout_backward", "l2_regularization", "l1_regularization", "elastic_net")
POINTS = {"dropout_forward": 12.0, "dropout_backward": 8.0, "l2_regularization": 5.0,
          "l1_regularization": 5.0, "elastic_net": 5.0}

EXACT = Tolerance(rtol=1e-9, atol=1e-12)
CLOSE = Tolerance(rtol=1e-6, atol=1e-9)
FLOAT32 = Tolerance(rtol=1e-5, atol=1e-6)
NUMERICAL = Tolerance(rtol=1e-5, atol=1e-7)


def _tolerance(case) -> Tolerance:
    return FLOAT32 if case.inputs["x"].dtype == np.float32 else CLOSE


def _dropout_inputs(rng, shape, p, dtype=np.float64, backward=False, positive=False):
    # Entries bounded away from 0, so "this unit was dropped" is unambiguous (out == 0).
    signs = 1.0 if positive else rng.choice([-1.0, 1.0], size=shape)
    x = (rng.uniform(0.5, 1.5, size=shape) * signs).astype(dtype)
    inputs = {"x": x, "p": p, "seed": 123, "other_seed": 321}
    if backward:
        inputs.update(with_backward=True, dout=rng.standard_normal(shape))
    return inputs


# ------------------------------------------------------------------ dropout forward --

def _kept_fraction_stat(case):
    p, n = float(case.inputs["p"]), int(case.inputs["x"].size)
    # Indicators of "kept" lie in [0, 1]: Hoeffding with range 1.
    t = statistics.hoeffding_halfwidth(n, 1.0)
    return bounded("kept_fraction", "the fraction of units kept (nonzero)", p - t, p + t,
                   f"p = {p:g} ± {t:.4f} (Hoeffding's bound over {n} units at failure probability "
                   f"{statistics.DELTA:g} for a correct implementation)"), t


def _runs_stats(case):
    """Runs tests: how often neighbouring units differ (one kept, one dropped), along
    the rows and, for arrays of 2 or more dimensions, down the columns too. Each is a
    bound of its own, with its naming rule."""
    p, n = float(case.inputs["p"]), int(case.inputs["x"].size)
    centre = 2 * p * (1 - p)
    t = statistics.runs_halfwidth(n) / (n - 1)
    orders = [("change_rate", "along the rows")]
    if case.inputs["x"].ndim >= 2:
        orders.append(("change_rate_columns", "down the columns"))
    stats = []
    for stat_id, where in orders:
        stats.append(bounded(stat_id, f"the fraction of neighbouring units {where} with one kept and one dropped",
                             centre - t, centre + t,
                             f"2p(1 - p) = {centre:.4f} ± {t:.4f} when every unit is kept independently (runs "
                             f"test; McDiarmid's bound over {n} units at failure probability {statistics.DELTA:g})"))
    # Named by the runs along the rows only: down the columns a block's runs depend on where it starts.
    rules = {"change_rate": statistics.side_or_near(centre - t, centre + t, 2 * t)}
    return stats, rules


def _kept_fraction(case):
    stat, t = _kept_fraction_stat(case)
    runs, rules = _runs_stats(case)
    # A variant's own fraction is random within ±t too, so a student's may sit 2t from it.
    return {"stats": [stat] + runs, "rules": {"kept_fraction": near(2 * t), **rules}}


def _inverted_scaling(case):
    stat, t = _kept_fraction_stat(case)
    tol = _tolerance(case).rtol
    scale = bounded("scale_error", "the largest relative error of a kept unit to x / p", 0.0, tol,
                    f"at most {tol:g}: with inverted dropout every output is 0 or x / p")
    runs, rules = _runs_stats(case)
    # The kept fraction and the runs are checked here too: this case is small enough for the self-check.
    return {"stats": [stat, scale] + runs, "error_stat": "scale_error",
            # A correct scale is named as such up to the case's tolerance: float32 rounding differs between
            # implementations (x * mask / p against x * (mask / p)).
            "rules": {"kept_fraction": near(2 * t), "scale_error": near(tol, 0.05), **rules}}


def _independence(case):
    p, draws = float(case.inputs["p"]), int(case.inputs["draws"])
    units = int(case.inputs["x"].size)
    rate_t = statistics.union_hoeffding_halfwidth(draws, units)
    agree = p * p + (1 - p) ** 2
    agree_t = statistics.agreement_halfwidth(draws, units)
    change = 2 * p * (1 - p)
    change_t = statistics.runs_halfwidth(draws * units) / (draws * (units - 1))
    stats = [
        bounded("position_rate_gap", "the largest gap between a unit's keep rate over the seeds and p", 0.0, rate_t,
                f"at most {rate_t:.3f}: every unit is kept with probability p whatever the seed (Hoeffding over "
                f"{draws} seeds, union bound over {units} units)"),
        bounded("seed_agreement", "the fraction of units on which the masks of consecutive seeds agree",
                agree - agree_t, agree + agree_t,
                f"p² + (1 - p)² = {agree:.4f} ± {agree_t:.4f}: the masks of different seeds are independent "
                f"(McDiarmid)"),
        bounded("change_rate", "the fraction of neighbouring units with one kept and one dropped",
                change - change_t, change + change_t,
                f"2p(1 - p) = {change:.4f} ± {change_t:.4f} when every unit is kept independently (runs test, "
                f"McDiarmid)")]
    # Named by the runs only: how the keep rates and the agreement of a patterned mask come out
    # depends on how its seed moves the pattern.
    return {"stats": stats,
            "rules": {"change_rate": statistics.side_or_near(change - change_t, change + change_t, 2 * change_t)}}


def _expectation(case):
    x, p = case.inputs["x"].astype(np.float64), float(case.inputs["p"])
    n = x.size
    # E[out_i] = x_i for inverted dropout, and out_i - x_i lies in an interval of
    # length max|x| / p, so Hoeffding bounds the mean of (out - x).
    t = statistics.hoeffding_halfwidth(n, float(np.max(np.abs(x))) / p)
    return {"stats": [bounded("mean_gap", "mean(out - x)", -t, t,
                              f"0 ± {t:.4g}: inverted dropout preserves the expectation, E[out] = x (Hoeffding "
                              f"bound over {n} units at failure probability {statistics.DELTA:g}; mean(x) = "
                              f"{float(np.mean(x)):.4g})")],
            "rules": {"mean_gap": near(2 * t)}}


def _seeded(case):
    seed, other = case.inputs["seed"], case.inputs["other_seed"]
    return {"stats": [
        binary("same_seed_equal", "same seed, same mask", 1,
               f"two calls with seed={seed}, made in two separate runs (the second called with seed={other} "
               f"first), gave different masks; the same seed must give the same mask (draw it from "
               f"np.random.default_rng(seed))"),
        binary("other_seed_equal", "another seed, same mask", 0,
               f"seed={seed} and seed={other} gave the same mask (in two separate runs); the mask must come "
               f"from the seed") | {"unless_failed": True}],
        "rules": {"same_seed_equal": exact, "other_seed_equal": exact}}


def _test_mode(case):
    tol = EXACT.rtol
    return {"stats": [bounded("test_error", "the relative error of the test-mode output to x", 0.0, tol,
                              f"at most {tol:g}: inverted dropout is the identity at test time")],
            "error_stat": "test_error", "rules": {"test_error": near(1e-9, 0.05)}}


# ----------------------------------------------------------------- dropout backward --

_NAMING = {"unscaled_error": near(1e-6), "unmasked_error": near(1e-6)}


def _backward_numerical(case):
    h = case.inputs["h"]
    return {"stats": [bounded("dx_error", "the largest relative error of dx to the numerical gradient", 0.0,
                              NUMERICAL.rtol,
                              f"at most {NUMERICAL.rtol:g}; the numerical gradient is the centred difference "
                              f"(h = {h:g}) of sum(dropout_forward(x, seed fixed) * dout), computed by the grader "
                              f"from your own forward pass at x ± h·e_i")],
            "error_stat": "dx_error", "rules": _NAMING}


def _backward_mask(case):
    # Whatever mask and scale the forward pass used (out = x * scale where kept), dx
    # must route dout through the same: dx = dout * out / x. The forward pass's own
    # correctness is graded under dropout_forward, so it is not charged again here.
    return {"stats": [
        bounded("dx_error", "the largest relative error of dx to dout * out / x", 0.0, CLOSE.rtol,
                f"at most {CLOSE.rtol:g}: dout goes through the same mask and scale as your forward output out"),
        bounded("dx_test_error", "the largest relative error of dx to dout in test mode", 0.0, EXACT.rtol,
                f"at most {EXACT.rtol:g}: in test mode dropout is the identity, so dx = dout")],
        "error_stat": "dx_error", "rules": _NAMING}


# ------------------------------------------------------------------------ penalties --

def _penalty_cases(rng) -> list[Case]:
    cases = []
    for function, extra in (("l2_regularization", [0.1]), ("l1_regularization", [0.03]), ("elastic_net", [0.05, 0.7])):
        shown = ", ".join(f"{v:g}" for v in extra)
        outputs = [Output("loss", "the loss", scalar=True), Output("dW", "dW")]
        W = rng.standard_normal((30, 40)) * 2.0
        # Exact zeros, where |w| has its kink: the gradient there is reg * sign(0) = 0.
        W[rng.random(W.shape) < 0.1] = 0.0
        cases.append(Case(f"{function}: 30x40 matrix", function, "penalty_and_gradient",
                          {"function": function, "W": W, "extra_args": extra, "h": 1e-6},
                          matches_reference(reference, outputs, CLOSE),
                          setting=f"`{function}(W, {shown})` with W of shape (30, 40), some entries exactly 0"))
        W32 = (rng.standard_normal((7, 3)) * 0.1).astype(np.float32)
        cases.append(Case(f"{function}: float32, small weights", function, "penalty_and_gradient",
                          {"function": function, "W": W32, "extra_args": [extra[0] * 10] + extra[1:], "h": 1e-6},
                          matches_reference(reference, outputs, FLOAT32),
                          setting=f"`{function}(W, ...)` with float32 W of shape (7, 3)"))
        # Entries at least 0.2 from zero, so the numerical derivative never straddles the kink of |w|.
        W_small = rng.uniform(0.2, 1.5, size=(4, 5)) * rng.choice([-1.0, 1.0], size=(4, 5))
        cases.append(Case(f"{function}: gradient vs numerical gradient", function, "penalty_and_gradient",
                          {"function": function, "W": W_small, "extra_args": extra, "h": 1e-5, "numerical": True},
                          _penalty_numerical_judge(), setting=f"`{function}(W, {shown})` with W of shape (4, 5)"))
    return cases


def _penalty_numerical(case):
    h = case.inputs["h"]
    return {"stats": [bounded("dW_error", "the largest relative error of dW to the numerical gradient", 0.0,
                              NUMERICAL.rtol,
                              f"at most {NUMERICAL.rtol:g}; the numerical gradient is the centred difference "
                              f"(h = {h:g}) of the loss your function returns, computed by the grader from your "
                              f"loss at W ± h·e_i")],
            "error_stat": "dW_error", "rules": {}}


def _penalty_numerical_judge():
    # The gradient is deterministic: a mistake is named when dW equals the wrong variant's.
    return Statistical("penalty_numerical", _penalty_numerical, reference, name_by=([Output("dW", "dW")], CLOSE))


def build_cases() -> list[Case]:
    rng = np.random.default_rng(4096)
    cases = []

    families = {_kept_fraction: "dropout_scaling", _inverted_scaling: "dropout_scaling",
                _independence: "dropout_independence",
                _expectation: "dropout_expectation", _seeded: "dropout_seed", _test_mode: "dropout_test",
                _backward_numerical: "dropout_backward_numerical", _backward_mask: "dropout_backward_mask"}

    def dropout(name, describe, inputs, setting, function="dropout_forward", probe="dropout_behaviour"):
        judge = Statistical(families[describe], describe, reference)
        # The seed is judged from calls made in two sandboxes, so no one process can fake it.
        replica = "dropout_replica" if describe is _seeded else None
        cases.append(Case(f"{function}: {name}", function, probe, inputs, judge, setting=setting, replica=replica))

    big = _dropout_inputs(rng, (400, 500), 0.3)
    dropout("keeps a fraction p of the units", _kept_fraction, big,
            "`dropout_forward(x, {'p': 0.3, 'mode': 'train', 'seed': 123})` with x of shape (400, 500)")
    dropout("keeps a fraction p (p = 0.8, 1-d)", _kept_fraction, _dropout_inputs(rng, (200_000,), 0.8),
            "`dropout_forward(x, {'p': 0.8, 'mode': 'train', 'seed': 123})` with x of shape (200000,)")
    dropout("scales kept units by 1/p", _inverted_scaling, _dropout_inputs(rng, (50, 60), 0.3),
            "`dropout_forward(x, {'p': 0.3, 'mode': 'train', 'seed': 123})` with x of shape (50, 60)")
    dropout("scales kept units by 1/p (float32)", _inverted_scaling,
            _dropout_inputs(rng, (20, 30, 10), 0.6, dtype=np.float32),
            "`dropout_forward(x, {'p': 0.6, 'mode': 'train', 'seed': 123})` with float32 x of shape (20, 30, 10)")
    # All positive, so mean(x) is far from 0 and a missing 1/p shows in the mean.
    dropout("preserves the expectation", _expectation, _dropout_inputs(rng, (500, 400), 0.5, positive=True),
            "`dropout_forward(x, {'p': 0.5, 'mode': 'train', 'seed': 123})` with x of shape (500, 400)")
    dropout("same seed, same mask", _seeded, _dropout_inputs(rng, (64, 64), 0.5),
            "`dropout_forward(x, {'p': 0.5, 'mode': 'train', 'seed': 123})`, and in a separate run with seed 321, "
            "then 123")
    independent = _dropout_inputs(rng, (1000,), 0.4)
    independent["draws"] = 100
    dropout("independent across units and seeds", _independence, independent,
            "`dropout_forward(x, {'p': 0.4, 'mode': 'train', 'seed': s})` for 100 consecutive seeds s, x of shape "
            "(1000,)", probe="dropout_seeds")
    dropout("test mode is the identity", _test_mode, _dropout_inputs(rng, (30, 20), 0.4),
            "`dropout_forward(x, {'p': 0.4, 'mode': 'test'})` with x of shape (30, 20)")

    for name, shape, p in (("numerical gradient, p = 0.6", (4, 5), 0.6), ("numerical gradient, p = 0.25", (3, 7), 0.25)):
        inputs = _dropout_inputs(rng, shape, p)
        inputs.update(dout=rng.standard_normal(shape), h=1e-5)
        dropout(name, _backward_numerical, inputs,
                f"`dropout_backward(dout, cache)` after `dropout_forward(x, {{'p': {p}, 'mode': 'train', 'seed': 123}})`, "
                f"x of shape {shape}", function="dropout_backward", probe="dropout_perturbed")
    dropout("routes dout through the mask", _backward_mask, _dropout_inputs(rng, (100, 200), 0.4, backward=True),
            "`dropout_backward(dout, cache)` with the cache of `dropout_forward(x, {'p': 0.4, ...})`, x of shape "
            "(100, 200), in train and test mode", function="dropout_backward")

    cases += _penalty_cases(rng)
    return split_points(cases, POINTS)
