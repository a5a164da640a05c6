"""The distribution statistics in sandbox/inside/judging.py and the constants of their
bounds in checks/statistics.py, against direct computations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.checks import statistics
from autograder.sandbox.inside import compare, judging


def _received(raw: dict) -> dict:
    """Raw outputs as the judges receive them: encoded for the wire and decoded."""
    return compare.decode_outputs(*compare.encode_outputs(raw))


def _ks_by_definition(values, cdf):
    """sup_x |F_n(x) - F(x)| evaluated just before and at every sample point."""
    values = np.sort(values)
    n = values.size
    worst = 0.0
    for i, v in enumerate(values):
        worst = max(worst, abs((i + 1) / n - cdf(v)), abs(i / n - cdf(v)))
    return worst


@pytest.mark.parametrize("law", ["normal", "uniform"])
def test_ks_distance_matches_its_definition(law):
    rng = np.random.default_rng(3)
    scale = 0.7
    values = rng.normal(0, scale, 300) if law == "normal" else rng.uniform(-scale, scale, 300)
    cdf = ((lambda v: 0.5 * (1 + math.erf(v / (scale * math.sqrt(2))))) if law == "normal"
           else (lambda v: min(1.0, max(0.0, (v + scale) / (2 * scale)))))
    assert judging._ks_distance(np.sort(values), law, scale) == pytest.approx(_ks_by_definition(values, cdf), abs=1e-12)


def test_ks_distance_of_a_wrong_scale_is_large_and_of_the_right_one_small():
    rng = np.random.default_rng(4)
    values = np.sort(rng.normal(0, 1.0, 50_000))
    eps = statistics.dkw_halfwidth(values.size)
    assert judging._ks_distance(values, "normal", 1.0) < eps
    assert judging._ks_distance(values, "normal", 1.1) > eps
    assert judging._ks_distance(values, "uniform", math.sqrt(3)) > eps


def test_repeated_fraction_counts_values_seen_before():
    W = np.array([[1.0, 2.0, 2.0], [3.0, 1.0, 2.0]])
    stats = judging.init_distribution(_received({"first": W}), {"fan_in": 2, "fan_out": 3},
                                      {"threshold": 1.0, "law": "uniform", "scale": 3.0})
    assert stats["repeated_fraction"] == pytest.approx(3 / 6)


def test_change_rate_is_the_number_of_runs_less_one_over_the_pairs():
    kept = np.array([1, 1, 0, 0, 0, 1, 0, 1, 1, 1], dtype=bool)   # runs: 11 000 1 0 111 -> 5
    assert judging._change_rate(kept) == pytest.approx((5 - 1) / 9)
    grid = np.array([[1, 0], [1, 0]], dtype=bool)
    assert judging._change_rate(grid) == pytest.approx(3 / 3)          # 1 0 1 0 along the rows
    assert judging._change_rate(grid.T) == pytest.approx(1 / 3)        # 1 1 0 0 down the columns


def test_independence_statistics_of_a_block_mask():
    x = np.ones(10)
    masks = np.zeros((3, 10))
    for s in range(3):
        masks[s, s:s + 4] = 2.0                                           # kept units carry x / p
    stats = judging.dropout_independence(_received({"train_seeds": masks}), {"x": x, "p": 0.5, "draws": 3}, {})
    assert stats["change_rate"] == pytest.approx((1 + 2 + 2) / 27)                # the first block starts at 0
    assert stats["seed_agreement"] == pytest.approx(8 / 10)
    assert stats["position_rate_gap"] == pytest.approx(0.5)


def test_haar_mean_abs_expected_agrees_with_the_sphere_and_the_limit():
    rng = np.random.default_rng(5)
    n = 40
    g = rng.standard_normal((200_000, n))
    x1 = g[:, 0] / np.linalg.norm(g, axis=1)
    assert statistics.haar_mean_abs_expected(n) == pytest.approx(math.sqrt(n) * np.mean(np.abs(x1)), rel=5e-3)
    assert statistics.haar_mean_abs_expected(10 ** 6) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-5)


def test_bounds_have_the_documented_sizes():
    assert statistics.dkw_halfwidth(140_000) == pytest.approx(0.00826, abs=1e-5)
    assert statistics.runs_halfwidth(200_000) == pytest.approx(2765, abs=1)
    assert statistics.haar_mean_abs_halfwidth(128, 128) == pytest.approx(0.169, abs=1e-3)
    assert statistics.sphere_max_abs_bound(128, 128 * 128) == pytest.approx(0.671, abs=1e-3)
    # The tail bounds the constants come from are at DELTA.
    eps = statistics.dkw_halfwidth(1000)
    assert 2 * math.exp(-2 * 1000 * eps ** 2) == pytest.approx(statistics.DELTA)
    t = statistics.agreement_halfwidth(100, 1000)
    c = 2 / (99 * 1000)
    assert 2 * math.exp(-2 * t ** 2 / (100 * 1000 * c ** 2)) == pytest.approx(statistics.DELTA)


def test_side_or_near_rule():
    rule = statistics.side_or_near(0.4, 0.5, 0.01)
    assert rule(0.1, {}) == [-math.inf, 0.4]
    assert rule(0.9, {}) == [0.5, math.inf]
    assert rule(0.45, {}) == pytest.approx([0.44, 0.46])
