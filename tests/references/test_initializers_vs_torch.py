"""The reference initializers against torch.nn.init, by distribution.

torch stores a Linear weight as (fan_out, fan_in); ours is (fan_in, fan_out), so
torch's draws are made on (fan_out, fan_in) and transposed. Every comparison
uses a threshold a correct pair of draws crosses with probability about 1e-6,
and each is shown to reject a catalogued wrong variant, so it can fail.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
import torch

from autograder.mistakes import variants
from autograder.references import initialization as ref

P_REJECT = 1e-6


def _torch_draw(name: str, fan_in: int, fan_out: int, seed: int) -> np.ndarray:
    torch.manual_seed(seed)
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    init = {
        "xavier_normal": lambda t: torch.nn.init.xavier_normal_(t),
        "xavier_uniform": lambda t: torch.nn.init.xavier_uniform_(t),
        "kaiming_normal": lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu"),
        "kaiming_uniform": lambda t: torch.nn.init.kaiming_uniform_(t, mode="fan_in", nonlinearity="relu"),
        "orthogonal": lambda t: torch.nn.init.orthogonal_(t),
    }[name]
    return init(w).numpy().T.copy()


def _ours(name, fan_in, fan_out, seed, **knobs):
    rng = np.random.default_rng(seed)
    if knobs:
        return getattr(variants, name)(fan_in, fan_out, rng, **knobs)
    return getattr(ref, name)(fan_in, fan_out, rng)


# (fan_in, fan_out) pairs with the two fans far apart, so that using the wrong fan shows.
SHAPES = [(400, 1000), (1500, 300)]
# A catalogued mistake per initializer: the oracle comparison must reject it.
WRONG = {
    "xavier_normal": {"var_as_std": True},
    "xavier_uniform": {"bound_sqrt_3": True},
    "kaiming_normal": {"use_fan_out": True},
    "kaiming_uniform": {"normal_instead": True},
}


@pytest.mark.parametrize("fan_in,fan_out", SHAPES)
@pytest.mark.parametrize("name", sorted(WRONG))
def test_same_distribution_as_torch(name, fan_in, fan_out):
    mine = _ours(name, fan_in, fan_out, seed=1)
    theirs = _torch_draw(name, fan_in, fan_out, seed=1)
    assert mine.shape == theirs.shape == (fan_in, fan_out)
    # Two-sample Kolmogorov-Smirnov on all 400k entries of each.
    assert st.ks_2samp(mine.ravel(), theirs.ravel()).pvalue > P_REJECT
    # Variances agree to within what two independent draws of this size allow:
    # the sample variance of n draws has relative sd sqrt(2/n) (normal) or less
    # (uniform); 6 sd of the difference is a 1e-9 event.
    n = mine.size
    assert abs(mine.var() / theirs.var() - 1) < 6 * math.sqrt(2 * 2 / n)
    assert abs(mine.mean()) < 6 * mine.std() / math.sqrt(n)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_the_comparison_rejects_a_wrong_variant(name):
    fan_in, fan_out = SHAPES[0]
    wrong = _ours(name, fan_in, fan_out, seed=1, **WRONG[name])
    theirs = _torch_draw(name, fan_in, fan_out, seed=1)
    assert st.ks_2samp(wrong.ravel(), theirs.ravel()).pvalue < P_REJECT


@pytest.mark.parametrize("fan_in,fan_out", SHAPES)
@pytest.mark.parametrize("name", ["xavier_uniform", "kaiming_uniform"])
def test_uniform_bounds_are_torchs(name, fan_in, fan_out):
    """All entries within torch's bound and reaching out to it.

    For n draws of U(-a, a), P(max|w| < a(1 - e)) = (1 - e)^n; with n = 4e5 and
    e = 5e-5 that is e^-20, so both draws reach within 5e-5·a of the bound.
    """
    mine = _ours(name, fan_in, fan_out, seed=2)
    theirs = _torch_draw(name, fan_in, fan_out, seed=2)
    a_torch = np.max(np.abs(theirs))
    a_mine = np.max(np.abs(mine))
    assert abs(a_mine / a_torch - 1) < 1e-4
    fan = fan_in + fan_out if name == "xavier_uniform" else fan_in
    assert a_mine <= math.sqrt(6 / fan) and a_mine > math.sqrt(6 / fan) * (1 - 5e-5)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_rng_is_the_only_source_of_randomness(name):
    np.random.seed(1)
    a = _ours(name, 30, 50, seed=7)
    np.random.seed(2)
    b = _ours(name, 30, 50, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _ours(name, 30, 50, seed=8))


# ------------------------------------------------------------------ orthogonal --

@pytest.mark.parametrize("fan_in,fan_out", [(300, 100), (64, 256), (128, 128), (1, 5), (5, 1)])
def test_orthogonal_is_orthonormal_like_torchs(fan_in, fan_out):
    mine = _ours("orthogonal", fan_in, fan_out, seed=3)
    theirs = _torch_draw("orthogonal", fan_in, fan_out, seed=3)
    assert mine.shape == theirs.shape == (fan_in, fan_out)
    for w in (mine, theirs):
        # columns orthonormal when tall, rows when wide: the same orientation as torch's
        gram = w.T @ w if fan_in >= fan_out else w @ w.T
        np.testing.assert_allclose(gram, np.eye(min(fan_in, fan_out)), atol=1e-12)


def test_orthogonal_is_haar_distributed_like_torchs():
    """Entries and traces of many 12x12 draws have torch's (Haar) distribution.

    QR without folding the signs of R's diagonal into Q is orthonormal too, but
    not uniformly distributed: the same comparison rejects it.
    """
    n, draws = 12, 1500
    rng = np.random.default_rng(4)
    torch.manual_seed(4)
    mine = np.array([ref.orthogonal(n, n, rng) for _ in range(draws)])
    theirs = np.array([torch.nn.init.orthogonal_(torch.empty(n, n, dtype=torch.float64)).numpy().T
                       for _ in range(draws)])
    unfixed = np.array([variants.orthogonal(n, n, rng, no_sign_fix=True) for _ in range(draws)])
    traces = lambda ws: np.trace(ws, axis1=1, axis2=2)
    assert st.ks_2samp(traces(mine), traces(theirs)).pvalue > P_REJECT
    assert st.ks_2samp(mine[:, 0, 0], theirs[:, 0, 0]).pvalue > P_REJECT
    assert st.ks_2samp(traces(unfixed), traces(theirs)).pvalue < P_REJECT
    assert st.ks_2samp(unfixed[:, 0, 0], theirs[:, 0, 0]).pvalue < P_REJECT
