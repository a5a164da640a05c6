# Wrong on purpose: perturbs a reshaped copy of x when x is not contiguous
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient
# mistake: x-perturbed-through-a-copy

import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    # x.reshape(-1) is a view only when x is contiguous; for a strided x the
    # writes below go to a copy and f never sees them.
    flat = x.reshape(-1)
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + h
        fxph = f(x)
        flat[i] = old - h
        fxmh = f(x)
        flat[i] = old
        grad[i] = (fxph - fxmh) / (2 * h)
    return grad.reshape(x.shape)
