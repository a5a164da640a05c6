# Wrong on purpose: "averages away the noise" by repeating every centred difference 60 times, so f is
#   called 120 times per coordinate (thousands of calls on the larger cases)
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient
# mistake: too-many-evaluations

import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        estimates = []
        for _ in range(60):
            x[ix] = old + h
            fxph = f(x)
            x[ix] = old - h
            fxmh = f(x)
            x[ix] = old
            estimates.append((fxph - fxmh) / (2 * h))
        grad[ix] = np.mean(estimates)
    return grad
