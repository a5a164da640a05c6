# base: optimizers
"""Every function returns something wrong in kind: NaN, a list, a string, a
tuple of the wrong length, complex and object arrays, None, a bool, a string
number, infinity, a huge integer.

Contained: every function gets 0 points with a message naming what it
returned; the status is "graded" (the grader did not stumble).
"""
import numpy as np


def sgd(w, dw, config=None):
    return np.full_like(w, np.nan), config


def sgd_momentum(w, dw, config=None):
    return list(np.ravel(w)), config


def nesterov_momentum(w, dw, config=None):
    return "w", config


def adagrad(w, dw, config=None):
    return w, config, "extra"


def rmsprop(w, dw, config=None):
    return w.astype(np.complex128), config


def adam(w, dw, config=None):
    return np.array(list(w.ravel()), dtype=object).reshape(w.shape), config


def step_decay(lr0, epoch, drop=0.1, every=30):
    return None


def cosine_decay(lr0, t, T):
    return np.bool_(True)


def linear_decay(lr0, t, T):
    return "0.1"


def inverse_sqrt_decay(lr0, t):
    return float("inf")


def linear_warmup(lr, t, warmup_steps):
    return 10**400
