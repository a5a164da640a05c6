"""Reference: first-order update rules and learning-rate schedules (assignment ``optimizers``).

Every rule has the signature ``(w, dw, config=None) -> (next_w, config)``:
w and dw are arrays of the same shape; config is a dict of hyperparameters and
state, filled with defaults on the first call and returned for the next one.
A rule may update w in place and return it (as cs231n's optim.py and torch.optim
do), but dw belongs to the caller and must be left unchanged; the grader checks it.
"""

from __future__ import annotations

import math

import numpy as np

# The update rules, in the order the assignment teaches them (the schedules below are not rules).
UPDATE_RULES = ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "adamw")


def sgd(w, dw, config=None):
    """Vanilla SGD: w - learning_rate * dw.

    config: learning_rate (1e-2).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """SGD with (heavy-ball) momentum: v = momentum*v - lr*dw; w + v.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum in the look-ahead variables (w is x + momentum*v, dw its gradient).

    v_new = mu*v - lr*dw;  w_new = w - mu*v + (1 + mu)*v_new.
    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    mu = config["momentum"]
    v_new = mu * v - config["learning_rate"] * dw
    config["velocity"] = v_new
    return w - mu * v + (1 + mu) * v_new, config


def adagrad(w, dw, config=None):
    """AdaGrad: cache += dw**2; w - lr*dw / (sqrt(cache) + epsilon).

    config: learning_rate (1e-2), epsilon (1e-8), cache (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def rmsprop(w, dw, config=None):
    """RMSProp: cache = decay*cache + (1-decay)*dw**2; w - lr*dw / (sqrt(cache) + epsilon).

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    decay = config["decay_rate"]
    cache = decay * config.get("cache", np.zeros_like(w)) + (1 - decay) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam with bias correction; t is incremented before use.

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    m and v (zeros like w), t (0).
    """
    return _adam_step(w, dw, {} if config is None else config)


def adamw(w, dw, config=None):
    """Adam with decoupled weight decay, as torch.optim.AdamW: first w <- w * (1 - learning_rate *
    weight_decay), then the Adam step (the decay never enters m or v).

    config: as adam's, plus weight_decay (1e-2).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    return _adam_step(w * (1 - config["learning_rate"] * config["weight_decay"]), dw, config)


# adam and adamw share this step rather than adamw calling adam: a submission
# built on the reference that replaces adam (the hostile corpus does) must not
# silently change adamw too.
def _adam_step(w, dw, config):
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] += 1
    t = config["t"]
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
    m_hat = config["m"] / (1 - b1**t)
    v_hat = config["v"] / (1 - b2**t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config

# ------------------------------------------------------------------ schedules --

def step_decay(lr0, epoch, drop=0.1, every=30):
    """lr0 * drop ** floor(epoch / every)."""
    return lr0 * drop ** (epoch // every)


def cosine_decay(lr0, t, T):
    """lr0 * (1 + cos(pi t / T)) / 2 for 0 <= t <= T."""
    return lr0 * 0.5 * (1 + math.cos(math.pi * t / T))


def linear_decay(lr0, t, T):
    """lr0 * (1 - t / T) for 0 <= t <= T."""
    return lr0 * (1 - t / T)


def inverse_sqrt_decay(lr0, t):
    """lr0 / sqrt(t) for t >= 1."""
    return lr0 / math.sqrt(t)


def linear_warmup(lr, t, warmup_steps):
    """lr * min(1, (t + 1) / warmup_steps): step 0 uses lr / warmup_steps, full lr from step warmup_steps - 1."""
    return lr * min(1.0, (t + 1) / warmup_steps)
