"""Graded checks for the ``initialization`` assignment.

Initializers are random, so each is checked by (1) shape and determinism under
its rng argument, with NumPy's and Python's global generators reseeded in
between, and (2) statistics of a large draw against the exact distribution,
with the bounds of ``checks.statistics``. A failing statistic is matched
against large draws from the catalogued wrong variants to name the mistake.
"""

from __future__ import annotations

import math

import numpy as np

from autograder.checks import statistics
from autograder.checks.framework import Case, Verdict, as_array, split_points
from autograder.mistakes import catalogue, variants

FUNCTIONS = ("xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform", "orthogonal")
POINTS = {name: 8.0 for name in FUNCTIONS}

NORMAL = {"xavier_normal", "kaiming_normal"}
# P(|Z| > 2) for a standard normal: the fraction of a normal draw beyond two standard deviations.
NORMAL_TAIL_2SD = math.erfc(2 / math.sqrt(2))


def target_variance(function: str, fan_in: int, fan_out: int) -> float:
    return 2.0 / (fan_in + fan_out) if function.startswith("xavier") else 2.0 / fan_in


def _draws(case, received):
    values = {}
    for key, what in (("first", "W"), ("same_seed", "W from a second rng with the same seed"),
                      ("other_seed", "W from an rng with another seed")):
        value, problem = as_array(received.get(key), what)
        if problem:
            return None, Verdict(False, f"{case.setting}: {problem}")
        values[key] = value
    return values, None


def _determinism(case, received) -> Verdict:
    values, problem = _draws(case, received)
    if problem:
        return problem
    shape = (case.inputs["fan_in"], case.inputs["fan_out"])
    if values["first"].shape != shape:
        return Verdict(False, f"{case.setting}: W has shape {values['first'].shape}; expected (fan_in, fan_out) = {shape}")
    if not np.all(np.isfinite(values["first"])):
        return Verdict(False, f"{case.setting}: W contains {int(np.sum(~np.isfinite(values['first'])))} NaN or inf entries")
    if values["same_seed"].shape != shape or not np.array_equal(values["first"], values["same_seed"]):
        global_rng = next((m for m in catalogue.mistakes_for(case.function) if m.knobs.get("global_rng")), None)
        return Verdict(False, (f"{case.setting}: two rngs made with the same seed gave different W (NumPy's and "
                               f"Python's global generators were reseeded differently in between); rng must be "
                               f"the only source of randomness"), global_rng.text() if global_rng else None)
    if np.array_equal(values["first"], values["other_seed"]):
        return Verdict(False, f"{case.setting}: rngs with different seeds gave the same W; draw W from rng")
    return Verdict(True, "deterministic under rng, and only rng")


def _statistics(function: str, W: np.ndarray, fan_in: int, fan_out: int) -> dict:
    var = target_variance(function, fan_in, fan_out)
    return {
        "mean": float(np.mean(W)),
        "mean_square": float(np.mean(W * W)),
        "max_abs": float(np.max(np.abs(W))),
        "tail_2sd": float(np.mean(np.abs(W) > 2 * math.sqrt(var))),
    }


def _violations(function: str, stats: dict, n: int, fan_in: int, fan_out: int) -> list[str]:
    """Which statistics fall outside the bounds a correct draw meets with probability >= 1 - DELTA each."""
    var = target_variance(function, fan_in, fan_out)
    sd = math.sqrt(var)
    out = []
    mean_t = statistics.normal_mean_halfwidth(n, sd) if function in NORMAL else statistics.hoeffding_halfwidth(n, 2 * math.sqrt(3 * var))
    if abs(stats["mean"]) > mean_t:
        out.append(f"mean {stats['mean']:.3g} is outside 0 ± {mean_t:.3g}")
    if function in NORMAL:
        lo, hi = statistics.chi_square_relative_bounds(n)
        if not lo * var <= stats["mean_square"] <= hi * var:
            out.append(f"variance (mean of W²) {stats['mean_square']:.5g} is outside [{lo * var:.5g}, {hi * var:.5g}] "
                       f"around the target {var:.5g} (chi-square bounds of Laurent and Massart)")
        t = statistics.hoeffding_halfwidth(n, 1.0)
        if abs(stats["tail_2sd"] - NORMAL_TAIL_2SD) > t:
            out.append(f"{stats['tail_2sd']:.4f} of the entries lie beyond 2 standard deviations; a normal "
                       f"distribution puts {NORMAL_TAIL_2SD:.4f} ± {t:.4f} there (Hoeffding)")
    else:
        a = math.sqrt(3 * var)
        # W² lies in [0, a²], so Hoeffding bounds mean(W²) around a²/3 = var.
        t = statistics.hoeffding_halfwidth(n, a * a)
        if abs(stats["mean_square"] - var) > t:
            out.append(f"variance (mean of W²) {stats['mean_square']:.5g} is outside {var:.5g} ± {t:.3g} (Hoeffding)")
        if stats["max_abs"] > a * (1 + 1e-9):
            out.append(f"max |W| = {stats['max_abs']:.5g} exceeds the bound a = sqrt(3·variance) = {a:.5g}")
        # P(max|W| < a(1 - eps)) = (1 - eps)^n; eps = 25/n makes that e^-25 < DELTA.
        eps = 25.0 / n
        if stats["max_abs"] < a * (1 - eps):
            out.append(f"max |W| = {stats['max_abs']:.5g} stays below a = {a:.5g} by more than a U(-a, a) draw "
                       f"of {n} values would (probability < {statistics.DELTA:g})")
    return out


def _distribution(case, received) -> Verdict:
    values, problem = _draws(case, received)
    if problem:
        return problem
    fan_in, fan_out, function = case.inputs["fan_in"], case.inputs["fan_out"], case.function
    W = values["first"]
    if W.shape != (fan_in, fan_out):
        return Verdict(False, f"{case.setting}: W has shape {W.shape}; expected {(fan_in, fan_out)}")
    if not np.all(np.isfinite(W)):
        return Verdict(False, f"{case.setting}: W contains NaN or inf")
    n = W.size
    problems = _violations(function, _statistics(function, W, fan_in, fan_out), n, fan_in, fan_out)
    if not problems:
        return Verdict(True, "statistics match the target distribution")
    return Verdict(False, f"{case.setting}: " + "; ".join(problems) + f" (measured over all {n} entries of W)",
                   _diagnose(function, W, fan_in, fan_out))


def _diagnose(function, W, fan_in, fan_out) -> str | None:
    """Name the mistake whose variant's draw has the same statistics as the student's.

    The student's statistics must sit within the correct-draw bounds of the
    variant's statistics: re-centre the bounds on a large variant draw.
    """
    student = _statistics(function, W, fan_in, fan_out)
    for mistake in catalogue.mistakes_for(function):
        if mistake.knobs.get("global_rng"):
            continue
        draw = getattr(variants, function)(fan_in, fan_out, np.random.default_rng(7), **mistake.knobs)
        if draw.shape != W.shape:
            continue
        v = _statistics(function, draw, fan_in, fan_out)
        scale = v["mean_square"] / target_variance(function, fan_in, fan_out)
        close = (abs(student["mean_square"] - v["mean_square"]) <= 0.06 * v["mean_square"]
                 and abs(student["tail_2sd"] - v["tail_2sd"]) <= 0.02
                 and abs(student["max_abs"] - v["max_abs"]) <= 0.25 * v["max_abs"] * max(1.0, math.sqrt(scale)))
        if close:
            return mistake.text()
    return None


# ------------------------------------------------------------------------ orthogonal --

def _orthonormal(case, received) -> Verdict:
    values, problem = _draws(case, received)
    if problem:
        return problem
    fan_in, fan_out = case.inputs["fan_in"], case.inputs["fan_out"]
    W = values["first"]
    if W.shape != (fan_in, fan_out):
        diagnosis = None
        if W.shape == (fan_out, fan_in):
            diagnosis = "transposed: W must have shape (fan_in, fan_out)"
        return Verdict(False, f"{case.setting}: W has shape {W.shape}; expected {(fan_in, fan_out)}", diagnosis)
    gram, which = (W.T @ W, "columns") if fan_in >= fan_out else (W @ W.T, "rows")
    k = gram.shape[0]
    deviation = float(np.max(np.abs(gram - np.eye(k))))
    if not deviation <= 1e-8:
        diagnosis = None
        if deviation > 0.05:
            diagnosis = catalogue.by_id("orthogonal-gaussian").text()
        return Verdict(False, (f"{case.setting}: the {which} of W are not orthonormal: max |{'WᵀW' if which == 'columns' else 'WWᵀ'} - I| "
                               f"= {deviation:.3g}, expected below 1e-8"), diagnosis)
    if fan_in == fan_out:
        # For a Haar-random orthogonal matrix trace(W) is close to N(0, 1)
        # (Diaconis and Shahshahani); |trace| > 8 would be a 1e-15 event, while
        # the identity or a fixed rotation has trace near n.
        trace = float(np.trace(W))
        if abs(trace) > 8:
            return Verdict(False, f"{case.setting}: trace(W) = {trace:.3g}; a random orthogonal matrix has trace "
                                  f"near 0 (within ±8 with probability 1 - 1e-15). Is W close to the identity?")
    return Verdict(True, f"orthonormal {which}")


def build_cases() -> list[Case]:
    cases = []

    def case(function, name, fan_in, fan_out, judge):
        inputs = {"function": function, "fan_in": fan_in, "fan_out": fan_out, "seed": 2024, "other_seed": 7}
        cases.append(Case(f"{function}: {name}", function, "initializer_samples", inputs, judge,
                          setting=f"`{function}({fan_in}, {fan_out}, rng)`"))

    for function in ("xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform"):
        case(function, "shape and determinism", 30, 70, _determinism)
        # 200 x 700: no two catalogued variants share a variance here (with fan_out = 2 or 3
        # times fan_in, "fan_out" coincides with "no factor 2" or "std as bound").
        case(function, "distribution, fan_in < fan_out", 200, 700, _distribution)
        case(function, "distribution, fan_in > fan_out", 1024, 128, _distribution)
    case("orthogonal", "shape and determinism", 50, 20, _determinism)
    case("orthogonal", "orthonormal columns (tall)", 300, 100, _orthonormal)
    case("orthogonal", "orthonormal rows (wide)", 64, 256, _orthonormal)
    case("orthogonal", "square and random", 128, 128, _orthonormal)
    return split_points(cases, POINTS)
