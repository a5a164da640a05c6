"""Graded checks for the ``regularization`` assignment.

Dropout is random, so its forward pass is checked by structure (every output
is 0 or x/p) and by statistics with the bounds of ``checks.statistics``; its
backward pass against a numerical gradient of the student's own forward pass
at a fixed seed. The penalties are deterministic and compared with the
reference, and their gradients also against a numerical gradient.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import statistics
from autograder.checks.framework import (Case, Output, Tolerance, Verdict, as_array, compare_array,
                                         matches_reference, split_points)
from autograder.mistakes import catalogue, variants
from autograder.references import regularization as reference

FUNCTIONS = ("dropout_forward", "dropout_backward", "l2_regularization", "l1_regularization", "elastic_net")
POINTS = {"dropout_forward": 12.0, "dropout_backward": 8.0, "l2_regularization": 5.0,
          "l1_regularization": 5.0, "elastic_net": 5.0}

EXACT = Tolerance(rtol=1e-9, atol=1e-12)
CLOSE = Tolerance(rtol=1e-6, atol=1e-9)
FLOAT32 = Tolerance(rtol=1e-5, atol=1e-6)
NUMERICAL = Tolerance(rtol=1e-5, atol=1e-7)


def _mistake(mistake_id: str) -> str:
    return catalogue.by_id(mistake_id).text()


def _arrays(case, received, keys):
    """Fetch several array outputs, or the first problem in words."""
    values = {}
    for key, what in keys:
        value, problem = as_array(received.get(key), what)
        if problem:
            return None, Verdict(False, f"{case.setting}: {problem}")
        values[key] = value
    return values, None


# ------------------------------------------------------------------ dropout forward --

def _dropout_inputs(rng, shape, p, dtype=np.float64, backward=False, positive=False):
    # Entries bounded away from 0, so "this unit was dropped" is unambiguous (out == 0).
    signs = 1.0 if positive else rng.choice([-1.0, 1.0], size=shape)
    x = (rng.uniform(0.5, 1.5, size=shape) * signs).astype(dtype)
    inputs = {"x": x, "p": p, "seed": 123, "other_seed": 321}
    if backward:
        inputs.update(with_backward=True, dout=rng.standard_normal(shape))
    return inputs


def _kept_fraction(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("train", "the train-mode output")])
    if problem:
        return problem
    out, x, p = values["train"], case.inputs["x"], case.inputs["p"]
    if out.shape != x.shape:
        return Verdict(False, f"{case.setting}: the output has shape {out.shape}; expected {x.shape}")
    n = out.size
    rate = float(np.mean(out != 0))
    # Indicators of "kept" lie in [0, 1]: Hoeffding with range 1.
    t = statistics.hoeffding_halfwidth(n, 1.0)
    if abs(rate - p) <= t:
        return Verdict(True, f"kept fraction {rate:.4f}")
    diagnosis = _mistake("dropout-keep-drop-swapped") if abs(rate - (1 - p)) <= t else None
    return Verdict(False, (f"{case.setting}: {rate:.4f} of the {n} units were kept (nonzero); expected p = {p:g} "
                           f"± {t:.4f}. The bound is Hoeffding's at failure probability {statistics.DELTA:g} "
                           f"for a correct implementation."), diagnosis)


def _inverted_scaling(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("train", "the train-mode output")])
    if problem:
        return problem
    out, x, p = values["train"], case.inputs["x"].astype(np.float64), case.inputs["p"]
    if out.shape != x.shape:
        return Verdict(False, f"{case.setting}: the output has shape {out.shape}; expected {x.shape}")
    kept = out != 0
    if not np.any(kept):
        return Verdict(False, f"{case.setting}: every unit was dropped (the output is all zeros)")
    tol = FLOAT32 if case.inputs["x"].dtype == np.float32 else CLOSE
    problem = compare_array(out[kept], x[kept] / p, tol, "the kept units")
    if problem is None:
        return Verdict(True, "kept units are x / p, dropped units are 0")
    diagnosis = None
    if compare_array(out[kept], x[kept], tol, "") is None:
        diagnosis = _mistake("dropout-not-inverted")
    return Verdict(False, (f"{case.setting}: with inverted dropout every output is 0 or x / p; {problem}"), diagnosis)


def _expectation(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("train", "the train-mode output")])
    if problem:
        return problem
    out, x, p = values["train"], case.inputs["x"].astype(np.float64), case.inputs["p"]
    if out.shape != x.shape:
        return Verdict(False, f"{case.setting}: the output has shape {out.shape}; expected {x.shape}")
    # E[out_i] = x_i for inverted dropout, and out_i - x_i lies in an interval of
    # length max|x| / p, so Hoeffding bounds the mean of (out - x).
    n = out.size
    t = statistics.hoeffding_halfwidth(n, float(np.max(np.abs(x))) / p)
    gap = float(np.mean(out - x))
    if abs(gap) <= t:
        return Verdict(True, f"mean(out - x) = {gap:.2e}")
    diagnosis = None
    if abs(float(np.mean(out)) - p * float(np.mean(x))) <= t:
        diagnosis = _mistake("dropout-not-inverted")
    return Verdict(False, (f"{case.setting}: inverted dropout preserves the expectation, E[out] = x, but "
                           f"mean(out - x) = {gap:.4g} over {n} units, outside ±{t:.4g} (Hoeffding bound at "
                           f"failure probability {statistics.DELTA:g}); mean(x) = {float(np.mean(x)):.4g}, "
                           f"mean(out) = {float(np.mean(out)):.4g}"), diagnosis)


def _seeded(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("train", "the output"), ("train_same_seed", "the output for the same seed"),
                                               ("train_other_seed", "the output for another seed")])
    if problem:
        return problem
    if values["train"].shape != values["train_same_seed"].shape or not np.array_equal(values["train"], values["train_same_seed"]):
        return Verdict(False, f"{case.setting}: two calls with seed=123 gave different masks; the same seed must "
                              f"give the same mask", _mistake("dropout-ignores-seed"))
    if values["train_other_seed"].shape == values["train"].shape and np.array_equal(values["train"], values["train_other_seed"]):
        return Verdict(False, f"{case.setting}: seed=123 and seed=321 gave the same mask; the mask must come "
                              f"from the seed")
    return Verdict(True, "same seed, same mask; another seed, another mask")


def _test_mode(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("test", "the test-mode output")])
    if problem:
        return problem
    x = case.inputs["x"].astype(np.float64)
    problem = compare_array(values["test"], x, EXACT, "the test-mode output")
    if problem is None:
        return Verdict(True, "test mode is the identity")
    diagnosis = None
    if values["test"].shape == x.shape and compare_array(values["test"], x * case.inputs["p"], CLOSE, "") is None:
        diagnosis = _mistake("dropout-scaled-at-test")
    return Verdict(False, f"{case.setting}: inverted dropout is the identity at test time; {problem}", diagnosis)


# ----------------------------------------------------------------- dropout backward --

def _backward_numerical(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("dx", "dx"), ("plus", "forward values"), ("minus", "forward values")])
    if problem:
        return problem
    h = case.inputs["h"]
    numerical = ((values["plus"] - values["minus"]) / (2 * h)).reshape(case.inputs["x"].shape)
    problem = compare_array(values["dx"], numerical, NUMERICAL, "dx")
    if problem is None:
        return Verdict(True, "dx matches the numerical gradient of your forward pass")
    dout, p = case.inputs["dout"], case.inputs["p"]
    diagnosis = None
    if values["dx"].shape == dout.shape:
        kept = numerical != 0
        if compare_array(values["dx"], dout * kept, CLOSE, "") is None:
            diagnosis = _mistake("dropout-backward-unscaled")
        elif compare_array(values["dx"], dout / p, CLOSE, "") is None:
            diagnosis = _mistake("dropout-backward-no-mask")
    return Verdict(False, (f"{case.setting}: {problem}. Expected: the centred-difference gradient (h = {h:g}) of "
                           f"sum(dropout_forward(x, seed fixed) * dout), which the grader computed from your own "
                           f"forward pass evaluated at x ± h·e_i"), diagnosis)


def _backward_mask(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("dx", "dx"), ("train", "the train-mode output"),
                                               ("dx_test", "dx in test mode")])
    if problem:
        return problem
    x, dout, p = case.inputs["x"].astype(np.float64), case.inputs["dout"], case.inputs["p"]
    if values["train"].shape != x.shape:
        return Verdict(False, f"{case.setting}: the forward output has shape {values['train'].shape}")
    # Whatever mask and scale the forward pass used (out = x * scale where kept), dx
    # must route dout through the same: dx = dout * out / x. The forward pass's own
    # correctness is graded under dropout_forward, so it is not charged again here.
    expected = dout * values["train"] / x
    problem = compare_array(values["dx"], expected, CLOSE, "dx")
    if problem:
        diagnosis = None
        if values["dx"].shape == dout.shape and compare_array(values["dx"], dout * (values["train"] != 0), CLOSE, "") is None:
            diagnosis = _mistake("dropout-backward-unscaled")
        elif values["dx"].shape == dout.shape and compare_array(values["dx"], dout / p, CLOSE, "") is None:
            diagnosis = _mistake("dropout-backward-no-mask")
        return Verdict(False, (f"{case.setting}: {problem}. Expected dout * out / x, i.e. dout through the same "
                               f"mask and scale as your forward output out"), diagnosis)
    problem = compare_array(values["dx_test"], dout, EXACT, "dx in test mode")
    if problem:
        return Verdict(False, f"{case.setting}: in test mode dropout is the identity, so dx = dout; {problem}")
    return Verdict(True, "dx = dout * mask / p in train mode, dout in test mode")


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
                          matches_reference(reference, outputs + [Output("W_after", "W after the call")], CLOSE),
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
                          _penalty_numerical, setting=f"`{function}(W, {shown})` with W of shape (4, 5)"))
    return cases


def _penalty_numerical(case, received) -> Verdict:
    values, problem = _arrays(case, received, [("dW", "dW"), ("plus", "the loss at W + h e_i"),
                                               ("minus", "the loss at W - h e_i")])
    if problem:
        return problem
    h = case.inputs["h"]
    numerical = ((values["plus"] - values["minus"]) / (2 * h)).reshape(case.inputs["W"].shape)
    problem = compare_array(values["dW"], numerical, NUMERICAL, "dW")
    if problem is None:
        return Verdict(True, "dW matches the numerical gradient of your loss")
    W, extra = case.inputs["W"], case.inputs["extra_args"]
    diagnosis = None
    for mistake in catalogue.mistakes_for(case.function):
        _, variant_dW = getattr(variants, case.function)(W.copy(), *extra, **mistake.knobs)
        if values["dW"].shape == W.shape and compare_array(values["dW"], variant_dW, CLOSE, "") is None:
            diagnosis = mistake.text()
            break
    return Verdict(False, (f"{case.setting}: {problem}. Expected: the centred-difference gradient (h = {h:g}) of "
                           f"the loss your function returns, computed by the grader from your loss at W ± h·e_i"),
                   diagnosis)



def build_cases() -> list[Case]:
    rng = np.random.default_rng(4096)
    cases = []

    def dropout(name, judge, inputs, setting, function="dropout_forward", probe="dropout_behaviour"):
        cases.append(Case(f"{function}: {name}", function, probe, inputs, judge, setting=setting))

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
            "`dropout_forward(x, {'p': 0.5, 'mode': 'train', 'seed': 123})` called twice, then with seed 321")
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
