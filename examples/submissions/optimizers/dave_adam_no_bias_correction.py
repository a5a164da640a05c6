# Wrong on purpose: Adam without bias correction
# Everything else is correct (copied from examples/submissions/optimizers/alice_correct.py).
# breaks: adam
# mistake: adam-no-bias-correction

import math

import numpy as np


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v + dw
    w -= config["learning_rate"] * v
    config["velocity"] = v
    return w, config


def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    buf = config.get("velocity")
    if buf is None:
        buf = np.zeros_like(w)
    mu = config["momentum"]
    buf = mu * buf + dw
    w -= config["learning_rate"] * (dw + mu * buf)
    config["velocity"] = buf
    return w, config


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    if "cache" not in config:
        config["cache"] = np.zeros_like(w)
    config["cache"] += dw ** 2
    w -= config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return w, config


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    rho = config["decay_rate"]
    cache = rho * cache + (1 - rho) * dw ** 2
    config["cache"] = cache
    w -= config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    return w, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    m = config["beta1"] * m + (1 - config["beta1"]) * dw
    v = config["beta2"] * v + (1 - config["beta2"]) * dw ** 2
    config["m"], config["v"] = m, v
    config["t"] = config.get("t", 0) + 1
    w -= config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"])
    return w, config


def adamw(w, dw, config=None):
    # Self-contained rather than calling adam, so a broken adam does not break it too.
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    config.update(m=m, v=v, t=t)
    w = w * (1 - config["learning_rate"] * config["weight_decay"])
    return w - config["learning_rate"] * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + config["epsilon"]), config


def step_decay(lr0, epoch, drop=0.1, every=30):
    return lr0 * drop ** math.floor(epoch / every)


def cosine_decay(lr0, t, T):
    return lr0 / 2 * (1 + np.cos(np.pi * t / T))


def linear_decay(lr0, t, T):
    return lr0 - lr0 * t / T


def inverse_sqrt_decay(lr0, t):
    return lr0 * t ** -0.5


def linear_warmup(lr, t, warmup_steps):
    return lr * min(t + 1, warmup_steps) / warmup_steps
