"""Graded checks for the ``initialization`` assignment.

Initializers are random, so each is checked by (1) shape and determinism under
its rng argument, from draws made in two separate sandboxes (the second draws
with another seed first, and NumPy's and Python's global generators are seeded
differently in each), and (2) statistics of a large draw against the exact distribution,
with the bounds of ``checks.statistics``: moments, the Kolmogorov–Smirnov distance
to the exact law and the fraction of repeated values (so a discrete draw that
matches every moment still fails), and for ``orthogonal`` the spread of the
entries of a Haar-random matrix besides orthonormality. A failing statistic is matched
against large draws from the catalogued wrong variants to name the mistake.
"""

from __future__ import annotations

import math

from autograder.checks import statistics
from autograder.checks.framework import Case, Statistical, binary, bounded, exact, near, split_points
from autograder.references import initialization as reference

FUNCTIONS = ("xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform", "orthogonal")
POINTS = {name: 8.0 for name in FUNCTIONS}

NORMAL = {"xavier_normal", "kaiming_normal"}
# P(|Z| > 2) for a standard normal: the fraction of a normal draw beyond two standard deviations.
NORMAL_TAIL_2SD = math.erfc(2 / math.sqrt(2))


def target_variance(function: str, fan_in: int, fan_out: int) -> float:
    return 2.0 / (fan_in + fan_out) if function.startswith("xavier") else 2.0 / fan_in


def _determinism(case):
    shape = (int(case.inputs["fan_in"]), int(case.inputs["fan_out"]))
    return {"stats": [
        binary("shape_ok", "W has shape (fan_in, fan_out)", 1, f"W does not have shape (fan_in, fan_out) = {shape}"),
        binary("finite", "W is finite", 1, "W contains NaN or inf") | {"unless_failed": True},
        binary("same_seed_equal", "same seed, same W", 1,
               "two rngs made with the same seed gave different W, drawn in two separate runs (the second "
               "drew with another seed first, and NumPy's and Python's global generators were seeded "
               "differently); rng must be the only source of randomness"),
        binary("other_seed_equal", "another seed, same W", 0,
               "rngs with different seeds gave the same W (drawn in two separate runs); draw W from rng")
        | {"unless_failed": True}],
        "rules": {k: exact for k in ("shape_ok", "transposed", "finite", "same_seed_equal", "other_seed_equal")}}


def _distribution(case):
    function = case.function
    fan_in, fan_out = int(case.inputs["fan_in"]), int(case.inputs["fan_out"])
    n = fan_in * fan_out
    var = target_variance(function, fan_in, fan_out)
    sd = math.sqrt(var)
    stats = []
    if function in NORMAL:
        # The mean of n i.i.d. N(0, var) draws is exactly N(0, var / n).
        t = statistics.normal_mean_halfwidth(n, sd)
        stats.append(bounded("mean", "the mean of W", -t, t, f"0 ± {t:.3g}"))
        lo, hi = statistics.chi_square_relative_bounds(n)
        stats.append(bounded("mean_square", "the variance (mean of W²)", lo * var, hi * var,
                             f"{var:.5g} (between {lo * var:.5g} and {hi * var:.5g}: chi-square bounds of Laurent "
                             f"and Massart)"))
        t = statistics.hoeffding_halfwidth(n, 1.0)
        stats.append(bounded("tail", "the fraction of entries beyond 2 standard deviations",
                             NORMAL_TAIL_2SD - t, NORMAL_TAIL_2SD + t,
                             f"{NORMAL_TAIL_2SD:.4f} ± {t:.4f} for a normal distribution (Hoeffding)"))
    else:
        a = math.sqrt(3 * var)
        t = statistics.hoeffding_halfwidth(n, 2 * a)
        stats.append(bounded("mean", "the mean of W", -t, t, f"0 ± {t:.3g} (Hoeffding)"))
        # W² lies in [0, a²], so Hoeffding bounds mean(W²) around a²/3 = var.
        t = statistics.hoeffding_halfwidth(n, a * a)
        stats.append(bounded("mean_square", "the variance (mean of W²)", var - t, var + t,
                             f"{var:.5g} ± {t:.3g} (Hoeffding)"))
        # P(max|W| < a(1 - eps)) = (1 - eps)^n; eps = 25/n makes that e^-25 < DELTA.
        eps = 25.0 / n
        stats.append(bounded("max_abs", "max |W|", a * (1 - eps), a * (1 + 1e-9),
                             f"just below the bound a = sqrt(3 * variance) = {a:.5g} (a U(-a, a) draw of {n} "
                             f"values stays further below with probability < {statistics.DELTA:g})"))

    law, scale = ("normal", sd) if function in NORMAL else ("uniform", math.sqrt(3 * var))
    eps = statistics.dkw_halfwidth(n)
    stats.append(bounded("ks_distance", f"the Kolmogorov–Smirnov distance of W to {_law_text(law, scale)}",
                         0.0, eps, f"at most {eps:.4f} (the Dvoretzky–Kiefer–Wolfowitz bound for {n} draws)"))
    limit = statistics.repeated_fraction_limit(n)
    stats.append(bounded("repeated_fraction", "the fraction of repeated values in W", 0.0, limit,
                         f"at most {limit:g}: a continuous distribution almost never repeats a value"))

    def max_abs_rule(value, values):
        scale = values["mean_square"] / var
        t = 0.25 * value * max(1.0, math.sqrt(scale))
        return [value - t, value + t]

    def unless_discrete(rule):
        # A discrete draw is named by its repeats alone, whatever moments it was built to match.
        def named(value, values):
            return [-math.inf, math.inf] if values["repeated_fraction"] > limit else rule(value, values)
        return named

    # A variant is named when the student's draw has its variance, tail and range (or repeats).
    rules = {"mean_square": near(0.0, 0.06), "tail": near(0.02), "max_abs": max_abs_rule}
    rules = {key: unless_discrete(rule) for key, rule in rules.items()}
    rules["repeated_fraction"] = statistics.side_or_near(0.0, limit, limit)
    return {"params": {"threshold": 2 * sd, "law": law, "scale": scale}, "stats": stats, "rules": rules}


def _law_text(law: str, scale: float) -> str:
    return f"N(0, {scale:.4g}²)" if law == "normal" else f"U(-{scale:.4g}, {scale:.4g})"


# ------------------------------------------------------------------------ orthogonal --

def _orthonormal(case):
    fan_in, fan_out = case.inputs["fan_in"], case.inputs["fan_out"]
    which, gram = ("columns", "WᵀW") if fan_in >= fan_out else ("rows", "WWᵀ")
    stats = [binary("shape_ok", "W has shape (fan_in, fan_out)", 1,
                    f"W does not have shape (fan_in, fan_out) = {(fan_in, fan_out)}"),
             bounded("deviation", f"max |{gram} - I|", 0.0, 1e-8, f"below 1e-8: orthonormal {which}")]
    if fan_in == fan_out:
        # For a Haar-random orthogonal matrix trace(W) is close to N(0, 1) (Diaconis and
        # Shahshahani); |trace| > 8 would be a 1e-15 event, while the identity or a fixed
        # rotation has trace near n.
        stats.append(bounded("abs_trace", "|trace(W)|", 0.0, 8.0,
                             "at most 8: a random orthogonal matrix has trace near 0 (is W close to the identity?)"))

    # Orthonormal is not enough: the entries of a Haar-random W, times √n, are spread like
    # N(0, 1), so their mean absolute value is near √(2/π) and none is large (a signed
    # permutation is orthogonal, with entries 0 and ±1).
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    centre, t = statistics.haar_mean_abs_expected(n), statistics.haar_mean_abs_halfwidth(n, k)
    stats.append(bounded("mean_abs_scaled", "the mean of √n·|W| (n = max(fan_in, fan_out))", centre - t, centre + t,
                         f"{centre:.4f} ± {t:.3f}, as for a Haar-random orthogonal W (concentration on the "
                         f"orthogonal group)") | {"unless_failed": True})
    top = statistics.sphere_max_abs_bound(n, n * k)
    stats.append(bounded("max_abs", "max |W|", 0.0, top,
                         f"at most {top:.3f}: no entry of a Haar-random orthogonal W is that large (spherical caps)")
                 | {"unless_failed": True})

    def deviation_rule(value, values):
        return [0.05, math.inf] if value > 0.05 else [0.0, 0.05]

    return {"stats": stats, "error_stat": "deviation",
            "rules": {"shape_ok": exact, "transposed": exact, "deviation": deviation_rule,
                      "mean_abs_scaled": statistics.side_or_near(centre - t, centre + t, t)}}


def build_cases() -> list[Case]:
    cases = []

    families = {_determinism: "init_determinism", _distribution: "init_distribution", _orthonormal: "orthonormal"}

    def case(function, name, fan_in, fan_out, describe):
        judge = Statistical(families[describe], describe, reference)
        inputs = {"function": function, "fan_in": fan_in, "fan_out": fan_out, "seed": 2024, "other_seed": 7}
        # Seed discipline is judged from draws made in two sandboxes, so no one process can fake it.
        replica = "initializer_replica" if describe is _determinism else None
        cases.append(Case(f"{function}: {name}", function, "initializer_samples", inputs, judge,
                          setting=f"`{function}({fan_in}, {fan_out}, rng)`", replica=replica))

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
