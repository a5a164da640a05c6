"""Reference: dropout and weight penalties (assignment ``regularization``)."""

from __future__ import annotations

import numpy as np


def dropout_forward(x, dropout_param):
    """Inverted dropout.

    x: array of any shape.
    dropout_param: p (probability of KEEPING a unit), mode ('train' or 'test'),
    optional seed (same seed gives the same mask).
    Train: out = x * mask / p with mask ~ Bernoulli(p); test: out = x.
    Returns (out, cache) with cache = (dropout_param, mask).
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = None
    if mode == "train":
        mask = (rng.random(x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x.copy()
    else:
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    """Gradient of inverted dropout: dout * mask / p in train mode, dout in test mode."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def l2_regularization(W, reg):
    """loss = reg * sum(W**2); dW = 2 * reg * W."""
    return float(reg * np.sum(W * W)), 2 * reg * W


def l1_regularization(W, reg):
    """loss = reg * sum(|W|); dW = reg * sign(W) (0 at W == 0)."""
    return float(reg * np.sum(np.abs(W))), reg * np.sign(W)


def elastic_net(W, reg, beta):
    """loss = reg * sum(beta * W**2 + |W|); dW = reg * (2 * beta * W + sign(W))."""
    return float(reg * np.sum(beta * W * W + np.abs(W))), reg * (2 * beta * W + np.sign(W))
