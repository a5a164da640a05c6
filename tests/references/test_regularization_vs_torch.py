"""The reference dropout against torch.nn.functional.dropout, and the penalties'
gradients against torch autograd.

torch's ``p`` is the probability of DROPPING a unit; ours is the probability of
keeping it, so torch is called with 1 - p.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.checks import statistics
from autograder.references import regularization as ref

N = 400_000


def _torch_dropout(x: np.ndarray, keep: float, seed: int) -> np.ndarray:
    torch.manual_seed(seed)
    return F.dropout(torch.tensor(x), p=1 - keep, training=True).numpy()


def _ours(x, keep, seed, mode="train"):
    out, cache = ref.dropout_forward(x.copy(), {"p": keep, "mode": mode, "seed": seed})
    return out, cache


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8])
def test_keep_rate_matches_torch(keep):
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=N)
    mine, _ = _ours(x, keep, seed=1)
    theirs = _torch_dropout(x, keep, seed=1)
    # Hoeffding at failure probability 1e-8 for each rate; the two rates then differ by at most twice that.
    t = statistics.hoeffding_halfwidth(N, 1.0)
    rate_mine, rate_theirs = np.mean(mine != 0), np.mean(theirs != 0)
    assert abs(rate_mine - keep) < t and abs(rate_theirs - keep) < t
    assert abs(rate_mine - rate_theirs) < 2 * t


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8])
def test_units_kept_independently_like_torch(keep):
    """Runs test: neighbouring units differ (one kept, one dropped) at rate 2p(1 - p)
    for ours and for torch's, within McDiarmid's bound at failure probability 1e-8
    (autograder.checks.statistics.runs_halfwidth)."""
    x = np.random.default_rng(4).uniform(0.5, 1.5, size=N)
    t = statistics.runs_halfwidth(N) / (N - 1)
    for out in (_ours(x, keep, seed=5)[0], _torch_dropout(x, keep, seed=5)):
        kept = out != 0
        assert abs(np.mean(kept[1:] != kept[:-1]) - 2 * keep * (1 - keep)) < t


@pytest.mark.parametrize("keep", [0.3, 0.75])
def test_kept_units_scaled_by_exactly_one_over_keep_like_torch(keep):
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=10_000) * np.random.default_rng(2).choice([-1, 1], 10_000)
    for out in (_ours(x, keep, seed=3)[0], _torch_dropout(x, keep, seed=3)):
        kept = out != 0
        assert 0 < kept.sum() < x.size
        np.testing.assert_allclose(out[kept], x[kept] / keep, rtol=1e-15)
        assert np.all(out[~kept] == 0)


@pytest.mark.parametrize("keep", [0.25, 0.6])
def test_expectation_preserved_like_torch(keep):
    """Averaged over 2000 masks, each unit's output is close to x (both for ours and torch's).

    The mean of K outputs x·B/p, B ~ Bernoulli(p), has sd |x|·sqrt((1-p)/(pK));
    with K = 2000 the largest of 50 units' deviations stays below 6 sd (P < 1e-7).
    """
    x = np.linspace(-2, 3, 50)
    K = 2000
    ours = np.mean([_ours(x, keep, seed=s)[0] for s in range(K)], axis=0)
    torch.manual_seed(0)
    xt = torch.tensor(x).expand(K, -1)
    theirs = F.dropout(xt, p=1 - keep, training=True).mean(0).numpy()
    sd = np.abs(x) * math.sqrt((1 - keep) / (keep * K))
    assert np.all(np.abs(ours - x) <= 6 * sd + 1e-12)
    assert np.all(np.abs(theirs - x) <= 6 * sd + 1e-12)
    # and non-inverted dropout (no 1/p) would be caught by the same bound
    assert np.any(np.abs(keep * ours - x) > 6 * sd + 1e-12)


def test_test_mode_is_identity_like_torch_eval():
    x = np.random.default_rng(4).standard_normal((7, 9))
    mine, _ = _ours(x, 0.3, seed=None, mode="test")
    theirs = F.dropout(torch.tensor(x), p=0.7, training=False).numpy()
    np.testing.assert_array_equal(mine, x)
    np.testing.assert_array_equal(theirs, x)


def test_same_seed_same_mask_other_seed_other_mask():
    x = np.ones((64, 64))
    a, _ = _ours(x, 0.5, seed=10)
    b, _ = _ours(x, 0.5, seed=10)
    c, _ = _ours(x, 0.5, seed=11)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_dropout_backward_is_autograd_of_the_forward(keep):
    """torch autograd differentiates the same mask (taken from our forward pass) independently."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((20, 30))
    dout = rng.standard_normal((20, 30))
    out, cache = _ours(x, keep, seed=6)
    kept = torch.tensor(out != 0)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.where(kept, xt / keep, torch.zeros_like(xt))
    np.testing.assert_allclose(yt.detach().numpy(), out, rtol=1e-15)
    (yt * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(ref.dropout_backward(dout, cache), xt.grad.numpy(), rtol=1e-14)
    _, test_cache = _ours(x, keep, seed=None, mode="test")
    np.testing.assert_array_equal(ref.dropout_backward(dout, test_cache), dout)


def test_dropout_keeps_float32():
    x = np.random.default_rng(7).standard_normal((10, 10)).astype(np.float32)
    out, _ = _ours(x, 0.5, seed=1)
    assert out.dtype == np.float32


# ------------------------------------------------------------------ penalties --

def _autograd_penalty(name, W, reg, beta=None):
    Wt = torch.tensor(W, requires_grad=True)
    if name == "l2_regularization":
        loss = reg * (Wt**2).sum()
    elif name == "l1_regularization":
        loss = reg * Wt.abs().sum()
    else:
        loss = reg * (beta * Wt**2 + Wt.abs()).sum()
    loss.backward()
    return float(loss.detach()), Wt.grad.numpy()


@pytest.mark.parametrize("name,args", [("l2_regularization", (0.1,)), ("l1_regularization", (0.03,)),
                                       ("elastic_net", (0.05, 0.7)), ("elastic_net", (2.0, 0.0))])
def test_penalty_and_gradient_match_autograd(name, args):
    rng = np.random.default_rng(8)
    W = rng.standard_normal((30, 40)) * 2
    W[0, :5] = 0.0  # |w| has a kink at 0: torch and the reference both take 0 there
    loss, dW = getattr(ref, name)(W.copy(), *args)
    t_loss, t_dW = _autograd_penalty(name, W, *args)
    assert isinstance(loss, float)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    np.testing.assert_allclose(dW, t_dW, rtol=1e-12, atol=1e-15)
    assert dW.shape == W.shape


def test_penalties_leave_w_unchanged():
    W = np.random.default_rng(9).standard_normal((5, 6))
    before = W.copy()
    ref.l2_regularization(W, 0.1)
    ref.l1_regularization(W, 0.1)
    ref.elastic_net(W, 0.1, 0.5)
    np.testing.assert_array_equal(W, before)
