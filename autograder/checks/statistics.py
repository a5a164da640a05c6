"""Acceptance bounds for checks of random outputs.

Every bound is set so that a correct implementation falls outside it with
probability at most DELTA. A suite has a few dozen such bounds, so by the union
bound a correct submission loses points to bad luck with probability below
1e-6 (tests/engine grade many correct runs to confirm the bounds are not tight
in practice).
"""

from __future__ import annotations

import math

DELTA = 1e-8
# ln(2 / DELTA): the exponent that appears in every two-sided tail bound below.
LOG_TERM = math.log(2 / DELTA)          # = 19.11
# Two-sided standard-normal quantile for DELTA: P(|Z| > 5.73) = 1.0e-8.
Z = 5.73


def hoeffding_halfwidth(n: int, value_range: float) -> float:
    """Hoeffding: for n independent values in an interval of length ``value_range``,
    P(|mean - E mean| >= t) <= 2 exp(-2 n t² / range²). Solving for DELTA gives
    t = range * sqrt(ln(2/DELTA) / (2n))."""
    return value_range * math.sqrt(LOG_TERM / (2 * n))


def chi_square_relative_bounds(n: int) -> tuple[float, float]:
    """Bounds on (1/n)·Σ w_i² / σ² for n i.i.d. N(0, σ²) draws, i.e. χ²_n / n.

    Laurent & Massart (2000): P(χ²_n - n >= 2√(n x) + 2x) <= e^-x and
    P(n - χ²_n >= 2√(n x)) <= e^-x. With x = ln(2/DELTA) both tails together have
    probability <= DELTA. For n = 131072 this is [0.9759, 1.0244]."""
    x = LOG_TERM
    return 1 - 2 * math.sqrt(x / n), 1 + 2 * math.sqrt(x / n) + 2 * x / n


def normal_mean_halfwidth(n: int, sigma: float) -> float:
    """The mean of n i.i.d. N(0, σ²) draws is N(0, σ²/n) exactly."""
    return Z * sigma / math.sqrt(n)
