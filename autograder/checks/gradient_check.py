"""Graded checks for the ``gradient_check`` assignment.

The student's numerical-gradient code is run (in the sandbox) on smooth test
functions whose gradients the grader knows in closed form; see
``oracle.FUNCTIONS``. The functions'
parameters stay in the grader: the sandboxed code asks it for every value of f, and the
grader judges where f was evaluated (``sandbox/inside/patterns.py``) from its own record.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.framework import (Case, Output, Statistical, Tolerance, binary, bounded, exact,
                                         matches_reference, near, split_points)
from autograder.mistakes import catalogue
from autograder.references import gradient_check as reference
from autograder.sandbox.inside import oracle

FUNCTIONS = ("rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse")
POINTS = {"rel_error": 5.0, "eval_numerical_gradient": 10.0, "eval_numerical_gradient_array": 10.0,
          "grad_check_sparse": 10.0}

EXACT = Tolerance(rtol=1e-9, atol=1e-15)
FLOAT32 = Tolerance(rtol=1e-6, atol=1e-12)
# Differences between correct implementations are round-off in f(x+h) - f(x-h), about
# 1e-16 / h relative; the O(h) error of a forward difference is four orders larger.
GRADIENT = Tolerance(rtol=1e-7, atol=1e-9)
UNCHANGED = Tolerance(rtol=0.0, atol=0.0)


def _rel_error_cases(rng) -> list[Case]:
    def case(name, x, y):
        # float32 inputs may be subtracted in float32: about 1e-7 relative.
        tol = FLOAT32 if np.asarray(x).dtype == np.float32 else EXACT
        judge = matches_reference(reference, [Output("return", "the relative error", scalar=True)], tol)
        return Case(f"rel_error: {name}", "rel_error", "call",
                    {"function": "rel_error", "args": [x, y], "arg_names": ["x", "y"]}, judge,
                    setting=f"`rel_error(x, y)` with x, y of shape {np.shape(x)} ({name})")

    a = rng.standard_normal((4, 5))
    b = a + rng.standard_normal((4, 5)) * 1e-3
    zeros_somewhere = a.copy()
    zeros_somewhere[0, :2] = 0.0
    return [
        case("close arrays", a, b),
        case("scale 1e6", a * 1e6, b * 1e6 + 1.0),
        case("both zero in places", zeros_somewhere, np.where(zeros_somewhere == 0, 0.0, b)),
        case("float32", a.astype(np.float32), b.astype(np.float32)),
        case("one outlier", a, np.where(np.arange(20).reshape(4, 5) == 7, a + 1.0, a)),
    ]


def _smooth_inputs(rng, shape):
    x = rng.uniform(-2, 2, size=shape)
    c = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
    d = rng.uniform(0.5, 2.0, size=shape)
    return x, c, d


# Pattern violations (``inside/patterns.py``) that the catalogue names for a function; the others
# get the generic names of ``patterns.PATTERNS``.
PATTERN_MISTAKES = {
    "eval_numerical_gradient": {"forward": "forward-difference", "wrong_h": "ignores-given-h",
                                "too_many": "too-many-evaluations"},
    "eval_numerical_gradient_array": {"forward": "forward-difference-array"},
    "grad_check_sparse": {"forward": "sparse-forward-difference", "repeated": "sparse-repeated-coordinate"},
}
DEFAULT_H = 1e-5   # the students' default step (the signatures' h=1e-5)


def _pattern(function: str, every: bool):
    """The evaluation pattern a case's judge checks (``patterns.evaluation_problem``)."""
    names = {violation: [mistake_id, catalogue.by_id(mistake_id).text()]
             for violation, mistake_id in PATTERN_MISTAKES[function].items()}

    def describe(case):
        inputs = case.inputs
        described = {"h": float(inputs.get("h", DEFAULT_H)), "every": every, "calls": int(inputs["f"]["calls"]),
                     "names": names}
        if not every:
            described["min_distinct"] = fewest_distinct(inputs["x"].size, int(inputs["num_checks"]))
        return described
    return describe


def fewest_distinct(size: int, draws: int, probability: float = 1e-8) -> int:
    """The largest D such that ``draws`` uniform draws (with replacement) from ``size`` coordinates
    hit fewer than D distinct ones with probability at most ``probability`` (the exact occupancy law)."""
    chance = np.zeros(draws + 1)
    chance[0] = 1.0
    for _ in range(draws):
        distinct = np.arange(draws + 1)
        # Stay on an already hit coordinate (j/size), or hit a new one ((size - (j-1))/size from j-1).
        stayed = chance * distinct / size
        moved = np.concatenate([[0.0], chance[:-1] * (size - distinct[:-1]) / size])
        chance = stayed + moved
    below = np.cumsum(chance)   # below[j] = P(distinct <= j)
    return int(np.sum(below <= probability))


def _shown_h(h, positional):
    if h is None:
        return "default h"
    return f"{h:g} (h passed positionally)" if positional else f"h={h:g}"


def _gradient_cases(rng) -> list[Case]:
    outputs = [Output("grad", "the numerical gradient"), Output("x_after", "x after the call")]
    cases = []
    for name, shape, h, strided, positional in (
            ("vector", (6,), None, False, False), ("matrix, h = 1e-4", (3, 4), 1e-4, False, False),
            ("3-d array", (2, 3, 2), None, False, False), ("non-contiguous x", (3, 4), 1e-4, True, False),
            ("h = 1e-4 passed positionally", (5,), 1e-4, False, True)):
        x, c, d = _smooth_inputs(rng, shape)
        inputs = {"x": x, "f": oracle.spec("smooth_scalar", "scalar", shape, 2 * x.size, c=c, d=d)}
        if h is not None:
            inputs["h"] = h
        if strided:
            inputs["strided"] = True
        if positional:
            inputs["h_positional"] = True
        judge = matches_reference(reference, outputs, GRADIENT, pattern=_pattern("eval_numerical_gradient", True))
        cases.append(Case(f"eval_numerical_gradient: {name}", "eval_numerical_gradient", "numerical_gradient",
                          inputs, judge,
                          setting=(f"`eval_numerical_gradient(f, x, {_shown_h(h, positional)})` with x of shape {shape}"
                                   f"{' (a non-contiguous view)' if strided else ''} and "
                                   f"f(x) = sum(c·sin(x)) + sum(d·x³)/3")))
    array_outputs = outputs
    for name, (n, k, m), h, returns, positional in (
            ("2x3 @ 3x4", (2, 3, 4), None, "fresh", False), ("5x4 @ 4x3, h = 1e-4", (5, 4, 3), 1e-4, "fresh", False),
            ("1x6 @ 6x2", (1, 6, 2), None, "fresh", False),
            ("f returns a view of x (x.T)", (3, 4, None), None, "view", False),
            ("f reuses one output buffer", (4, 3, 5), 1e-4, "buffer", False),
            ("h = 1e-4 passed positionally", (3, 2, 4), 1e-4, "fresh", True)):
        x = rng.uniform(-1, 1, size=(n, k))
        if returns == "view":
            f_spec = oracle.spec("transpose", "view", x.shape, 2 * x.size)
            df = rng.standard_normal((k, n))
            shown_f = "f(x) = x.T (a view of x, as a reshape or transpose layer returns)"
        else:
            f_spec = oracle.spec("smooth_array", returns, x.shape, 2 * x.size, m=rng.standard_normal((k, m)) * 0.7)
            df = rng.standard_normal((n, m))
            shown_f = "f(x) = tanh(x @ m)" + (", written into the same output array at every call"
                                              if returns == "buffer" else "")
        inputs = {"x": x, "f": f_spec, "df": df}
        if h is not None:
            inputs["h"] = h
        if positional:
            inputs["h_positional"] = True
        judge = matches_reference(reference, array_outputs, GRADIENT,
                                  pattern=_pattern("eval_numerical_gradient_array", True))
        cases.append(Case(f"eval_numerical_gradient_array: {name}", "eval_numerical_gradient_array",
                          "numerical_gradient_array", inputs, judge,
                          setting=f"`eval_numerical_gradient_array(f, x, df, {_shown_h(h, positional)})` with "
                                  f"{shown_f}, x {n}x{k}"))
    return cases


def _sparse_cases(rng) -> list[Case]:
    cases = []
    for name, shape, num_checks, h in (("vector of 40", (40,), 10, 1e-5), ("8x9 matrix", (8, 9), 7, 1e-4),
                                       ("3x4x5 array", (3, 4, 5), 12, 1e-5)):
        x, c, d = _smooth_inputs(rng, shape)
        exact = c * np.cos(x) + d * x**2
        # Wrong by a different relative amount at every coordinate, so each error
        # value identifies its coordinate.
        analytic = exact * (1 + np.logspace(-5, -2, exact.size).reshape(shape) * (rng.permutation(exact.size).reshape(shape) + 1) / exact.size)
        inputs = {"x": x, "f": oracle.spec("smooth_scalar", "scalar", shape, 2 * num_checks, calls=3, c=c, d=d),
                  "analytic_grad": analytic, "num_checks": num_checks, "h": h, "seed": 3, "other_seed": 11}
        cases.append(Case(f"grad_check_sparse: {name}", "grad_check_sparse", "sparse_gradient_check", inputs,
                          Statistical("sparse", _sparse, reference, pattern=_pattern("grad_check_sparse", False)),
                          setting=(f"`grad_check_sparse(f, x, analytic_grad, num_checks={num_checks}, "
                                   f"h={h:g}, seed=3)` with x of shape {shape}")))
    return cases


def _per_coordinate_errors(inputs, *, forward=False, absolute=False) -> np.ndarray:
    """The error grad_check_sparse would report at each coordinate, for every coordinate."""
    x, h = inputs["x"], inputs["h"]
    f = lambda z: oracle.evaluate(inputs["f"], z)
    values = np.empty(x.size)
    f_here = f(x)
    for i in range(x.size):
        z = x.copy()
        z.flat[i] = x.flat[i] + h
        f_plus = f(z)
        z.flat[i] = x.flat[i] - h
        f_minus = f(z)
        numeric = (f_plus - f_here) / h if forward else (f_plus - f_minus) / (2 * h)
        analytic = inputs["analytic_grad"].flat[i]
        diff = abs(numeric - analytic)
        values[i] = diff if absolute else diff / max(1e-8, abs(numeric) + abs(analytic))
    return values


def _sparse(case):
    inputs = case.inputs
    n = int(inputs["num_checks"])
    correct = _per_coordinate_errors(inputs)
    candidates = {"correct": correct, "forward": _per_coordinate_errors(inputs, forward=True),
                  "absolute": _per_coordinate_errors(inputs, absolute=True)}
    stats = [
        binary("x_unchanged", "x unchanged", 1, "x was left modified after the calls: put back each entry after "
                                                "evaluating f at x ± h"),
        binary("length_ok", "one error per check", 1, f"the result must be a 1-d array of num_checks = {n} errors"),
        binary("same_seed_equal", "same seed, same result", 1,
               f"two calls with seed={inputs['seed']} returned different errors: the result must be reproducible"),
        bounded("members_correct", "the fraction of returned values that are the relative error "
                                   "|numeric - analytic| / max(1e-8, |numeric| + |analytic|) at some coordinate",
                1.0, 1.0, f"1 (all of them; the errors at the coordinates range from {correct.min():.3g} to "
                          f"{correct.max():.3g}, computed by the grader with centred differences and the same h)"),
        binary("other_seed_differs", "another seed, other coordinates", 1,
               f"seed={inputs['other_seed']} checked exactly the same coordinates as seed={inputs['seed']}; "
               f"the seed argument must drive the choice of coordinates") | {"unless_failed": True},
    ]
    def fraction(value, values):
        # A variant whose coordinates do not follow the seed draws other ones at every run: its
        # fractions are one sample, not a property, so they name nothing.
        return [0.0, 1.0] if values.get("same_seed_equal") == 0 else near(0.2)(value, values)

    return {"params": {"candidates": candidates}, "stats": stats,
            "rules": {"x_unchanged": exact, "length_ok": exact, "same_seed_equal": exact, "members_forward": fraction,
                      "members_absolute": fraction}}


def build_cases() -> list[Case]:
    rng = np.random.default_rng(9)
    cases = _rel_error_cases(rng) + _gradient_cases(rng) + _sparse_cases(rng)
    return split_points(cases, POINTS)
