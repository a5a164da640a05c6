"""Correct but slow ways students write graded functions: element-by-element
Python loops where the reference vectorises, lists instead of arrays, deep
copies of the state on every call, schedules by repeated multiplication.

Each must earn full marks, and each must finish within the budget calibrated
from the reference (``tests/budgets/test_budgets.py``).
"""
from __future__ import annotations

import copy
import math

import numpy as np


def adam(w, dw, config=None):
    """Adam one element at a time."""
    config = {} if config is None else config
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        if key not in config:
            config[key] = default
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = config.get("t", 0) + 1
    new_w, new_m, new_v = np.empty_like(w), np.empty_like(m), np.empty_like(v)
    b1, b2, lr, eps = config["beta1"], config["beta2"], config["learning_rate"], config["epsilon"]
    for index in np.ndindex(w.shape):
        g = dw[index]
        new_m[index] = b1 * m[index] + (1 - b1) * g
        new_v[index] = b2 * v[index] + (1 - b2) * g * g
        m_hat = new_m[index] / (1 - b1 ** t)
        v_hat = new_v[index] / (1 - b2 ** t)
        new_w[index] = w[index] - lr * m_hat / (math.sqrt(v_hat) + eps)
    config.update(m=new_m, v=new_v, t=t)
    return new_w, config


def rmsprop(w, dw, config=None):
    """RMSProp through Python lists."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    decay = config["decay_rate"]
    cache = config.get("cache", np.zeros_like(w)).reshape(-1).tolist()
    flat_w, flat_dw = w.reshape(-1).tolist(), dw.reshape(-1).tolist()
    out, new_cache = [], []
    for wi, gi, ci in zip(flat_w, flat_dw, cache, strict=True):
        c = decay * ci + (1 - decay) * gi * gi
        new_cache.append(c)
        out.append(wi - config["learning_rate"] * gi / (math.sqrt(c) + config["epsilon"]))
    config["cache"] = np.array(new_cache, dtype=w.dtype).reshape(w.shape)
    return np.array(out, dtype=w.dtype).reshape(w.shape), config


def sgd_momentum(w, dw, config=None):
    """Momentum that deep-copies its whole state on every call."""
    config = copy.deepcopy({} if config is None else config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = copy.deepcopy(config.get("velocity", np.zeros_like(w)))
    for index in np.ndindex(w.shape):
        v[index] = config["momentum"] * v[index] - config["learning_rate"] * dw[index]
    config["velocity"] = v
    return w + v, config


def step_decay(lr0, epoch, drop=0.1, every=30):
    """By repeated multiplication."""
    lr = lr0
    for _ in range(int(epoch) // int(every)):
        lr *= drop
    return lr


def linear_warmup(lr, t, warmup_steps):
    """Counting up to the step."""
    fraction = 0.0
    for _ in range(int(t) + 1):
        fraction += 1.0 / warmup_steps
        if fraction >= 1.0:
            return lr
    return lr * fraction


def dropout_forward(x, dropout_param):
    """Inverted dropout with the mask applied one element at a time."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "test":
        return x.copy(), (dropout_param, None)
    if mode != "train":
        raise ValueError(mode)
    rng = np.random.default_rng(dropout_param.get("seed"))
    draws = rng.random(x.shape)
    mask = np.zeros(x.shape)
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        if draws[index] < p:
            mask[index] = 1.0 / p
            out[index] = x[index] * (1.0 / p)
    return out, (dropout_param, mask)


# (assignment, function) -> the slow implementation
STYLES = {
    ("optimizers", "adam"): adam,
    ("optimizers", "rmsprop"): rmsprop,
    ("optimizers", "sgd_momentum"): sgd_momentum,
    ("optimizers", "step_decay"): step_decay,
    ("optimizers", "linear_warmup"): linear_warmup,
    ("regularization", "dropout_forward"): dropout_forward,
}
