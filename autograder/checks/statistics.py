"""Acceptance bounds for checks of random outputs.

Every bound is set so that a correct implementation falls outside it with
probability at most DELTA. The suites have 62 such bounds (47 for the
initializers, 15 for dropout_forward), so by the union bound a correct
submission loses points to bad luck with probability below 6.2e-7
(tests/statistics/test_bounds_soak.py grades the references on 30 and, marked
slow, 500 seeds per case to confirm the bounds are not tight in practice, and the
moment-matching cheats on every one of them to confirm the tests have power).

Everything here only sets bounds; the statistics themselves are computed in
autograder/sandbox/inside/judging.py (NumPy only: it also runs in the students'
self-check, in their kernel or in Pyodide).
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


# ------------------------------------------------------------- distribution tests --

def dkw_halfwidth(n: int) -> float:
    """Kolmogorov–Smirnov acceptance distance for n i.i.d. draws from a continuous F.

    Dvoretzky–Kiefer–Wolfowitz with Massart's constant (1990):
    P(sup_x |F_n(x) - F(x)| > ε) <= 2 exp(-2 n ε²), for any continuous F and any n.
    Solving 2 exp(-2 n ε²) = DELTA gives ε = sqrt(ln(2/DELTA) / (2n)), the same
    number as Hoeffding's half-width for values in [0, 1] (F_n(x) at one x is such a
    mean; DKW makes it hold for every x at once). For n = 140000, ε = 0.0083; a draw
    from a distribution with an atom of mass m sits at least m/2 from a continuous F."""
    return hoeffding_halfwidth(n, 1.0)


def repeated_fraction_limit(n: int, atom: float = 2.0 ** -50) -> float:
    """Upper bound on the fraction of repeated values (1 - distinct/n) in n draws
    of a correct float64 normal or uniform initializer.

    NumPy's generators build each uniform from 53 random bits and each normal
    (ziggurat) from at least 52, and no float64 value is hit by more than a few of
    those bit patterns, so every value has probability at most ``atom`` = 2^-50.
    The number of repeated values is at most the number of equal pairs, whose
    expectation is at most C(n, 2)·atom (2e-5 for n = 2e5). Markov's inequality:
    P(repeats >= k) <= C(n, 2)·atom / k, which is <= DELTA for
    k = C(n, 2)·atom / DELTA. The limit returned is that k over n, but never
    below 5% (float32 draws, which repeat about 0.2% of their values, still pass;
    a draw from k support points repeats n - k of them)."""
    k = n * (n - 1) / 2 * atom / DELTA
    return max(k / n, 0.05)


def runs_halfwidth(count: int) -> float:
    """Acceptance half-width for the number of runs in Bernoulli sequences.

    For independent keep/drop indicators m_1..m_N (several sequences laid end to
    end are fine: ``count`` is the total number of indicators), the number of
    changes Σ 1[m_i != m_{i+1}] changes by at most 2 when one m_i changes.
    McDiarmid's bounded-difference inequality (a Hoeffding-type bound):
    P(|R - E R| >= t) <= 2 exp(-2 t² / Σ c_i²) with c_i = 2, so
    t = sqrt(2 N ln(2/DELTA)). E R = (number of adjacent pairs)·2p(1-p).
    For N = 200000 and p = 0.3: E R = 84000 ± 2765; one kept block has 2 runs."""
    return math.sqrt(2 * count * LOG_TERM)


def agreement_halfwidth(draws: int, units: int) -> float:
    """Acceptance half-width for the fraction of units on which consecutive masks
    (of ``draws`` masks of ``units`` units, all independent) agree.

    The fraction A = Σ_{s<S, i} 1[m_{s,i} = m_{s+1,i}] / ((S-1)·N) has mean
    p² + (1-p)², and each indicator enters at most 2 terms, so changing it moves A by
    at most c = 2 / ((S-1)·N). McDiarmid over the S·N indicators:
    t = sqrt(ln(2/DELTA)·S·N·c² / 2) = sqrt(2 S N ln(2/DELTA)) / ((S-1)·N)."""
    return math.sqrt(2 * draws * units * LOG_TERM) / ((draws - 1) * units)


def union_hoeffding_halfwidth(n: int, count: int, value_range: float = 1.0) -> float:
    """Hoeffding for ``count`` means of n values each, all at once: the union bound
    spends DELTA / count on each, t = range·sqrt(ln(2·count/DELTA) / (2n))."""
    return value_range * math.sqrt(math.log(2 * count / DELTA) / (2 * n))


# Haar-random orthogonal matrices.
# Meckes, "The Random Matrix Theory of the Classical Compact Groups" (2019), Thm 5.17:
# for U Haar on SO(n) (or its other coset SO⁻(n)) and F L-Lipschitz in the
# Hilbert–Schmidt norm, P(F(U) >= E F(U) + t) <= exp(-(n-2) t² / (24 L²)). (The
# Bakry–Émery argument gives 8 in place of 24; 24 is the safe constant.) A function
# that is unchanged by flipping the sign of one row has the same mean on both cosets,
# so the bound holds for U Haar on O(n), both tails together with probability 2·that.
HAAR_CONSTANT = 24.0


def haar_mean_abs_expected(n: int) -> float:
    """E|√n·x_1| for x uniform on the unit sphere of R^n: each column of a Haar
    orthogonal n×n matrix is such an x, and so is each column of the first k (a
    tall orthogonal initializer) or each row of its transpose (a wide one).
    E|x_1| = Γ(n/2) / (√π Γ((n+1)/2)) (x_1² is Beta(1/2, (n-1)/2)); it tends to
    E|Z| = √(2/π) = 0.798 for Z ~ N(0, 1)."""
    return math.sqrt(n) * math.exp(math.lgamma(n / 2) - math.lgamma((n + 1) / 2)) / math.sqrt(math.pi)


def haar_mean_abs_halfwidth(n: int, k: int) -> float:
    """Acceptance half-width for mean_ij |√n·W_ij| over the n·k entries of k
    orthonormal columns of a Haar n×n matrix U (or their transpose).

    F(U) = (√n / (n k)) Σ |U_ij| over the first k columns is L-Lipschitz in the
    Hilbert–Schmidt norm with L = 1/√k (Cauchy–Schwarz over the n k entries), and is
    unchanged by flipping a row's sign. Meckes's bound (above), both tails:
    t = L·sqrt(HAAR_CONSTANT·ln(2/DELTA) / (n - 2)). For n = k = 128, t = 0.169
    around 0.80: a signed permutation has 1/√n = 0.09, a ±1/√n (Hadamard-like) matrix 1."""
    return math.sqrt(HAAR_CONSTANT * LOG_TERM / (n - 2)) / math.sqrt(k)


def sphere_max_abs_bound(n: int, entries: int) -> float:
    """Upper bound on max |x_i| over ``entries`` coordinates, each a coordinate of
    a unit vector uniform on the sphere of R^n.

    A spherical cap {x_1 >= ε} has measure at most exp(-n ε² / 2) (Ball, "An
    elementary introduction to modern convex geometry", Lemma 2.2), so by the union
    bound over both signs and all entries, P(max |x_i| >= ε) <= 2·entries·exp(-n ε²/2)
    = DELTA at ε = sqrt(2 ln(2·entries/DELTA) / n). For n = k = 128: 0.67; a
    signed permutation has entries ±1."""
    return math.sqrt(2 * math.log(2 * entries / DELTA) / n)


def side_or_near(lo: float, hi: float, tol: float):
    """A naming rule (see checks.framework): a wrong variant whose statistic falls
    outside the acceptance interval [lo, hi] is named for any value on the same side;
    one inside it, for values within ``tol`` of its own."""
    def rule(value, values):
        if value < lo:
            return [-math.inf, lo]
        if value > hi:
            return [hi, math.inf]
        return [value - tol, value + tol]
    return rule
