"""Reference: numerical gradients and relative error (assignment ``gradient_check``)."""

from __future__ import annotations

import numpy as np


def rel_error(x, y) -> float:
    """Largest elementwise relative error, max |x - y| / max(1e-8, |x| + |y|).

    x, y: arrays (or scalars) of the same shape. Returns a Python float.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    f: callable taking an array shaped like x and returning a float.
    x: float array of any shape; perturbed in place one entry at a time and restored.
    Returns grad, float64 array shaped like x, grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of sum(f(x) * df) for an array-valued f.

    f: callable, array shaped like x -> array shaped like df.
    x: float array (restored after the call); df: upstream gradient.
    Returns grad, float64 array shaped like x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        original = x[i]
        x[i] = original + h
        f_plus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = original - h
        f_minus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = original
        grad[i] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    """Relative errors between analytic_grad and centred differences at random coordinates.

    f: scalar function of x; x: float array (restored); analytic_grad: shaped like x.
    Coordinates are drawn with np.random.default_rng(seed). Returns an array of
    length num_checks.
    """
    rng = np.random.default_rng(seed)
    errors = np.empty(num_checks, dtype=np.float64)
    for k in range(num_checks):
        i = tuple(int(rng.integers(n)) for n in x.shape)
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        numeric = (f_plus - f_minus) / (2 * h)
        analytic = analytic_grad[i]
        errors[k] = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
    return errors
